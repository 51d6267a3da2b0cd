"""What a requirement status means: met, on track, behind or not met, and what is missing.

A `RequirementStatus` row holds, for one cadre, rule set and window of years, the converted
学时 and days reached, `ratio` (the least share reached over the rule set's lines, at most 1),
`met`, and `missing`: one item per line not yet reached, e.g.

    {"line": "hours", "need": 90, "have": 60, "unit": "hours"}
    {"line": "hours_or_days", "need": 90, "have": 60, "need_days": 12, "have_days": 3}
    {"line": "days", "need": 15, "have": 3, "unit": "days"}
    {"line": "kind", "kind": "online_course", "need": 50, "have": 20, "unit": "hours"}
    {"line": "subject", "subject": "专业技术", "need": 60, "have": 10, "unit": "hours"}
    {"line": "share", "subject": "专业技术", "need": 0.667, "have": 0.5, "unit": "share"}
    {"line": "course", "title": "公文写作基础", "need": 1, "have": 0, "unit": "items"}
    {"line": "reading", "title": "…", "need": 1, "have": 0, "unit": "items"}

The label depends on today's date as well as the row: a window that is over and not met is
"not_met"; a window still open is "on_track" while the ratio keeps pace with the share of the
window gone by, else "behind". `label` decides in Python, `label_case` in SQL (same rule), so a
report can filter and count by status in the database.
"""
from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, case, literal

from lms.core.numbers import amount_text
from lms.records.models import RequirementStatus

LABELS = ("met", "on_track", "behind", "not_met")
LABEL_TEXT = {"met": _l("Met"), "on_track": _l("On track"), "behind": _l("Behind"),
              "not_met": _l("Not met")}
KIND_TEXT = {
    "online_course": _l("Online courses"), "exam": _l("Exams"),
    "reading_note": _l("Reading notes"), "training_class": _l("Training classes"),
    "degree": _l("Degree education"), "off_job": _l("Off-job training"),
    "rotation": _l("Rotation training"), "secondment": _l("Secondment"),
    "self_study": _l("Self-study"), "collective_study": _l("Collective study"),
    "lecture": _l("Lectures attended"),
}


def elapsed_share(window_start: int, window_end: int, today: date) -> float:
    """The share of the window [1 Jan window_start, 31 Dec window_end] gone by on `today`."""
    first, last = date(window_start, 1, 1), date(window_end, 12, 31)
    if today < first:
        return 0.0
    if today > last:
        return 1.0
    return ((today - first).days + 1) / ((last - first).days + 1)


def label(status: RequirementStatus, today: date) -> str:
    """met | on_track | behind | not_met for this status on `today`."""
    if status.met:
        return "met"
    if today.year > status.window_end:
        return "not_met"
    share = elapsed_share(status.window_start, status.window_end, today)
    return "on_track" if status.ratio + 1e-9 >= share else "behind"


def label_case(today: date, window_start: int, window_end: int) -> ColumnElement[str]:
    """`label` as a SQL expression over RequirementStatus, for rows of one window."""
    share = elapsed_share(window_start, window_end, today)
    return case(
        (RequirementStatus.met.is_(True), literal("met")),
        (literal(today.year > window_end), literal("not_met")),
        (RequirementStatus.ratio + 1e-9 >= share, literal("on_track")),
        else_=literal("behind"))


def describe(item: dict) -> str:
    """One missing item in plain words, e.g. "学时: 60 of 90 (30 to go)"."""
    need, have = float(item.get("need", 0)), float(item.get("have", 0))
    gap = {"left": amount_text(max(need - have, 0)), "have": amount_text(have),
           "need": amount_text(need)}
    line = item.get("line")
    if line == "hours":
        return _("Study hours: %(have)s of %(need)s, %(left)s to go", **gap)
    if line == "days":
        return _("Training days: %(have)s of %(need)s, %(left)s to go", **gap)
    if line == "hours_or_days":
        days = {"have_days": amount_text(float(item.get("have_days", 0))),
                "need_days": amount_text(float(item.get("need_days", 0)))}
        return _("Study hours: %(have)s of %(need)s, or training days: %(have_days)s of "
                 "%(need_days)s", **gap, **days)
    if line == "kind":
        return _("%(kind)s: %(have)s of %(need)s study hours, %(left)s to go",
                 kind=KIND_TEXT.get(item.get("kind", ""), item.get("kind", "")), **gap)
    if line == "subject":
        return _("%(subject)s: %(have)s of %(need)s study hours, %(left)s to go",
                 subject=item.get("subject", ""), **gap)
    if line == "share":
        return _("%(subject)s: %(have)s%% of study hours, at least %(need)s%% required",
                 subject=item.get("subject", ""), have=amount_text(have * 100),
                 need=amount_text(need * 100))
    if line == "course":
        return _("Required course not completed: %(title)s", title=item.get("title", ""))
    if line == "reading":
        return _("Required reading without an approved note: %(title)s",
                 title=item.get("title", ""))
    return _("%(line)s: %(have)s of %(need)s", line=line, **gap)
