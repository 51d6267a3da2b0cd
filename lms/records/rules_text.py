"""Rule sets in plain words: who a rule applies to, its window, what must be reached and how
each form of learning converts to 学时. Used by the cadres' rules page, "My learning" and the
editor's list."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from lms.catalog.models import Course, SubjectCategory
from lms.core.numbers import amount_text
from lms.extensions import db
from lms.org import labels
from lms.org.models import Category, Unit
from lms.records import rules
from lms.records.models import KINDS, ReadingItem, RuleSet
from lms.records.status import KIND_TEXT


def _list(items) -> str:
    return _(", ").join(str(i) for i in items)


@dataclass
class Lookups:
    """Names for the codes and ids that rule sets refer to."""

    categories: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    subjects: dict[int, str] = field(default_factory=dict)
    courses: dict[int, str] = field(default_factory=dict)
    reading: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, rule_sets: list[RuleSet]) -> Lookups:
        """At most five queries, whatever the number of rule sets."""
        configs = [rules.normalise(rs.config) for rs in rule_sets]
        found = cls()
        if any(c["audience"]["categories"] for c in configs):
            found.categories = dict(db.session.execute(select(Category.code, Category.name)).all())
        codes = {c["audience"]["unit"] for c in configs if c["audience"]["unit"]}
        if codes:
            found.units = dict(db.session.execute(
                select(Unit.code, Unit.name).where(Unit.code.in_(codes))).all())
        if any(c["share"] or c["min_hours_by_subject"] for c in configs):
            found.subjects = dict(db.session.execute(
                select(SubjectCategory.id, SubjectCategory.name)).all())
        courses = {i for c in configs for i in c["required_courses"]}
        if courses:
            found.courses = dict(db.session.execute(
                select(Course.id, Course.title).where(Course.id.in_(courses))).all())
        reading = {i for c in configs for i in c["required_reading"]}
        if reading:
            found.reading = dict(db.session.execute(
                select(ReadingItem.id, ReadingItem.title).where(ReadingItem.id.in_(reading)))
                .all())
        return found


def audience_text(cfg: dict, names: Lookups) -> str:
    """Who the rule applies to, e.g. "Ranks: Section level, No rank"."""
    aud = cfg["audience"]
    parts = []
    if aud["ranks"]:
        parts.append(_("Ranks: %(list)s", list=_list(
            labels.RANK_LABELS.get(r, r) for r in aud["ranks"])))
    if aud["categories"]:
        parts.append(_("Categories: %(list)s", list=_list(
            names.categories.get(c, c) for c in aud["categories"])))
    if aud["unit"]:
        parts.append(_("%(unit)s and the units under it",
                       unit=names.units.get(aud["unit"], aud["unit"])))
    if aud["age_min"] is not None and aud["age_max"] is not None:
        parts.append(_("Aged %(low)d to %(high)d", low=aud["age_min"], high=aud["age_max"]))
    elif aud["age_min"] is not None:
        parts.append(_("Aged %(low)d or over", low=aud["age_min"]))
    elif aud["age_max"] is not None:
        parts.append(_("Aged %(high)d or under", high=aud["age_max"]))
    if aud["title_levels"]:
        parts.append(_("Professional titles: %(list)s", list=_list(
            labels.TITLE_LABELS.get(t, t) for t in aud["title_levels"])))
    return _("; ").join(parts) if parts else _("All cadres")


def window_text(rule_set: RuleSet, year: int) -> str:
    """The window, e.g. "Every 5 years, counted together; the current period is 2023–2027"."""
    if (rule_set.window_years or 1) <= 1:
        return _("Every calendar year (1 January to 31 December)")
    start, end = rules.window_of(rule_set, year)
    return _("Every %(n)d years, counted together; the current period is %(start)d–%(end)d",
             n=rule_set.window_years, start=start, end=end)


def effective_text(rule_set: RuleSet) -> str | None:
    start, end = rule_set.effective_from, rule_set.effective_to
    if start and end:
        return _("In force from %(start)s to %(end)s", start=start.isoformat(),
                 end=end.isoformat())
    if start:
        return _("In force from %(start)s", start=start.isoformat())
    if end:
        return _("In force until %(end)s", end=end.isoformat())
    return None


def requirement_lines(cfg: dict, names: Lookups) -> list[str]:
    """What must be reached in the window, one line each."""
    out = []
    hours, days = cfg["min_hours"], cfg["min_days"]
    if hours and days:
        amounts = {"hours": amount_text(hours), "days": amount_text(days)}
        out.append(_("At least %(hours)s study hours or %(days)s training days (either one is "
                     "enough)", **amounts) if cfg["either"] else
                   _("At least %(hours)s study hours and %(days)s training days", **amounts))
    elif hours:
        out.append(_("At least %(hours)s study hours", hours=amount_text(hours)))
    elif days:
        out.append(_("At least %(days)s training days", days=amount_text(days)))
    for kind, need in cfg["min_hours_by_kind"].items():
        out.append(_("At least %(hours)s study hours from %(kind)s", hours=amount_text(need),
                     kind=KIND_TEXT.get(kind, kind)))
    for key, need in cfg["min_hours_by_subject"].items():
        out.append(_("At least %(hours)s study hours in %(subject)s", hours=amount_text(need),
                     subject=names.subjects.get(int(key), key)))
    if cfg["share"]:
        out.append(_("At least %(percent)s%% of the study hours in %(subjects)s",
                     percent=amount_text(cfg["share"]["min"] * 100),
                     subjects=_list(names.subjects.get(s, s) for s in cfg["share"]["subjects"])))
    for course_id in cfg["required_courses"]:
        out.append(_("Complete the required course “%(title)s”",
                     title=names.courses.get(course_id, f"#{course_id}")))
    for item_id in cfg["required_reading"]:
        out.append(_("Read “%(title)s” and have a reading note on it approved",
                     title=names.reading.get(item_id, f"#{item_id}")))
    return out


def conversion_text(row: dict) -> str:
    """How one form of learning converts, e.g. "each hour counts 1 study hours, each full
    day 6, whichever gives more; at most 45 study hours a year"."""
    parts = []
    per_hour, per_day = row["per_hour"], row["per_day"]
    if per_hour and per_day:
        parts.append(_("each hour counts %(hour)s study hours, each full day %(day)s, "
                       "whichever gives more", hour=amount_text(per_hour),
                       day=amount_text(per_day)))
    elif per_hour:
        parts.append(_("each hour counts %(hour)s study hours", hour=amount_text(per_hour)))
    elif per_day:
        parts.append(_("each full day counts %(day)s study hours", day=amount_text(per_day)))
    if row["per_entry"]:
        parts.append(_("each one counts %(n)s study hours", n=amount_text(row["per_entry"])))
    if row["spread"]:
        parts.append(_("spread evenly over the calendar years of the programme"))
    if row["cap_per_year"] is not None:
        parts.append(_("at most %(cap)s study hours a year", cap=amount_text(row["cap_per_year"])))
    if row["count_days"]:
        parts.append(_("its days count as training days"))
    text = _("; ").join(parts)
    return text[:1].upper() + text[1:]


