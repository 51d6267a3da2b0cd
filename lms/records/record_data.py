"""One cadre's learning record for one year, gathered in a fixed number of queries.

The record page, its printable form and PDF, the xAPI export and the API all read the record
through `gather`, so they never disagree. Access is decided by `readable_cadre` (the cadre
themselves, or an administrator with `record.view` over the cadre's unit).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import format_date
from sqlalchemy import extract, func, select
from sqlalchemy.orm import aliased, contains_eager

from lms.auth.models import User
from lms.catalog.models import Course, SubjectCategory
from lms.core.numbers import amount
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import permissions
from lms.org.models import CadreProfile
from lms.records import hours, plans, reading, rules, status
from lms.records.models import (
    Appraisal,
    Claim,
    RecordEntry,
    RecordTotal,
)

PAGE_SIZE = 200  # entries on one page of the record page
EXPORT_SIZE = 2000  # entries in one API or xAPI page
# Entries in the printable record and its PDF (WeasyPrint takes some 30 ms a table row, so a
# bound keeps one request short; a cadre's year rarely holds more than a few dozen).
PRINT_SIZE = 300
CLAIMS_SHOWN = 100


@dataclass
class Total:
    """Hours, days and net number of entries (a reversal counts -1) of one kind or subject."""

    key: str | None  # the kind code, or the subject's name (None: no subject)
    hours: float = 0.0
    days: float = 0.0
    entries: int = 0


@dataclass
class Person:
    """Who entered, verified or reversed an entry."""

    username: str
    name: str


@dataclass
class EntryLine:
    """One entry with the names it refers to, and its reversal when it was reversed."""

    entry: RecordEntry
    subject: str | None
    course_slug: str | None
    entered_by: Person | None
    verified_by: Person | None
    reversal: RecordEntry | None = None  # the entry that reverses this one
    reversed_by: Person | None = None
    corrected_by: int | None = None  # the id of the corrected entry that followed its reversal

    @property
    def is_reversal(self) -> bool:
        return self.entry.reverses_id is not None

    @property
    def source(self) -> tuple[str, int] | None:
        """The source as (what, id), e.g. ("course", 12); None when it has none."""
        what, _sep, ident = (self.entry.source or "").partition(":")
        return (what, int(ident)) if what and ident.isdigit() else None

    @property
    def first_day(self) -> date:
        return self.entry.started_on or self.entry.occurred_on

    @property
    def last_day(self) -> date:
        return self.entry.ended_on or self.entry.occurred_on


@dataclass
class StatusLine:
    """A requirement status: the engine's standing (with its rule set), label, what is missing
    and, when it counts other than the hours recorded, the sentence saying why."""

    row: rules.StatusView
    label: str  # met | on_track | behind | not_met
    missing: list[str]
    note: str | None = None

    @property
    def label_text(self) -> str:
        return str(status.LABEL_TEXT[self.label])


@dataclass
class ClaimLine:
    claim: Claim
    subject: str | None
    reviewed_by: str | None


@dataclass
class CadreRecord:
    """Everything the record shows for one cadre and year."""

    profile: CadreProfile
    year: int
    years: list[int]
    by_kind: list[Total]
    by_subject: list[Total]
    months: list[Total]  # twelve, January first; key is the month number as text
    statuses: list[StatusLine]
    entries: list[EntryLine]
    page: int
    per_page: int
    more: bool  # entries continue on the next page
    claims: list[ClaimLine] = field(default_factory=list)
    plan: plans.PlanSummary | None = None
    appraisal: Appraisal | None = None
    notes: list[reading.NoteLine] = field(default_factory=list)
    recorded: hours.Recorded = field(default_factory=hours.Recorded)  # the year's totals

    @property
    def user(self) -> User:
        return self.profile.user

    @property
    def hours(self) -> float:
        return self.recorded.hours

    @property
    def days(self) -> float:
        return self.recorded.days

    @property
    def entry_count(self) -> int:
        return sum(t.entries for t in self.by_kind)

    def chart_data(self) -> dict:
        """Hours by kind and by month, for the chart script (labels already translated)."""
        return {
            "year": self.year,
            "kinds": [{"label": str(status.KIND_TEXT.get(t.key or "", t.key)),
                       "hours": t.hours, "days": t.days} for t in self.by_kind],
            "months": [{"label": format_date(date(self.year, int(t.key), 1), "MMM"),
                        "hours": t.hours, "days": t.days} for t in self.months],
        }


def readable_cadre(username: str, action: str = "record.view") -> CadreProfile | None:
    """The cadre with this username (their user and unit loaded) when the current user may
    do `action` on their record: "record.view" (themselves, or inside the reader's scope) or
    "record.manage" (an administrator over the cadre's unit). None when missing or out of
    scope, so callers answer 404 either way."""
    profile = db.session.scalar(
        select(CadreProfile).join(CadreProfile.user).join(CadreProfile.unit)
        .options(contains_eager(CadreProfile.user), contains_eager(CadreProfile.unit))
        .where(User.username == username))
    if profile is None or not permissions.can_on_cadre(action, profile):
        return None
    return profile


def gather(profile: CadreProfile, year: int, *, page: int = 1, per_page: int = PAGE_SIZE,
           extras: bool = True) -> CadreRecord:
    """The cadre's record for `year`: totals, statuses, a page of entries (oldest first) and,
    with `extras`, their claims, study plan, appraisal and reading notes. The number of
    queries does not depend on the number of entries."""
    user_id = profile.user_id
    page = max(page, 1)
    years = sorted({y for y in db.session.scalars(
        select(RecordTotal.year).where(RecordTotal.user_id == user_id).distinct())}
        | {local_today().year, year}, reverse=True)
    by_kind, by_subject = _totals(user_id, year)
    standing = hours.standing(user_id, year)
    entries, more = _entries(user_id, year, page, per_page)
    record = CadreRecord(
        profile=profile, year=year, years=years, by_kind=by_kind, by_subject=by_subject,
        months=_months(user_id, year), statuses=_statuses(standing), entries=entries,
        page=page, per_page=per_page, more=more, recorded=standing.recorded)
    if extras:
        record.claims = _claims(user_id, year)
        record.plan = plans.plan_summary(user_id, year)
        record.appraisal = plans.appraisal_for(user_id, year)
        record.notes = reading.notes_summary(user_id, year)
    return record


def _totals(user_id: int, year: int) -> tuple[list[Total], list[Total]]:
    """Totals by kind (in the order of KINDS) and by subject (in the subjects' order)."""
    rows = db.session.execute(
        select(RecordTotal.kind, SubjectCategory.name, SubjectCategory.sort_order,
               RecordTotal.hours, RecordTotal.days, RecordTotal.entries)
        .outerjoin(SubjectCategory, SubjectCategory.id == RecordTotal.subject_id)
        .where(RecordTotal.user_id == user_id, RecordTotal.year == year)).all()
    kinds: dict[str, Total] = {}
    subjects: dict[str | None, Total] = {}
    order: dict[str | None, tuple] = {}
    for kind, subject, sort_order, h, d, entries in rows:
        if not (h or d or entries):
            continue  # everything in it was reversed
        for bucket, key in ((kinds, kind), (subjects, subject)):
            total = bucket.setdefault(key, Total(key))
            total.hours += h
            total.days += d
            total.entries += entries
        order[subject] = (subject is None, sort_order or 0, subject or "")
    for total in (*kinds.values(), *subjects.values()):
        total.hours, total.days = amount(total.hours), amount(total.days)
    known = {k: n for n, k in enumerate(status.KIND_TEXT)}
    return (sorted(kinds.values(), key=lambda t: (known.get(t.key, 99), t.key)),
            sorted(subjects.values(), key=lambda t: order[t.key]))


def _months(user_id: int, year: int) -> list[Total]:
    month = extract("month", RecordEntry.occurred_on)
    sums = {int(m): (h or 0.0, d or 0.0, n) for m, h, d, n in db.session.execute(
        select(month, func.sum(RecordEntry.hours), func.sum(RecordEntry.days), func.count())
        .where(RecordEntry.user_id == user_id, RecordEntry.year == year).group_by(month))}
    out = []
    for m in range(1, 13):
        hours, days, count = sums.get(m, (0.0, 0.0, 0))
        out.append(Total(str(m), round(float(hours), 2), round(float(days), 2), count))
    return out


def _statuses(standing: hours.Standing) -> list[StatusLine]:
    """The requirements as My learning shows them (`hours.standing`), by name."""
    views = sorted(standing.requirements,
                   key=lambda v: (v.rule_set.name, v.window_start))
    return [StatusLine(view, view.label, view.lines, view.note) for view in views]


def _person(username: str | None, name: str | None) -> Person | None:
    return Person(username, name or username) if username else None


def _lines(*where, page: int = 1, per_page: int = 1) -> tuple[list[EntryLine], bool]:
    """Entries matching `where`, oldest first, one page, with the names they refer to and
    their reversals, in two queries."""
    entered, verified = aliased(User), aliased(User)
    rows = db.session.execute(
        select(RecordEntry, SubjectCategory.name, Course.slug, entered.username, entered.name,
               verified.username, verified.name)
        .outerjoin(SubjectCategory, SubjectCategory.id == RecordEntry.subject_id)
        .outerjoin(Course, Course.id == RecordEntry.course_id)
        .outerjoin(entered, entered.id == RecordEntry.entered_by_id)
        .outerjoin(verified, verified.id == RecordEntry.verified_by_id)
        .where(*where)
        .order_by(RecordEntry.occurred_on, RecordEntry.id)
        .offset((page - 1) * per_page).limit(per_page + 1)).all()
    more = len(rows) > per_page
    lines = [EntryLine(entry, subject, slug, _person(eu, en), _person(vu, vn))
             for entry, subject, slug, eu, en, vu, vn in rows[:per_page]]
    originals = {line.entry.id: line for line in lines if not line.is_reversal}
    if originals:  # reversals and corrected entries may sit on another page: look them up
        corrections = {f"correction:{entry_id}": entry_id for entry_id in originals}
        # A reversal's key is "reversal:<id>" (`chain.reverse_entry`): both kinds of later
        # entry are found through the unique index on `dedupe_key`, never a table scan.
        reversals = [f"reversal:{entry_id}" for entry_id in originals]
        for later, username, name in db.session.execute(
                select(RecordEntry, User.username, User.name)
                .outerjoin(User, User.id == RecordEntry.entered_by_id)
                .where(RecordEntry.dedupe_key.in_(reversals + list(corrections)))):
            if later.reverses_id in originals:
                line = originals[later.reverses_id]
                line.reversal, line.reversed_by = later, _person(username, name)
            else:
                originals[corrections[later.dedupe_key]].corrected_by = later.id
    return lines, more


def _entries(user_id: int, year: int, page: int,
             per_page: int) -> tuple[list[EntryLine], bool]:
    return _lines(RecordEntry.user_id == user_id, RecordEntry.year == year, page=page,
                  per_page=per_page)


def entry_line(entry_id: int) -> EntryLine | None:
    """One entry as the record shows it (names, its reversal), e.g. for an API answer."""
    lines, _more = _lines(RecordEntry.id == entry_id)
    return lines[0] if lines else None


def _claims(user_id: int, year: int) -> list[ClaimLine]:
    """Claims waiting for review or rejected, of the year (by their last day), newest first."""
    reviewer = aliased(User)
    rows = db.session.execute(
        select(Claim, SubjectCategory.name, reviewer.name)
        .outerjoin(SubjectCategory, SubjectCategory.id == Claim.subject_id)
        .outerjoin(reviewer, reviewer.id == Claim.reviewed_by_id)
        .where(Claim.user_id == user_id, Claim.status.in_(("pending", "rejected")),
               Claim.ended_on >= date(year, 1, 1), Claim.ended_on <= date(year, 12, 31))
        .order_by(Claim.created_at.desc(), Claim.id.desc()).limit(CLAIMS_SHOWN)).all()
    return [ClaimLine(claim, subject, name) for claim, subject, name in rows]
