"""Requirement rule sets: who must reach what over which window of years, how each form of
learning converts to 学时, and the engine that keeps every cadre's `RequirementStatus` current.

A rule set is data set by the organisation department, never code. Its columns hold the
window (`window_years` long, counted from `anchor_year`: 5-year windows from 2023 are
2023–2027, 2028–2032 …) and the dates it is in force (`effective_from`, `effective_to`; a
window is evaluated when it overlaps them). `RuleSet.config` (JSON) holds the rest:

- `audience`: who it applies to, every given filter must hold (an empty one holds for all):
  `ranks` (any of `org.models.RANKS`), `categories` (any of these `Category` codes, e.g.
  "professional"), `unit` (a unit code: that unit and the units under it), `age_min` and
  `age_max` (whole years today), `title_levels` (any of `org.models.TITLE_LEVELS`). Only
  active cadres belong to an audience.
- `min_hours`: 学时 to reach in the window (converted, plus carry-over); `min_days`: training
  days to reach; `either`: with both set, reaching either one is enough ("90 学时 or 12
  days"), otherwise both are needed.
- `min_hours_by_kind`: {kind: 学时} to reach from one form of learning (e.g. 50 from
  "online_course"); `min_hours_by_subject`: {subject id (as text): 学时} to reach in one
  `SubjectCategory`.
- `share`: {"subjects": [subject ids], "min": 0.667} the least share of the window's earned
  学时 (carry-over excluded) that must come from these subjects; compared to 0.01 percentage
  point.
- `required_courses`: course ids to complete in the window (an online-course entry not
  reversed); `required_reading`: `ReadingItem` ids that need an approved reading note in the
  window (a "reading_note" entry, not reversed, whose source "reading_note:<id>" names a note
  on that item).
- `conversions`: {kind: row}, how each form of learning becomes 学时; a kind without a row
  does not count. A row has `per_hour` (学时 per hour recorded), `per_day` (学时 per day
  recorded; a full off-job day is 6), `per_entry` (学时 per entry, e.g. 0.5 for a passed exam;
  a reversal takes it back), `cap_per_year` (at most this many 学时 from the kind in one
  calendar year; none when null), `count_days` (its days count as training days for
  `min_days`) and `spread` (for degree education: each entry's 学时 and days are spread evenly
  over the calendar years from `started_on` to `ended_on`, and the cap applies to each year).
  Hours and days of the same kind are not added up: per kind, year and subject the greater of
  hours × per_hour and days × per_day counts (so record an off-job class with its days, and
  its hours if you know them), plus entries × per_entry.
- `carry_over_max`: surplus 学时 of the window before (earned above `min_hours`, its own
  carry-over excluded) count in the next window, up to this many; 0 for none.

For each cadre of an audience and each window there is one status row: converted 学时
(`hours`, carry-over included), training days, the least share reached over its lines
(`ratio`), `met`, and what is missing in the item formats of `records.status`. Statuses are
recomputed from the running totals (`RecordTotal`) and a few targeted reads (degree entries,
required courses and reading), never by scanning every entry: after each appended entry
(`recompute_user`, a `chain.after_append` hook), when cadres change (`recompute_cadres`), and
when a rule set is saved (`recompute_rule_set`). A rule change never touches an entry.
The audience is decided on today's attributes, also for past windows.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from lms.audit import services as admin_audit
from lms.auth.models import User
from lms.catalog.models import Course, SubjectCategory
from lms.core.numbers import amount_text
from lms.core.timeutil import local_today, utcnow
from lms.extensions import db
from lms.org.models import CadreProfile, Unit
from lms.progress.assignments import audience_clause as _base_audience_clause
from lms.records import chain
from lms.records import status as status_rules
from lms.records.defaults import defaults_for
from lms.records.models import (
    KINDS,
    ReadingItem,
    ReadingNote,
    RecordEntry,
    RecordTotal,
    RequirementStatus,
    RuleSet,
)

BATCH = 1000  # cadres per batch of a bulk recompute
EPSILON = 1e-6
_STATUS = RequirementStatus.__table__


# ---- configuration -------------------------------------------------------------------------

def _num(value, default: float | None = 0.0) -> float | None:
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _ints(values) -> list[int]:
    out = []
    for value in values or []:
        try:
            out.append(int(value))
        except (TypeError, ValueError):
            continue
    return out


def normalise(config: dict | None) -> dict:
    """`config` with every key present and typed (missing keys take their neutral value)."""
    c = dict(config or {})
    aud = dict(c.get("audience") or {})
    age_min, age_max = _num(aud.get("age_min"), None), _num(aud.get("age_max"), None)
    audience = {
        "ranks": [str(r) for r in aud.get("ranks") or []],
        "categories": [str(code) for code in aud.get("categories") or []],
        "unit": (str(aud["unit"]).strip() or None) if aud.get("unit") else None,
        "age_min": int(age_min) if age_min is not None else None,
        "age_max": int(age_max) if age_max is not None else None,
        "title_levels": [str(t) for t in aud.get("title_levels") or []],
    }
    conversions = {}
    for kind, row in (c.get("conversions") or {}).items():
        if kind not in KINDS or not isinstance(row, dict):
            continue
        conversions[kind] = {
            "per_hour": _num(row.get("per_hour")) or 0.0,
            "per_day": _num(row.get("per_day")) or 0.0,
            "per_entry": _num(row.get("per_entry")) or 0.0,
            "cap_per_year": _num(row.get("cap_per_year"), None),
            "count_days": bool(row.get("count_days")),
            "spread": bool(row.get("spread")),
        }
    share = c.get("share") or None
    if isinstance(share, dict):
        subjects, least = _ints(share.get("subjects")), _num(share.get("min")) or 0.0
        share = {"subjects": subjects, "min": least} if subjects and least > 0 else None
    else:
        share = None
    min_hours, min_days = _num(c.get("min_hours"), None), _num(c.get("min_days"), None)
    return {
        "audience": audience,
        "min_hours": min_hours if min_hours else None,
        "min_days": min_days if min_days else None,
        "either": bool(c.get("either")),
        "min_hours_by_kind": {k: float(v) for k, v in (c.get("min_hours_by_kind") or {}).items()
                              if k in KINDS and (_num(v) or 0) > 0},
        "min_hours_by_subject": {str(int(k)): float(v)
                                 for k, v in (c.get("min_hours_by_subject") or {}).items()
                                 if str(k).isascii() and str(k).isdigit()
                                 and len(str(k)) < 10 and (_num(v) or 0) > 0},
        "share": share,
        "required_courses": _ints(c.get("required_courses")),
        "required_reading": _ints(c.get("required_reading")),
        "conversions": conversions,
        "carry_over_max": _num(c.get("carry_over_max")) or 0.0,
    }


# ---- windows -------------------------------------------------------------------------------

def window_of(rule_set: RuleSet, year: int) -> tuple[int, int]:
    """The (first, last) year of the rule set's window that holds `year`."""
    size = max(1, rule_set.window_years or 1)
    anchor = rule_set.anchor_year if rule_set.anchor_year is not None else year
    start = anchor + ((year - anchor) // size) * size
    return start, start + size - 1


def in_force(rule_set: RuleSet, start: int, end: int) -> bool:
    """True when the window [start, end] overlaps the rule set's effective dates."""
    if rule_set.effective_from is not None and rule_set.effective_from.year > end:
        return False
    return rule_set.effective_to is None or rule_set.effective_to.year >= start


def in_force_in(rule_set: RuleSet, year: int) -> bool:
    """True when the rule set is in force on some day of `year`."""
    return in_force(rule_set, year, year)


def _windows(rule_set: RuleSet, cfg: dict, years: Iterable[int],
             this_year: int) -> list[tuple[int, int]]:
    """The windows holding `years`, and with carry-over the windows after them that have
    begun, that are in force."""
    found = {window_of(rule_set, y) for y in years}
    if cfg["carry_over_max"] > 0 and cfg["min_hours"]:
        found |= {window_of(rule_set, end + 1) for _s, end in found if end + 1 <= this_year}
    return sorted(w for w in found if in_force(rule_set, *w))


def _previous(rule_set: RuleSet, start: int) -> tuple[int, int]:
    return window_of(rule_set, start - 1)


def _years_needed(rule_set: RuleSet, cfg: dict, windows: Iterable[tuple[int, int]]) -> set[int]:
    years: set[int] = set()
    for start, end in windows:
        years.update(range(start, end + 1))
        if cfg["carry_over_max"] > 0 and cfg["min_hours"]:
            prev = _previous(rule_set, start)
            if in_force(rule_set, *prev):
                years.update(range(prev[0], prev[1] + 1))
    return years


def this_year() -> int:
    return local_today().year


# ---- audience ------------------------------------------------------------------------------

def audience_clause(audience: dict, today: date | None = None) -> ColumnElement[bool]:
    """A WHERE clause over cadre profiles joined with their users and units."""
    clauses = [_base_audience_clause("/", {
        "ranks": audience.get("ranks") or [], "categories": audience.get("categories") or [],
        "age_min": audience.get("age_min"), "age_max": audience.get("age_max")}, today)]
    if audience.get("unit"):
        top = aliased(Unit)
        path = select(top.path).where(top.code == audience["unit"]).scalar_subquery()
        clauses.append(Unit.path.startswith(path))
    if audience.get("title_levels"):
        clauses.append(CadreProfile.title_level.in_(audience["title_levels"]))
    return and_(*clauses)


def _cadres():
    return (select(CadreProfile.user_id).join(User, User.id == CadreProfile.user_id)
            .join(Unit, Unit.id == CadreProfile.unit_id))


def members_select(rule_set: RuleSet, today: date | None = None):
    """The ids of the cadres in the rule set's audience."""
    return _cadres().where(audience_clause(normalise(rule_set.config)["audience"], today))


def _membership_columns(rule_sets: Sequence[RuleSet]) -> list:
    return [case((audience_clause(normalise(rs.config)["audience"]), 1), else_=0)
            .label(f"r{i}") for i, rs in enumerate(rule_sets)]


def _profile_select(*columns):
    return (select(*columns).select_from(CadreProfile)
            .join(User, User.id == CadreProfile.user_id)
            .join(Unit, Unit.id == CadreProfile.unit_id))


def memberships(user_id: int, rule_sets: Sequence[RuleSet]) -> set[int]:
    """The ids of those `rule_sets` whose audience holds the cadre, in one query."""
    if not rule_sets:
        return set()
    row = db.session.execute(_profile_select(*_membership_columns(rule_sets))
                             .where(CadreProfile.user_id == user_id)).first()
    if row is None:
        return set()
    return {rs.id for rs, flag in zip(rule_sets, row, strict=True) if flag}


def active_rule_sets() -> list[RuleSet]:
    return list(db.session.scalars(select(RuleSet).where(RuleSet.active.is_(True))
                                   .order_by(RuleSet.id)))


# ---- facts: what the engine reads about a cadre --------------------------------------------

@dataclass
class Facts:
    """What the engine knows of one cadre: running totals per (year, kind, subject), entries
    of spread kinds, required courses completed and required reading with approved notes."""

    totals: list[tuple[int, str, int | None, float, float, int]] = field(default_factory=list)
    spread: list[tuple[str, int | None, float, float, int, int, int]] = field(
        default_factory=list)  # kind, subject, hours, days, +1/-1, first year, last year
    courses: set[tuple[int, int]] = field(default_factory=set)  # (course id, year)
    reading: set[tuple[int, int]] = field(default_factory=set)  # (item id, year)


@dataclass
class Needs:
    """What to read for a set of rule sets."""

    spread_kinds: set[str] = field(default_factory=set)
    courses: set[int] = field(default_factory=set)
    reading: set[int] = field(default_factory=set)
    subjects: bool = False

    @classmethod
    def of(cls, configs: Iterable[dict]) -> Needs:
        needs = cls()
        for cfg in configs:
            needs.spread_kinds |= {k for k, row in cfg["conversions"].items() if row["spread"]}
            needs.courses |= set(cfg["required_courses"])
            needs.reading |= set(cfg["required_reading"])
            needs.subjects |= bool(cfg["share"] or cfg["min_hours_by_subject"])
        return needs


def _spread_rows(user_ids: Sequence[int], kinds: set[str], years: set[int] | None):
    stmt = select(RecordEntry.user_id, RecordEntry.kind, RecordEntry.subject_id,
                  RecordEntry.hours, RecordEntry.days, RecordEntry.reverses_id,
                  RecordEntry.started_on, RecordEntry.ended_on, RecordEntry.occurred_on
                  ).where(RecordEntry.user_id.in_(user_ids), RecordEntry.kind.in_(kinds))
    if years is not None:
        stmt = stmt.where(RecordEntry.year >= min(years), func.coalesce(
            RecordEntry.started_on, RecordEntry.occurred_on) <= date(max(years), 12, 31))
    for uid, kind, subject, hours, days, reverses, started, ended, occurred in \
            db.session.execute(stmt):
        first, last = (started or occurred).year, (ended or occurred).year
        if last < first:
            first, last = last, first
        yield uid, (kind, subject, float(hours or 0), float(days or 0),
                    -1 if reverses is not None else 1, first, last)


def load_facts(user_ids: Sequence[int], years: set[int], needs: Needs,
               spread: dict[int, list] | None = None) -> dict[int, Facts]:
    """The facts of `user_ids` for `years`, in at most four queries (`spread` when the
    entries of spread kinds are read already)."""
    facts: dict[int, Facts] = {uid: Facts() for uid in user_ids}
    if not user_ids or not years:
        return facts
    first, last = min(years), max(years)
    for uid, year, kind, subject, hours, days, entries in db.session.execute(
            select(RecordTotal.user_id, RecordTotal.year, RecordTotal.kind,
                   RecordTotal.subject_id, RecordTotal.hours, RecordTotal.days,
                   RecordTotal.entries)
            .where(RecordTotal.user_id.in_(user_ids), RecordTotal.year.between(first, last))):
        facts[uid].totals.append((year, kind, subject, float(hours or 0), float(days or 0),
                                  int(entries or 0)))
    if needs.spread_kinds:
        if spread is None:
            spread = defaultdict(list)
            for uid, row in _spread_rows(user_ids, needs.spread_kinds, years):
                spread[uid].append(row)
        for uid, rows in spread.items():
            if uid in facts:
                facts[uid].spread = list(rows)
    if needs.courses:
        net = func.sum(case((RecordEntry.reverses_id.is_(None), 1), else_=-1))
        for uid, course_id, year, count in db.session.execute(
                select(RecordEntry.user_id, RecordEntry.course_id, RecordEntry.year, net)
                .where(RecordEntry.user_id.in_(user_ids), RecordEntry.kind == "online_course",
                       RecordEntry.course_id.in_(needs.courses),
                       RecordEntry.year.between(first, last))
                .group_by(RecordEntry.user_id, RecordEntry.course_id, RecordEntry.year)):
            if count and count > 0:
                facts[uid].courses.add((course_id, year))
    if needs.reading:
        reversal = aliased(RecordEntry)
        for uid, item_id, year in db.session.execute(
                select(ReadingNote.user_id, ReadingNote.item_id, RecordEntry.year)
                .join(RecordEntry, and_(
                    RecordEntry.user_id == ReadingNote.user_id,
                    RecordEntry.source == literal("reading_note:") + cast(ReadingNote.id,
                                                                           String)))
                .where(ReadingNote.user_id.in_(user_ids),
                       ReadingNote.item_id.in_(needs.reading),
                       RecordEntry.kind == "reading_note", RecordEntry.reverses_id.is_(None),
                       RecordEntry.year.between(first, last),
                       ~exists().where(reversal.reverses_id == RecordEntry.id))):
            facts[uid].reading.add((item_id, year))
    return facts


@dataclass
class Names:
    """Subject, course and reading-item names for the missing items."""

    subjects: dict[int, str] = field(default_factory=dict)
    courses: dict[int, str] = field(default_factory=dict)
    reading: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, needs: Needs) -> Names:
        names = cls()
        if needs.subjects:
            names.subjects = dict(db.session.execute(
                select(SubjectCategory.id, SubjectCategory.name)).all())
        if needs.courses:
            names.courses = dict(db.session.execute(
                select(Course.id, Course.title).where(Course.id.in_(needs.courses))).all())
        if needs.reading:
            names.reading = dict(db.session.execute(
                select(ReadingItem.id, ReadingItem.title)
                .where(ReadingItem.id.in_(needs.reading))).all())
        return names