@dataclass
class RuleText:
    """A rule set in plain words."""

    rule_set: RuleSet
    audience: str
    window: str
    effective: str | None
    requirements: list[str]
    conversions: list[tuple[str, str]]  # (form of learning, how it converts)
    not_counted: list[str]
    carry_over: str | None


def describe(rule_set: RuleSet, names: Lookups, year: int) -> RuleText:
    cfg = rules.normalise(rule_set.config)
    rows = {k: row for k, row in cfg["conversions"].items()
            if row["per_hour"] or row["per_day"] or row["per_entry"]}
    counted = [(str(KIND_TEXT.get(k, k)), conversion_text(rows[k])) for k in KINDS if k in rows]
    carry = None
    if cfg["carry_over_max"] > 0 and cfg["min_hours"]:
        carry = _("Study hours above the requirement count in the next period too, at most "
                  "%(n)s.", n=amount_text(cfg["carry_over_max"]))
    return RuleText(
        rule_set=rule_set, audience=audience_text(cfg, names),
        window=window_text(rule_set, year), effective=effective_text(rule_set),
        requirements=requirement_lines(cfg, names), conversions=counted,
        not_counted=[str(KIND_TEXT.get(k, k)) for k in KINDS if k not in rows],
        carry_over=carry)


def describe_all(rule_sets: list[RuleSet], year: int) -> list[RuleText]:
    names = Lookups.load(rule_sets)
    return [describe(rs, names, year) for rs in rule_sets]
