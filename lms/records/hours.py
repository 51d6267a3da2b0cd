"""Study hours, one truth: what a cadre recorded in a year, what each requirement counts of
it, and why a requirement counts a different number of 学时 than was recorded.

Every page that shows hours reads them through here: `standing(user_id, year)` for one cadre
(My learning via `queries.my_learning`, the record page, its printable form and PDF via
`record_data.gather`, the API, the home page), and `recorded_sum`, `recorded_by_user` and
`explain` for many cadres at once (the compliance report and its export). A requirement's
counted 学时 are the rules engine's own (`rules.statuses_for`, the stored
`RequirementStatus`); `explain` puts the difference into one sentence made from the rule
set's own words (`rules_text.conversion_text`). Amounts are rounded and written by
`core.numbers` (`amount`, `amount_text`, the `hours` template filter).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, func, select

from lms.core.numbers import amount, amount_text
from lms.records import rules, rules_text
from lms.records.models import KINDS, RecordTotal, RuleSet
from lms.records.status import KIND_TEXT

ONLINE = "online_course"
EPSILON = 0.005  # amounts closer than this are the same number on every page


@dataclass
class Recorded:
    """Hours and days recorded in a year, as recorded (before any requirement converts them)."""

    hours: float = 0.0
    days: float = 0.0
    by_kind: dict[str, float] = field(default_factory=dict)

    @property
    def online(self) -> float:
        return self.by_kind.get(ONLINE, 0.0)

    @classmethod
    def of(cls, rows: Iterable[tuple[str, float | None, float | None]]) -> Recorded:
        """The totals of (kind, hours, days) rows of `RecordTotal`, rounded once."""
        hours, days, by_kind = 0.0, 0.0, defaultdict(float)
        for kind, h, d in rows:
            hours += float(h or 0)
            days += float(d or 0)
            by_kind[kind] += float(h or 0)
        return cls(amount(hours), amount(days), {k: amount(v) for k, v in by_kind.items()})


def _of_year(year: int) -> ColumnElement[bool]:
    return RecordTotal.year == year


def recorded_sum(column, year: int, user_id) -> ColumnElement[float]:
    """A correlated subquery: the sum of `column` (hours or days) recorded by the cadre
    `user_id` (a column) in `year`; round the result with `core.numbers.amount`."""
    return (select(func.coalesce(func.sum(column), 0.0))
            .where(RecordTotal.user_id == user_id, _of_year(year)).scalar_subquery())


def recorded_by_user(year: int) -> Select:
    """(user_id, hours, days) recorded in `year`, one row per cadre, to join as a subquery;
    round the results with `core.numbers.amount`."""
    return (select(RecordTotal.user_id.label("user_id"),
                   func.sum(RecordTotal.hours).label("hours"),
                   func.sum(RecordTotal.days).label("days"))
            .where(_of_year(year)).group_by(RecordTotal.user_id))


# ---- why a requirement counts differently ---------------------------------------------------

def _period(start: int, end: int) -> str:
    return str(start) if start == end else f"{start}–{end}"


def _reasons(cfg: dict, raw: dict[str, float], counted: dict[str, float],
             carried: float) -> list[str]:
    """Each form of learning whose counted 学时 differ from its recorded hours, with the rule
    set's own words for how it counts; the carry-over last."""
    out, ignored = [], []
    for kind in KINDS:
        have, got = raw.get(kind, 0.0), counted.get(kind, 0.0)
        if abs(have - got) < EPSILON:
            continue
        row = cfg["conversions"].get(kind)
        name = str(KIND_TEXT.get(kind, kind))
        if row is None or not (row["per_hour"] or row["per_day"] or row["per_entry"]):
            ignored.append(name)
            continue
        how = rules_text.conversion_text(dict(row, count_days=False))  # hours only
        out.append(_("%(kind)s (%(how)s)", kind=name, how=how[:1].lower() + how[1:]))
    if ignored:
        out.append(_("%(kinds)s do not count", kinds=rules_text._list(ignored)))
    if carried > EPSILON:
        out.append(_("%(n)s carried over from the previous period", n=amount_text(carried)))
    return out


def sentence(counted: float, recorded_hours: float, period: str, reasons: list[str]) -> str:
    """"38 study hours counted from the 42 recorded in 2026: …", one sentence."""
    return _("%(counted)s study hours counted from the %(recorded)s recorded in %(period)s: "
             "%(reasons)s.", counted=amount_text(counted), recorded=amount_text(recorded_hours),
             period=period, reasons=_("; ").join(reasons))