# ---- evaluation (pure) ---------------------------------------------------------------------

def convert(row: dict, hours: float, days: float, entries: float) -> float:
    """学时 of `hours`, `days` and `entries` of one kind under a conversion row: the greater
    of hours × per_hour and days × per_day, plus entries × per_entry (negative for a
    reversal)."""
    sign = -1.0 if hours < 0 or days < 0 else 1.0
    base = max(abs(hours) * row["per_hour"], abs(days) * row["per_day"])
    return sign * base + entries * row["per_entry"]


@dataclass
class Converted:
    """Converted 学时 per year and (kind, subject), and counted training days per year."""

    hours: dict[int, dict[tuple[str, int | None], float]]
    days: dict[int, float]

    def window(self, start: int, end: int):
        by_kind: dict[str, float] = defaultdict(float)
        by_subject: dict[int | None, float] = defaultdict(float)
        for year in range(start, end + 1):
            for (kind, subject), value in self.hours.get(year, {}).items():
                by_kind[kind] += value
                by_subject[subject] += value
        days = sum(self.days.get(y, 0.0) for y in range(start, end + 1))
        return sum(by_kind.values()), max(days, 0.0), by_kind, by_subject


def converted(cfg: dict, facts: Facts) -> Converted:
    """Apply the rule set's conversions, spreads and yearly caps to a cadre's facts."""
    conv = cfg["conversions"]
    raw: dict[tuple[int, str], dict[int | None, float]] = defaultdict(lambda: defaultdict(float))
    days: dict[int, float] = defaultdict(float)
    for year, kind, subject, hours, d, entries in facts.totals:
        row = conv.get(kind)
        if row is None or row["spread"]:
            continue
        raw[(year, kind)][subject] += convert(row, hours, d, entries)
        if row["count_days"]:
            days[year] += d
    for kind, subject, hours, d, sign, first, last in facts.spread:
        row = conv.get(kind)
        if row is None or not row["spread"]:
            continue
        span = last - first + 1
        value = convert(row, hours, d, sign) / span
        for year in range(first, last + 1):
            raw[(year, kind)][subject] += value
            if row["count_days"]:
                days[year] += d / span
    out: dict[int, dict[tuple[str, int | None], float]] = defaultdict(dict)
    for (year, kind), subjects in raw.items():
        total = sum(subjects.values())
        if total <= EPSILON:
            continue
        cap = conv[kind]["cap_per_year"]
        factor = cap / total if cap is not None and total > cap else 1.0
        for subject, value in subjects.items():
            if value > 0:
                out[year][(kind, subject)] = value * factor
    return Converted(dict(out), dict(days))


