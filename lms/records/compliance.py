"""The compliance report: one row per cadre of a unit subtree for a year (the year's hours and
days, the worst requirement status over the rule sets' windows containing the year, and what
is missing), filterable, with counts per status.

A fixed number of queries whatever the number of cadres: the rule sets (one), the counts per
status (one; the page's total is read from them), a page of rows (one) and the status lines of
the page's cadres (one). The export reads the whole filtered report in one streamed query.

Each rule set's window containing the year is computed in Python from its anchor and length,
as is the share of that window gone by today; the status label is then one CASE over
`rule_set_id` (`status.label_case` per rule set), so the report filters and counts by status
in the database.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
)

from lms.auth.models import User
from lms.core.numbers import amount
from lms.core.pagination import paginate_rows
from lms.core.params import int_arg, text_id
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import permissions
from lms.org.models import RANKS, CadreProfile, Unit
from lms.org.queries import cadre_clauses
from lms.records import hours, rules
from lms.records import status as status_labels
from lms.records.models import RecordTotal, RequirementStatus, RuleSet

ACTION = "record.view"
NONE = "none"  # no requirement applies: no status row in any window containing the year
# Worst first: a cadre's status is the worst label over their rule sets.
SEVERITY = {"met": 0, "on_track": 1, "behind": 2, "not_met": 3}
BY_SEVERITY = {rank: name for name, rank in SEVERITY.items()}
STATUSES = ("all", "not_met", "behind", "on_track", "met", NONE)
STATUS_TEXT = {"all": _l("All"), **status_labels.LABEL_TEXT,
               NONE: _l("No requirement applies")}
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass
class ComplianceFilter:
    """Filters of the report: year, unit subtree, category, rank, status, name, rule set.

    `unknown` names an argument that was given but names nothing (or nothing in scope is
    decided by the caller): the views answer 404 rather than widen the report.
    """

    year: int
    unit: Unit | None = None
    category_id: int | None = None
    rank: str | None = None
    status: str = "all"
    q: str | None = None
    rule: RuleSet | None = None
    unknown: str | None = None

    @classmethod
    def from_args(cls, args) -> ComplianceFilter:
        # A year outside FIRST_YEAR..LAST_YEAR answers 400 naming the parameter, never a
        # silent report of another year.
        year = int_arg("year", low=FIRST_YEAR, high=LAST_YEAR, args=args)
        if year is None:
            year = local_today().year
        f = cls(year=year, category_id=int_arg("category", args=args),
                rank=args.get("rank") if args.get("rank") in RANKS else None,
                status=args.get("status") if args.get("status") in STATUSES else "all",
                q=(args.get("q") or "").strip()[:100] or None)
        code = (args.get("unit") or "").strip()
        if code:
            f.unit = db.session.scalar(select(Unit).where(Unit.code == code))
            if f.unit is None:
                f.unknown = "unit"
        rule = (args.get("rule") or "").strip()
        if rule:
            f.rule = db.session.scalar(select(RuleSet).where(RuleSet.code == rule))
            if f.rule is None and (rule_id := text_id(rule)) is not None:
                f.rule = db.session.get(RuleSet, rule_id)
            if f.rule is None:
                f.unknown = f.unknown or "rule"
        return f

    def args(self) -> dict[str, str]:
        """The filter as query arguments (for links and the export)."""
        out = {"year": str(self.year), "unit": self.unit.code if self.unit else "",
               "category": str(self.category_id or ""), "rank": self.rank or "",
               "status": "" if self.status == "all" else self.status, "q": self.q or "",
               "rule": self.rule.code if self.rule else ""}
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class Window:
    """One rule set's window of years containing the report's year."""

    rule_set_id: int
    code: str
    name: str
    start: int
    end: int


def windows(year: int, rule_sets: list[RuleSet], rule: RuleSet | None = None) -> list[Window]:
    """The active `rule_sets` (or only `rule`) in force during their window containing
    `year` (`rules.window_of`, `rules.in_force`: the windows the engine computes), with that
    window."""
    out = []
    for rs in rule_sets:
        if (rs.id != rule.id) if rule is not None else not rs.active:
            continue
        start, end = rules.window_of(rs, year)
        if rules.in_force(rs, start, end):
            out.append(Window(rs.id, rs.code, rs.name, start, end))
    return out


@dataclass
class StatusLine:
    """A cadre's standing against one rule set in its window."""

    code: str
    name: str
    window_start: int
    window_end: int
    label: str
    hours: float
    days: float
    missing: list[dict]
    described: list[str] | None = None  # `texts()` worked out beforehand (the export)
    note: str | None = None  # why it counts other than the hours recorded (`hours.explain`)

    def texts(self) -> list[str]:
        """Each missing item in words, led by the rule set's name."""
        if self.described is not None:
            return self.described
        return [_("%(rule)s: %(item)s", rule=self.name, item=status_labels.describe(item))
                for item in self.missing or []]