def _facts(user_ids: Sequence[int], years: set[int],
           configs: Iterable[dict]) -> dict[int, rules.Facts]:
    """The cadres' running totals for `years` (one query) and, only for cadres who hold a
    kind that the rule sets spread over years (a degree), those entries (one more)."""
    facts = rules.load_facts(list(user_ids), years, rules.Needs())
    spread_kinds = rules.Needs.of(configs).spread_kinds
    holders = [uid for uid, f in facts.items() if any(row[1] in spread_kinds for row in f.totals)]
    if holders:
        for uid, more in rules.load_facts(holders, years,
                                          rules.Needs(spread_kinds=spread_kinds)).items():
            facts[uid].spread = more.spread
    return facts


def _years(rule_sets: Sequence[RuleSet], configs: dict[int, dict], year: int) -> set[int]:
    years = {year}
    for rs in rule_sets:
        years |= rules._years_needed(rs, configs[rs.id], [rules.window_of(rs, year)])
    return years


def _notes(facts: Mapping[int, rules.Facts], year: int, rule_sets: Sequence[RuleSet],
           configs: dict[int, dict],
           counted: Mapping[tuple[int, int], float]) -> dict[tuple[int, int], str]:
    out: dict[tuple[int, int], str] = {}
    by_id = {rs.id: rs for rs in rule_sets}
    for (uid, rs_id), shown in counted.items():
        rs = by_id.get(rs_id)
        if rs is None or uid not in facts:
            continue
        cfg, (start, end) = configs[rs.id], rules.window_of(rs, year)
        raw: dict[str, float] = defaultdict(float)
        for y, kind, _subject, h, _d, _n in facts[uid].totals:
            if start <= y <= end:
                raw[kind] += h
        outcome = rules.evaluate(rs, cfg, start, end, facts[uid], rules.Names())
        total = sum(raw.values())
        if abs(amount(outcome.hours) - amount(shown)) >= EPSILON \
                or abs(amount(shown) - amount(total)) < EPSILON:
            continue
        reasons = _reasons(cfg, raw, outcome.by_kind, outcome.carried)
        if reasons:
            out[(uid, rs.id)] = sentence(shown, total, _period(start, end), reasons)
    return out


def explain(user_ids: Sequence[int], year: int, rule_sets: Sequence[RuleSet],
            counted: Mapping[tuple[int, int], float]) -> dict[tuple[int, int], str]:
    """{(user id, rule set id): the sentence} for each cadre and rule set whose window holding
    `year` counts a number of 学时 other than the hours recorded in it. `counted` holds the
    counted 学时 the page shows beside it (the stored status); no sentence where it is
    missing or where the engine, converting afresh, would not reach it (a status not yet
    recomputed), so the sentence never contradicts its number. Reads the cadres' running
    totals once (and the entries of a degree, for cadres who hold one): one or two queries
    whatever the number of cadres."""
    if not user_ids or not rule_sets or not counted:
        return {}
    configs = {rs.id: rules.normalise(rs.config) for rs in rule_sets}
    facts = _facts(user_ids, _years(rule_sets, configs, year), configs.values())
    return _notes(facts, year, rule_sets, configs, counted)


@dataclass
class Standing:
    """A cadre's year as every page shows it: the hours recorded, and each requirement that
    applies with its counted 学时 and, where they differ from the recorded, `note`."""

    recorded: Recorded
    requirements: list[rules.StatusView]


def standing(user_id: int, year: int) -> Standing:
    """The cadre's `Standing` for `year`, in three queries (four for a cadre with a degree):
    what My learning, the record page and the home page call."""
    views = rules.statuses_for(user_id, year)
    rule_sets = [v.rule_set for v in views]
    configs = {rs.id: rules.normalise(rs.config) for rs in rule_sets}
    facts = _facts([user_id], _years(rule_sets, configs, year), configs.values())
    notes = _notes(facts, year, rule_sets, configs,
                   {(user_id, v.rule_set.id): v.hours for v in views})
    for view in views:
        view.note = notes.get((user_id, view.rule_set.id))
    return Standing(Recorded.of((kind, h, d) for y, kind, _s, h, d, _n in facts[user_id].totals
                                if y == year), views)