@dataclass
class Outcome:
    """A cadre's standing against one rule set in one window."""

    hours: float  # earned + carried
    days: float
    ratio: float
    met: bool
    missing: list[dict]
    earned: float = 0.0
    carried: float = 0.0
    by_kind: dict[str, float] = field(default_factory=dict)

    def values(self) -> dict:
        return {"hours": round(self.hours, 2), "days": round(self.days, 2),
                "ratio": round(self.ratio, 4), "met": self.met, "missing": self.missing}


def _r(value: float) -> float:
    return round(value, 2)


def evaluate(rule_set: RuleSet, cfg: dict, start: int, end: int, facts: Facts,
             names: Names, table: Converted | None = None) -> Outcome:
    """The cadre's standing for the window [start, end] (pure: reads nothing)."""
    table = table or converted(cfg, facts)
    earned, days, by_kind, by_subject = table.window(start, end)
    carried = 0.0
    if cfg["carry_over_max"] > 0 and cfg["min_hours"]:
        prev = _previous(rule_set, start)
        if in_force(rule_set, *prev):
            surplus = table.window(*prev)[0] - cfg["min_hours"]
            carried = min(cfg["carry_over_max"], max(surplus, 0.0))
    hours = earned + carried
    lines: list[tuple[float, bool, dict]] = []

    def line(have: float, need: float, item: dict) -> None:
        ratio = min(1.0, have / need) if need > 0 else 1.0
        lines.append((ratio, have + EPSILON >= need, item))

    mh, md = cfg["min_hours"], cfg["min_days"]
    if mh and md and cfg["either"]:
        ratio = max(min(1.0, hours / mh), min(1.0, days / md))
        met = hours + EPSILON >= mh or days + EPSILON >= md
        lines.append((ratio, met, {"line": "hours_or_days", "need": mh, "have": _r(hours),
                                   "need_days": md, "have_days": _r(days)}))
    else:
        if mh:
            line(hours, mh, {"line": "hours", "need": mh, "have": _r(hours), "unit": "hours"})
        if md:
            line(days, md, {"line": "days", "need": md, "have": _r(days), "unit": "days"})
    for kind, need in cfg["min_hours_by_kind"].items():
        have = by_kind.get(kind, 0.0)
        line(have, need, {"line": "kind", "kind": kind, "need": need, "have": _r(have),
                          "unit": "hours"})
    for key, need in cfg["min_hours_by_subject"].items():
        subject = int(key)
        have = by_subject.get(subject, 0.0)
        line(have, need, {"line": "subject", "subject": names.subjects.get(subject, key),
                          "need": need, "have": _r(have), "unit": "hours"})
    share = cfg["share"]
    if share:
        part = sum(by_subject.get(s, 0.0) for s in share["subjects"])
        have = part / earned if earned > EPSILON else 0.0
        need = share["min"]
        lines.append((min(1.0, have / need), round(have, 4) >= round(need, 4), {
            "line": "share", "need": round(need, 4), "have": round(have, 4), "unit": "share",
            "subject": "、".join(names.subjects.get(s, str(s)) for s in share["subjects"])}))
    window_years = range(start, end + 1)
    for key, done_set, line_name, titles in (
            ("required_courses", facts.courses, "course", names.courses),
            ("required_reading", facts.reading, "reading", names.reading)):
        required = cfg[key]
        if not required:
            continue
        done = {i for i, year in done_set if year in window_years}
        left = [i for i in required if i not in done]
        lines.append((1 - len(left) / len(required), not left, {}))
        for i in left:
            lines.append((1.0, False, {"line": line_name, "title": titles.get(i, f"#{i}"),
                                       "need": 1, "have": 0, "unit": "items"}))
    ratio = min((share_ for share_, _met, _item in lines), default=1.0)
    met = all(ok for _share, ok, _item in lines)
    missing = [item for _share, ok, item in lines if not ok and item]
    return Outcome(hours=hours, days=days, ratio=max(0.0, ratio), met=met, missing=missing,
                   earned=earned, carried=carried, by_kind=dict(by_kind))