@dataclass
class ComplianceRow:
    user_id: int
    username: str
    name: str
    unit_name: str
    unit_code: str
    rank: str
    hours: float
    days: float
    status: str  # one of SEVERITY's labels, or NONE
    lines: list[StatusLine] = field(default_factory=list)

    def missing(self) -> list[str]:
        """What is missing, over every rule set not met, in words."""
        return [text for line in self.lines if line.label != "met" for text in line.texts()]

    def notes(self) -> list[str]:
        """Why a requirement counts other than the hours recorded, one sentence per rule set
        that does, led by its name."""
        return [_("%(rule)s: %(item)s", rule=line.name, item=line.note)
                for line in self.lines if line.note]


class Compliance:
    """The report for one filter, as seen by the current user on `today`. `action` is what
    the viewer must hold over a cadre's unit for the cadre to count (the training figures
    read the same statuses under `training.view`)."""

    action = ACTION

    def __init__(self, f: ComplianceFilter, today: date | None = None):
        self.f = f
        self.today = today or local_today()
        self.rule_sets = list(db.session.scalars(select(RuleSet).order_by(RuleSet.id)))
        self.windows = windows(f.year, self.rule_sets, f.rule)
        self._counts: dict[str, int] | None = None

    # ---- expressions ------------------------------------------------------------------

    def window_clause(self) -> ColumnElement[bool]:
        """Status rows of the windows containing the year."""
        if not self.windows:
            return false()
        return or_(*(and_(RequirementStatus.rule_set_id == w.rule_set_id,
                          RequirementStatus.window_start == w.start) for w in self.windows))

    def label_expr(self) -> ColumnElement[str]:
        """A status row's label (`status.label_case` of its rule set's window)."""
        if not self.windows:
            return literal(NONE)
        return case(*((RequirementStatus.rule_set_id == w.rule_set_id,
                       status_labels.label_case(self.today, w.start, w.end))
                      for w in self.windows), else_=literal(NONE))

    def severity_expr(self) -> ColumnElement[int]:
        return case(SEVERITY, value=self.label_expr(), else_=null())

    def worst_of(self, user_id) -> ColumnElement[int]:
        """The worst severity over the cadre's status rows (NULL: none), correlated."""
        return (select(func.max(self.severity_expr()))
                .where(RequirementStatus.user_id == user_id, self.window_clause())
                .scalar_subquery())

    def _status_clause(self, severity) -> ColumnElement[bool]:
        if self.f.status == "all":
            return true()
        if self.f.status == NONE:
            return severity.is_(None)
        return severity == SEVERITY[self.f.status]

    def population(self, *columns) -> Select:
        """`columns` over the active cadres in the user's scope, filtered (not by status)."""
        f = self.f
        stmt = (select(*columns).select_from(CadreProfile)
                .join(User, User.id == CadreProfile.user_id)
                .join(Unit, Unit.id == CadreProfile.unit_id)
                .where(User.is_active_flag.is_(True), permissions.unit_clause(self.action),
                       *cadre_clauses(unit=f.unit, category_id=f.category_id, q=f.q)))
        if f.rank:
            stmt = stmt.where(CadreProfile.rank == f.rank)
        return stmt

    def _total(self, column) -> ColumnElement[float]:
        return hours.recorded_sum(column, self.f.year, CadreProfile.user_id)

    # ---- the page ---------------------------------------------------------------------

    def _worst(self):
        """Per cadre with a status row: the worst severity, grouped once over the windows'
        status rows (one bitmap scan of the rule-window index)."""
        return (select(RequirementStatus.user_id.label("user_id"),
                       func.max(self.severity_expr()).label("severity"))
                .where(self.window_clause()).group_by(RequirementStatus.user_id).subquery())

    def page_select(self) -> Select:
        """The report's rows in unit, then username order, ready to paginate. Without a
        status filter, hours, days and the worst status are correlated subqueries, which
        the database evaluates for the page's rows only (after the sort and limit); with
        one, the grouped worst status is joined and filtered."""
        columns = [User.id, User.username, User.name, Unit.name, Unit.code, CadreProfile.rank,
                   self._total(RecordTotal.hours), self._total(RecordTotal.days)]
        if self.f.status == "all":
            stmt = self.population(*columns, self.worst_of(CadreProfile.user_id))
        else:
            worst = self._worst()
            stmt = (self.population(*columns, worst.c.severity)
                    .outerjoin(worst, worst.c.user_id == CadreProfile.user_id)
                    .where(self._status_clause(worst.c.severity)))
        return stmt.order_by(Unit.path, User.username)

    def page(self) -> Pagination:
        """The requested page of rows; its total comes from `counts` (no count query)."""
        return paginate_rows(self.page_select(), total=self.counts()[self.f.status])

    def counts(self) -> dict[str, int]:
        """Cadres per status over the filtered population (whatever the status filter);
        one query, kept for the request."""
        if self._counts is not None:
            return self._counts
        worst = self._worst()
        stmt = (self.population(worst.c.severity, func.count())
                .outerjoin(worst, worst.c.user_id == CadreProfile.user_id)
                .group_by(worst.c.severity))
        out = {name: 0 for name in STATUSES}
        for severity, n in db.session.execute(stmt):
            out[BY_SEVERITY.get(severity, NONE)] += n
        out["all"] = sum(n for k, n in out.items() if k != "all")
        self._counts = out
        return out

    def _line_columns(self) -> tuple:
        return (RequirementStatus.user_id, RuleSet.code, RuleSet.name,
                RequirementStatus.window_start, RequirementStatus.window_end,
                self.label_expr(), RequirementStatus.hours, RequirementStatus.days,
                RequirementStatus.missing)

    def lines_for(self, user_ids: list[int]) -> dict[int, list[StatusLine]]:
        """The status lines of these cadres, per cadre, in rule set order; one query."""
        if not user_ids or not self.windows:
            return {}
        out: dict[int, list[StatusLine]] = {}
        for user_id, *line in db.session.execute(
                select(*self._line_columns())
                .join(RuleSet, RuleSet.id == RequirementStatus.rule_set_id)
                .where(RequirementStatus.user_id.in_(user_ids), self.window_clause())
                .order_by(RequirementStatus.user_id, RuleSet.id)):
            out.setdefault(user_id, []).append(StatusLine(*line))
        return out

    def explain(self, rows: list[ComplianceRow]) -> list[ComplianceRow]:
        """Put on each status line of `rows` the sentence saying why it counts other than
        the hours recorded (`hours.explain`, a bounded number of queries for all rows)."""
        ids = {w.rule_set_id for w in self.windows}
        rule_sets = [rs for rs in self.rule_sets if rs.id in ids]
        by_code = {rs.code: rs.id for rs in rule_sets}
        counted = {(row.user_id, by_code.get(line.code, 0)): line.hours
                   for row in rows for line in row.lines}
        notes = hours.explain([r.user_id for r in rows if r.lines], self.f.year, rule_sets,
                              counted)
        for row in rows:
            for line in row.lines:
                line.note = notes.get((row.user_id, by_code.get(line.code, 0)))
        return rows

    def rows(self, items) -> list[ComplianceRow]:
        """Report rows from a page of `page_select` results, with their status lines."""
        lines = self.lines_for([r[0] for r in items])
        return self.explain([
            ComplianceRow(uid, username, name, unit_name, unit_code, rank, amount(h),
                          amount(d), BY_SEVERITY.get(severity, NONE), lines.get(uid, []))
            for uid, username, name, unit_name, unit_code, rank, h, d, severity in items])

    # ---- the whole report -------------------------------------------------------------

    def all_rows(self, batch: int = 2000) -> Iterator[ComplianceRow]:
        """Every row of the filtered report, in page order, read in one streamed query
        (a cadre's status rows joined beside it; the year's totals grouped once).

        What is missing is read as the stored JSON text and put in words once per distinct
        text and rule set: across a district most cadres lack the same few things, and
        translating each item again would cost more than the query."""
        totals = hours.recorded_by_user(self.f.year).subquery()
        line_columns = self._line_columns()[1:-1] + (cast(RequirementStatus.missing, Text),)
        stmt = (self.population(
            User.id, User.username, User.name, Unit.name, Unit.code, CadreProfile.rank,
            totals.c.hours, totals.c.days, *line_columns)
            .outerjoin(totals, totals.c.user_id == CadreProfile.user_id)
            .outerjoin(RequirementStatus, and_(
                RequirementStatus.user_id == CadreProfile.user_id, self.window_clause()))
            .outerjoin(RuleSet, RuleSet.id == RequirementStatus.rule_set_id)
            .order_by(Unit.path, User.username, RuleSet.id)
            .execution_options(yield_per=batch))
        words: dict[tuple[str, str], tuple[list[dict], list[str]]] = {}
        row: ComplianceRow | None = None
        for uid, username, name, unit_name, unit_code, rank, h, d, *line \
                in db.session.execute(stmt):
            if row is None or row.user_id != uid:
                if row is not None and self._keep(row):
                    yield row
                row = ComplianceRow(uid, username, name, unit_name, unit_code, rank,
                                    amount(h), amount(d), NONE)
            if line[0] is None:  # no status row (RuleSet.code)
                continue
            *fields, raw = line
            key = (fields[1], raw or "[]")
            if key not in words:
                items = json.loads(key[1]) or []
                probe = StatusLine(*fields, missing=items)
                words[key] = (items, probe.texts())
            items, texts = words[key]
            status_line = StatusLine(*fields, missing=items, described=texts)
            row.lines.append(status_line)
            if row.status == NONE or SEVERITY[status_line.label] > SEVERITY[row.status]:
                row.status = status_line.label
        if row is not None and self._keep(row):
            yield row

    def _keep(self, row: ComplianceRow) -> bool:
        return self.f.status in ("all", row.status)


def status_text(name: str) -> str:
    """A status in words ("Behind", "No requirement applies")."""
    return str(STATUS_TEXT.get(name, name))


def headers() -> list[str]:
    """The export's column headers."""
    return [_("Full name"), _("Username"), _("Unit"), _("Unit code"), _("Rank"),
            _("Study hours"), _("Training days"), _("Status"), _("What is missing"),
            _("How the study hours were counted")]


def explained(report: Compliance, rows: Iterable[ComplianceRow],
              batch: int = 500) -> Iterator[ComplianceRow]:
    """`rows` with their sentences on counting (`Compliance.explain`), a batch at a time."""
    chunk: list[ComplianceRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch:
            yield from report.explain(chunk)
            chunk = []
    yield from report.explain(chunk)