# ---- storing statuses ----------------------------------------------------------------------

def _expire_statuses() -> None:
    """Loaded status objects go stale after the bulk statements below."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, RequirementStatus):
            db.session.expire(obj)


def _store(results: list[tuple[int, int, int, int, Outcome]]) -> int:
    """Upsert (rule set id, user id, window start, window end, outcome) rows: one read and at
    most one INSERT and one UPDATE (executemany); unchanged rows are not written."""
    if not results:
        return 0
    rule_ids = {r[0] for r in results}
    users = {r[1] for r in results}
    starts = {r[2] for r in results}
    existing = {(rid, uid, start): (sid, end, hours, days, ratio, met, missing)
                for sid, rid, uid, start, end, hours, days, ratio, met, missing
                in db.session.execute(
                    select(_STATUS.c.id, _STATUS.c.rule_set_id, _STATUS.c.user_id,
                           _STATUS.c.window_start, _STATUS.c.window_end, _STATUS.c.hours,
                           _STATUS.c.days, _STATUS.c.ratio, _STATUS.c.met, _STATUS.c.missing)
                    .where(_STATUS.c.rule_set_id.in_(rule_ids), _STATUS.c.user_id.in_(users),
                           _STATUS.c.window_start.in_(starts)))}
    now = utcnow()
    inserts, updates = [], []
    for rid, uid, start, end, outcome in results:
        values = {"window_end": end, **outcome.values()}
        old = existing.get((rid, uid, start))
        if old is None:
            inserts.append({"rule_set_id": rid, "user_id": uid, "window_start": start,
                            "computed_at": now, **values})
        elif (old[1], round(old[2], 2), round(old[3], 2), round(old[4], 4), bool(old[5]),
              old[6]) != (end, values["hours"], values["days"], values["ratio"],
                          values["met"], values["missing"]):
            updates.append({"sid": old[0], "computed_at": now, **values})
    if inserts:
        db.session.execute(insert(_STATUS), inserts)
    if updates:
        db.session.execute(update(_STATUS).where(_STATUS.c.id == bindparam("sid")), updates)
    if inserts or updates:
        _expire_statuses()
    return len(results)


# ---- recomputing ---------------------------------------------------------------------------

def recompute_user(user_id: int, years: Iterable[int]) -> int:
    """Recompute the cadre's statuses under every active rule set whose audience holds them,
    for the windows holding `years` (and, with carry-over, the windows after them that have
    begun); drop their statuses under rule sets that no longer apply. Runs in the caller's
    transaction (a `chain.after_append` hook). Returns how many statuses were computed."""
    rule_sets = active_rule_sets()
    if not rule_sets:
        return 0
    member_ids = memberships(user_id, rule_sets)
    stale = delete(_STATUS).where(_STATUS.c.user_id == user_id)
    if member_ids:
        stale = stale.where(_STATUS.c.rule_set_id.not_in(member_ids))
    if db.session.execute(stale).rowcount:
        _expire_statuses()
    members = [rs for rs in rule_sets if rs.id in member_ids]
    if not members:
        return 0
    configs = {rs.id: normalise(rs.config) for rs in members}
    needs = Needs.of(configs.values())
    years = set(years)
    spread = None
    if needs.spread_kinds:  # a degree spreads back over the years of its programme
        spread = defaultdict(list)
        for uid, row in _spread_rows([user_id], needs.spread_kinds, None):
            spread[uid].append(row)
            first, last = row[5], row[6]
            if last in years:  # the entry just appended: its whole programme
                years.update(range(first, last + 1))
    today_year = this_year()
    plan = {rs.id: _windows(rs, configs[rs.id], years, today_year) for rs in members}
    needed: set[int] = set()
    for rs in members:
        needed |= _years_needed(rs, configs[rs.id], plan[rs.id])
    facts = load_facts([user_id], needed, needs, spread)[user_id]
    names = Names.load(needs)
    results = []
    for rs in members:
        cfg = configs[rs.id]
        table = converted(cfg, facts)
        results += [(rs.id, user_id, start, end,
                     evaluate(rs, cfg, start, end, facts, names, table))
                    for start, end in plan[rs.id]]
    return _store(results)


def _batches(ids: list[int], size: int = BATCH):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def recompute_rule_set(rule_set: RuleSet, years: Iterable[int] | None = None, *,
                       only: ColumnElement[bool] | None = None) -> int:
    """Recompute the statuses of every cadre in the rule set's audience, in bulk (a bounded
    number of queries per batch of cadres), and delete statuses of cadres who left it, of
    windows the rule set no longer has, or all of them when it is inactive. `years` defaults
    to this year, last year and every year it has statuses for; `only` narrows the cadres
    (a clause over cadre profiles, users and units). Returns how many were computed."""
    # Statuses are written one writer at a time, like the chain (an entry appended meanwhile
    # recomputes its cadre's statuses under the same lock).
    chain._lock_head()
    if not rule_set.active:
        db.session.execute(delete(_STATUS).where(_STATUS.c.rule_set_id == rule_set.id))
        _expire_statuses()
        return 0
    cfg = normalise(rule_set.config)
    today_year = this_year()
    existing = set(db.session.execute(
        select(_STATUS.c.window_start, _STATUS.c.window_end).distinct()
        .where(_STATUS.c.rule_set_id == rule_set.id)).all())
    stale = [(s, e) for s, e in existing
             if window_of(rule_set, s) != (s, e) or not in_force(rule_set, s, e)]
    if stale:
        db.session.execute(delete(_STATUS).where(
            _STATUS.c.rule_set_id == rule_set.id,
            or_(*(and_(_STATUS.c.window_start == s, _STATUS.c.window_end == e)
                  for s, e in stale))))
    if years is None:
        years = {today_year, today_year - 1} | {s for s, _e in existing}
    windows = _windows(rule_set, cfg, years, today_year)
    members = members_select(rule_set)
    gone = delete(_STATUS).where(_STATUS.c.rule_set_id == rule_set.id,
                                 _STATUS.c.user_id.not_in(members))
    if only is not None:
        members = members.where(only)
        gone = gone.where(_STATUS.c.user_id.in_(_cadres().where(only)))
    db.session.execute(gone)
    _expire_statuses()
    if not windows:
        return 0
    needs = Needs.of([cfg])
    names = Names.load(needs)
    needed = _years_needed(rule_set, cfg, windows)
    count = 0
    ids = list(db.session.scalars(members.order_by(CadreProfile.user_id)))
    for batch in _batches(ids):
        facts = load_facts(batch, needed, needs)
        results = []
        for uid in batch:
            table = converted(cfg, facts[uid])
            results += [(rule_set.id, uid, start, end,
                         evaluate(rule_set, cfg, start, end, facts[uid], names, table))
                        for start, end in windows]
        count += _store(results)
    return count


def recompute_cadres(user_ids: Sequence[int] | None = None,
                     unit_path: str | None = None) -> int:
    """Recompute every active rule set for cadres who changed (`cadres_changed`): those
    named, or those under a moved unit. Returns how many statuses were computed."""
    if user_ids is None and unit_path is None:
        return 0
    clauses = []
    if user_ids is not None:
        clauses.append(CadreProfile.user_id.in_(list(user_ids)))
    if unit_path is not None:
        clauses.append(Unit.path.startswith(unit_path, autoescape=True))
    return sum(recompute_rule_set(rs, only=and_(*clauses)) for rs in active_rule_sets())


def recompute_all(years: Iterable[int] | None = None) -> int:
    """Recompute every rule set (inactive ones lose their statuses)."""
    rule_sets = list(db.session.scalars(select(RuleSet).order_by(RuleSet.id)))
    return sum(recompute_rule_set(rs, years) for rs in rule_sets)


def recompute_held() -> int:
    """Recompute every rule set for the windows it has statuses for, and no other window:
    what `records verify` compares the stored statuses with. Each rule set keeps to its own
    windows (a five-year window from 2023 gives a yearly rule set no 2023 window), and a
    window not computed yet (a new year's) is no difference."""
    held: dict[int, set[int]] = defaultdict(set)
    for rule_set_id, start in db.session.execute(
            select(_STATUS.c.rule_set_id, _STATUS.c.window_start).distinct()):
        held[rule_set_id].add(start)
    rule_sets = list(db.session.scalars(select(RuleSet).order_by(RuleSet.id)))
    return sum(recompute_rule_set(rs, held[rs.id]) for rs in rule_sets)


def ensure_statuses(year: int) -> int:
    """Compute the statuses of the window holding `year` for active rule sets in force then
    that have none yet (e.g. on the first day of a new window). Returns how many."""
    count = 0
    for rs in active_rule_sets():
        if not in_force_in(rs, year):
            continue
        start, _end = window_of(rs, year)
        if db.session.scalar(select(_STATUS.c.id).where(
                _STATUS.c.rule_set_id == rs.id, _STATUS.c.window_start == start).limit(1)) \
                is None:
            count += recompute_rule_set(rs, {year})
    return count


# ---- saving rule sets ----------------------------------------------------------------------

RULE_FIELDS = ("code", "name", "description", "active", "window_years", "anchor_year",
               "effective_from", "effective_to", "config")


def snapshot(rule_set: RuleSet) -> dict:
    """The rule set's fields as JSON-ready data (for the audit log)."""
    data = {name: getattr(rule_set, name) for name in RULE_FIELDS}
    for name in ("effective_from", "effective_to"):
        data[name] = data[name].isoformat() if data[name] else None
    return data


def save(rule_set: RuleSet, fields: dict, *, actor_id: int | None, reason: str) -> int:
    """Apply `fields` to the rule set (new or existing), append a "rules.change" audit event
    with the rule set before and after, and recompute its statuses, in the caller's
    transaction. Returns how many statuses were recomputed."""
    before = snapshot(rule_set) if rule_set.id is not None else None
    for name, value in fields.items():
        if name not in RULE_FIELDS:
            raise KeyError(name)
        setattr(rule_set, name, normalise(value) if name == "config" else value)
    rule_set.updated_by_id = actor_id
    db.session.add(rule_set)
    db.session.flush()
    after = snapshot(rule_set)
    chain.audit("rules.change", actor_id=actor_id, reason=reason,
                detail={"rule_set_id": rule_set.id, "code": rule_set.code, "before": before,
                        "after": after})
    admin_audit.log("rules.change", actor=actor_id, detail={
        "code": rule_set.code, "name": rule_set.name,
        "changes": sorted(k for k in after if before is None or before[k] != after[k])})
    return recompute_rule_set(rule_set)


def seed_defaults(actor_id: int | None = None) -> int:
    """Insert the national default rule sets (`records.defaults`) when no rule set exists,
    with their audit events and statuses (the caller commits). Returns how many were added."""
    if db.session.scalar(select(func.count()).select_from(RuleSet)):
        return 0
    subjects = dict(db.session.execute(select(SubjectCategory.name, SubjectCategory.id)).all())
    count = 0
    for spec in defaults_for(subjects):
        save(RuleSet(), spec, actor_id=actor_id, reason="national defaults")
        count += 1
    return count


# ---- display -------------------------------------------------------------------------------

@dataclass
class StatusView:
    """One requirement as a cadre's pages show it."""

    rule_set: RuleSet
    window_start: int
    window_end: int
    hours: float
    days: float
    ratio: float
    met: bool
    missing: list[dict]
    label: str
    stored: bool = True
    note: str | None = None  # why it counts other than the hours recorded (`hours.explain`)

    @property
    def label_text(self) -> str:
        return str(status_rules.LABEL_TEXT[self.label])

    @property
    def lines(self) -> list[str]:
        return [status_rules.describe(item) for item in self.missing]

    @property
    def hours_text(self) -> str:
        return amount_text(self.hours)

    @property
    def days_text(self) -> str:
        return amount_text(self.days)

    @property
    def period(self) -> str:
        if self.window_start == self.window_end:
            return str(self.window_start)
        return f"{self.window_start}–{self.window_end}"

    @property
    def percent(self) -> int:
        return int(round(min(1.0, self.ratio) * 100))

    @property
    def config(self) -> dict:
        return normalise(self.rule_set.config)

    def as_json(self) -> dict:
        return {"rule_set": self.rule_set.code, "name": self.rule_set.name,
                "window_start": self.window_start, "window_end": self.window_end,
                "hours": round(self.hours, 2), "days": round(self.days, 2),
                "ratio": round(self.ratio, 4), "met": self.met, "status": self.label,
                "missing": self.missing, "missing_text": self.lines, "note": self.note}


def statuses_for(user_id: int, year: int, today: date | None = None) -> list[StatusView]:
    """The cadre's standing for `year` under every active rule set in force that year whose
    audience holds them: the stored status of the window holding `year`, or, when none is
    stored yet, one computed on the spot (nothing is written). Two queries when stored."""
    today = today or local_today()
    rule_sets = [rs for rs in active_rule_sets() if in_force_in(rs, year)]
    if not rule_sets:
        return []
    # One query: the audience flags and the cadre's stored statuses of windows holding `year`.
    rows = db.session.execute(
        _profile_select(RequirementStatus, *_membership_columns(rule_sets))
        .outerjoin(RequirementStatus, and_(
            RequirementStatus.user_id == CadreProfile.user_id,
            RequirementStatus.rule_set_id.in_([rs.id for rs in rule_sets]),
            RequirementStatus.window_start <= year, RequirementStatus.window_end >= year))
        .where(CadreProfile.user_id == user_id)).all()
    if not rows:
        return []
    member_ids = {rs.id for rs, flag in zip(rule_sets, rows[0][1:], strict=True) if flag}
    members = [rs for rs in rule_sets if rs.id in member_ids]
    windows = {rs.id: window_of(rs, year) for rs in members}
    stored = {row[0].rule_set_id: row[0] for row in rows
              if row[0] is not None and row[0].rule_set_id in windows
              and (row[0].window_start, row[0].window_end) == windows[row[0].rule_set_id]}
    lacking = [rs for rs in members if rs.id not in stored]
    computed: dict[int, Outcome] = {}
    if lacking:
        configs = {rs.id: normalise(rs.config) for rs in lacking}
        needs = Needs.of(configs.values())
        needed: set[int] = set()
        for rs in lacking:
            needed |= _years_needed(rs, configs[rs.id], [windows[rs.id]])
        facts = load_facts([user_id], needed, needs)[user_id]
        names = Names.load(needs)
        computed = {rs.id: evaluate(rs, configs[rs.id], *windows[rs.id], facts, names)
                    for rs in lacking}
    views = []
    for rs in members:
        start, end = windows[rs.id]
        row = stored.get(rs.id)
        if row is not None:
            views.append(StatusView(rs, start, end, row.hours, row.days, row.ratio, row.met,
                                    list(row.missing or []), status_rules.label(row, today)))
        else:
            out = computed[rs.id]
            probe = RequirementStatus(window_start=start, window_end=end, ratio=out.ratio,
                                      met=out.met)
            views.append(StatusView(rs, start, end, round(out.hours, 2), round(out.days, 2),
                                    out.ratio, out.met, out.missing,
                                    status_rules.label(probe, today), stored=False))
    return views
