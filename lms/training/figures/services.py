"""The district's training figures for one year and one unit subtree: classes, trainee-times
and funds by category, form, organiser and year, planned against actual; cadres meeting the
year's requirements per unit; professional staff's continuing education.

What counts is `training.counting`'s: held classes (closed or filed), trainee-times (trainees
who completed a held class) and funds (the actual spending of held classes); classes approved
or running are counted apart as under way. A class counts in its `TrainingClass.year` (the
year its plan was made for), so the plan's rows and the actual figures share one year.

A fixed number of queries whatever the number of classes, trainees or cadres: the units a
level below the viewed one (one), the grouped facts of the year (one), the years' trend (one),
the plan's rows for the year and by year (two), the compliance counts per unit (two: the rule
sets and one grouped count) and the professional staff (one). Every breakdown of the classes
is summed in Python from the one grouped result, so the tables agree with each other and with
the totals.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
)

from lms.auth.models import User
from lms.core.params import int_arg
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import permissions
from lms.org.models import CadreProfile, Category, Unit, cadre_categories
from lms.records import compliance, hours
from lms.records.models import RecordTotal
from lms.training import counting
from lms.training.labels import CATEGORY_LABELS, FORM_LABELS
from lms.training.models import (
    CATEGORIES,
    FORMS,
    ClassSpending,
    ClassTrainee,
    PlanItem,
    TrainingClass,
    TrainingPlan,
)

ACTION = "training.view"
FIRST_YEAR, LAST_YEAR = 2000, 2100
TREND_YEARS = 5
# Professional and technical staff: the cadre category of this code (专业技术人员).
PROFESSIONAL = "professional"
# Their continuing-education participation target, and the days a senior or mid-level one
# must reach in a year (the district's rules, DOMAIN).
PARTICIPATION_TARGET = 0.45
SENIOR_MID = ("senior", "mid")
SENIOR_MID_DAYS = 15.0
# The compliance report's statuses a cadre is "behind" under: behind pace, or not met.
BEHIND = "short"


class Unknown(Exception):
    """A unit code that names nothing in the viewer's scope (the views answer 404)."""


def year_arg(args=None) -> int:
    """The `year` query argument (2000–2100; default this year); anything else is a 400
    naming it."""
    return int_arg("year", local_today().year, low=FIRST_YEAR, high=LAST_YEAR, args=args)


def unit_arg(args) -> Unit | None:
    """The `unit` query argument: a unit in the viewer's `training.view` scope, or None when
    absent; `Unknown` for a code that names no unit, or one outside the scope."""
    code = (args.get("unit") or "").strip()
    if not code:
        return None
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or not permissions.can(ACTION, unit):
        raise Unknown(code)
    return unit


def scope_root(unit: Unit | None) -> Unit | None:
    """The unit the figures are about: the one asked for, else the viewer's one scope unit
    (the organisation department's district, a street administrator's street); None when the
    viewer holds the action over several subtrees (the figures cover them all)."""
    if unit is not None:
        return unit
    paths = {s.path for s in permissions.scopes() if ACTION in permissions.ROLE_ACTIONS[s.role]}
    if len(paths) != 1:
        return None
    path = next(iter(paths))
    if path is None:
        return db.session.scalar(select(Unit).where(Unit.parent_id.is_(None))
                                 .order_by(Unit.id).limit(1))
    return db.session.scalar(select(Unit).where(Unit.path == path))


@dataclass(frozen=True)
class Group:
    """A unit the figures are broken down by: one a level below the viewed unit (a street
    for the department), or the viewed unit itself for what it runs directly."""

    id: int
    code: str
    name: str
    path: str


def groups_of(root: Unit | None) -> list[Group]:
    """The units a level below `root` (or, without a root, the units at the top of the
    viewer's scope), in tree order; one query."""
    if root is not None:
        stmt = select(Unit).where(Unit.parent_id == root.id)
    else:
        paths = [s.path for s in permissions.scopes()
                 if ACTION in permissions.ROLE_ACTIONS[s.role] and s.path]
        stmt = select(Unit).where(Unit.path.in_(paths or [""]))
    return [Group(u.id, u.code, u.name, u.path)
            for u in db.session.scalars(stmt.order_by(Unit.path))]


def group_of(path: str, groups: list[Group], root: Unit | None) -> int:
    """The id of the group a unit (by its path) falls in: the group holding it, else the
    root itself (0 without a root). Grouping by unit in SQL and folding here keeps the
    queries free of one branch per group."""
    for g in groups:
        if path.startswith(g.path):
            return g.id
    return root.id if root else 0


def in_scope(root: Unit | None) -> ColumnElement[bool]:
    """Units in the viewer's scope (and under `root`)."""
    clause = permissions.unit_clause(ACTION)
    if root is not None:
        clause = and_(clause, Unit.path.startswith(root.path, autoescape=True))
    return clause


# ---- the classes ------------------------------------------------------------------------

@dataclass
class Amounts:
    """Classes (期), trainee-times (人次) and funds (fen), actual and planned."""

    classes: int = 0
    trainee_times: int = 0
    funds_fen: int = 0
    planned_classes: int = 0
    planned_trainees: int = 0
    budget_fen: int = 0

    def add(self, other: Amounts) -> None:
        self.classes += other.classes
        self.trainee_times += other.trainee_times
        self.funds_fen += other.funds_fen

    @property
    def funds_wan(self) -> float:
        """Funds in 万元 (ten thousand yuan), as the year-end summary writes them."""
        return round(self.funds_fen / 1_000_000, 2)


@dataclass
class Row:
    """One line of a breakdown: its code, its label and its amounts."""

    code: str
    label: str
    amounts: Amounts = field(default_factory=Amounts)
    kind: str = ""  # for organisers: "unit" or "outside"


def _trainee_times() -> ColumnElement[int]:
    """A class's trainee-times (correlated: the class's trainees who completed it)."""
    return (select(func.count()).select_from(ClassTrainee)
            .where(ClassTrainee.class_id == TrainingClass.id, counting.trained())
            .scalar_subquery())


def _funds() -> ColumnElement[int]:
    """A class's actual spending in fen (correlated)."""
    return (select(func.coalesce(func.sum(ClassSpending.actual_fen), 0))
            .where(ClassSpending.class_id == TrainingClass.id).scalar_subquery())


def _classes(root: Unit | None, *columns) -> Select:
    return (select(*columns).select_from(TrainingClass)
            .join(Unit, Unit.id == TrainingClass.unit_id).where(in_scope(root)))


@dataclass
class Fact:
    category: str
    form: str
    organiser_kind: str
    organiser_name: str
    group_id: int
    held: bool
    amounts: Amounts


def facts(year: int, root: Unit | None, groups: list[Group]) -> list[Fact]:
    """The year's classes held or under way, grouped by category, form, organiser and unit
    group, with their classes, trainee-times and funds; one query."""
    group = Unit.path.label("path")
    is_held = counting.held().label("held")
    outside = case((TrainingClass.organiser_kind == "outside", TrainingClass.organiser_name),
                   else_=literal("")).label("organiser_name")
    stmt = (_classes(root, TrainingClass.category, TrainingClass.form,
                     TrainingClass.organiser_kind, outside, group, is_held, func.count(),
                     func.coalesce(func.sum(_trainee_times()), 0),
                     func.coalesce(func.sum(_funds()), 0))
            .where(TrainingClass.year == year, or_(counting.held(), counting.under_way()))
            .group_by(TrainingClass.category, TrainingClass.form,
                      TrainingClass.organiser_kind, outside, group, is_held))
    return [Fact(cat, form, kind, name or "", group_of(path, groups, root), bool(h),
                 Amounts(int(n), int(t), int(f)))
            for cat, form, kind, name, path, h, n, t, f in db.session.execute(stmt)]


def trend(year: int, root: Unit | None) -> dict[int, Amounts]:
    """Held classes, trainee-times and funds for each of the five years to `year`; one
    query."""
    first = year - TREND_YEARS + 1
    out = {y: Amounts() for y in range(first, year + 1)}
    stmt = (_classes(root, TrainingClass.year, func.count(),
                     func.coalesce(func.sum(_trainee_times()), 0),
                     func.coalesce(func.sum(_funds()), 0))
            .where(TrainingClass.year.between(first, year), counting.held())
            .group_by(TrainingClass.year))
    for y, n, t, f in db.session.execute(stmt):
        out[y].add(Amounts(int(n), int(t), int(f)))
    return out


def _plan_rows(root: Unit | None, *columns) -> Select:
    """The published plan of `root` (the plan a unit's figures are measured against)."""
    return (select(*columns).select_from(PlanItem)
            .join(TrainingPlan, TrainingPlan.id == PlanItem.plan_id)
            .where(TrainingPlan.unit_id == (root.id if root else None),
                   TrainingPlan.status == "published"))


def planned(year: int, root: Unit | None) -> dict[str, Amounts]:
    """The published plan's classes, trainee-times and budget per category; one query
    (none without a root)."""
    if root is None:
        return {}
    out: dict[str, Amounts] = {}
    for cat, n, t, b in db.session.execute(
            _plan_rows(root, PlanItem.category, func.sum(PlanItem.planned_classes),
                       func.sum(PlanItem.planned_trainees), func.sum(PlanItem.budget_fen))
            .where(TrainingPlan.year == year).group_by(PlanItem.category)):
        out[cat] = Amounts(planned_classes=int(n or 0), planned_trainees=int(t or 0),
                           budget_fen=int(b or 0))
    return out


def planned_by_year(year: int, root: Unit | None) -> dict[int, Amounts]:
    """The published plans' totals for each of the five years to `year`; one query."""
    if root is None:
        return {}
    return {y: Amounts(planned_classes=int(n or 0), planned_trainees=int(t or 0),
                       budget_fen=int(b or 0))
            for y, n, t, b in db.session.execute(
                _plan_rows(root, TrainingPlan.year, func.sum(PlanItem.planned_classes),
                           func.sum(PlanItem.planned_trainees), func.sum(PlanItem.budget_fen))
                .where(TrainingPlan.year.between(year - TREND_YEARS + 1, year))
                .group_by(TrainingPlan.year))}


# ---- the cadres -------------------------------------------------------------------------

class FiguresCompliance(compliance.Compliance):
    """The compliance report's own queries under `training.view`, with the status `short`
    (behind or not met) and counts per unit group."""

    action = ACTION

    def _status_clause(self, severity):
        if self.f.status == BEHIND:
            return severity >= compliance.SEVERITY["behind"]
        return super()._status_clause(severity)

    def counts(self) -> dict[str, int]:
        out = super().counts()
        out[BEHIND] = out["behind"] + out["not_met"]
        return out

    def _keep(self, row: compliance.ComplianceRow) -> bool:
        if self.f.status == BEHIND:
            return row.status in ("behind", "not_met")
        return super()._keep(row)

    def counts_by_group(self, groups: list[Group], root: Unit | None) -> dict[int, dict]:
        """{group id: cadres per status} over the report's population; one query."""
        worst = self._worst()
        stmt = (self.population(Unit.path, worst.c.severity, func.count())
                .outerjoin(worst, worst.c.user_id == CadreProfile.user_id)
                .group_by(Unit.path, worst.c.severity))
        out: dict[int, dict] = defaultdict(lambda: {name: 0 for name in compliance.STATUSES})
        for path, severity, n in db.session.execute(stmt):
            counts = out[group_of(path, groups, root)]
            counts[compliance.BY_SEVERITY.get(severity, compliance.NONE)] += n
            counts["all"] += n
        return out


def report(year: int, root: Unit | None, status: str = "all") -> FiguresCompliance:
    """The compliance report of `root`'s subtree for `year` (reads the rule sets: one
    query)."""
    return FiguresCompliance(compliance.ComplianceFilter(year=year, unit=root, status=status))


@dataclass
class UnitCompliance:
    group: Group
    counts: dict

    @property
    def applies(self) -> int:
        """Cadres some requirement applies to."""
        return self.counts["all"] - self.counts[compliance.NONE]

    @property
    def share(self) -> float | None:
        """The share of those who met every requirement (None: nobody to count)."""
        return self.counts["met"] / self.applies if self.applies else None


def _professional(root: Unit | None) -> Select:
    """Active professional and technical staff in scope: the cadre, their unit, title and
    the year's recorded totals are joined by the caller."""
    tagged = exists().where(cadre_categories.c.cadre_id == CadreProfile.user_id,
                            cadre_categories.c.category_id == Category.id,
                            Category.code == PROFESSIONAL)
    return (select().select_from(CadreProfile)
            .join(User, User.id == CadreProfile.user_id)
            .join(Unit, Unit.id == CadreProfile.unit_id)
            .where(User.is_active_flag.is_(True), in_scope(root), tagged))


@dataclass
class Professional:
    """Professional staff's continuing education in a year, per unit group and in all."""

    staff: int = 0
    participants: int = 0
    senior_mid: int = 0
    short: int = 0

    @property
    def rate(self) -> float | None:
        return self.participants / self.staff if self.staff else None

    def add(self, other: Professional) -> None:
        self.staff += other.staff
        self.participants += other.participants
        self.senior_mid += other.senior_mid
        self.short += other.short


def _recorded(column, year: int) -> ColumnElement[float]:
    """The cadre's hours or days recorded in `year` (`hours.recorded_sum`, correlated: read
    for the professional staff only, through the totals' user index)."""
    return func.coalesce(hours.recorded_sum(column, year, CadreProfile.user_id), 0.0)


def professional(year: int, root: Unit | None, groups: list[Group]) -> dict[int, Professional]:
    """{group id: professional staff, those with any learning recorded in the year, the
    senior and mid-level ones, and those of them under 15 days}; one query.

    Participation in continuing education is any study hours recorded in the year (every
    form of learning, `record_totals`, as the compliance report's hours column); days are the
    training days recorded (its days column), so the numbers match the report's."""
    staff = (_professional(root)
             .add_columns(Unit.path.label("path"),
                          CadreProfile.title_level.in_(SENIOR_MID).label("senior"),
                          _recorded(RecordTotal.hours, year).label("hours"),
                          case((CadreProfile.title_level.in_(SENIOR_MID),
                                _recorded(RecordTotal.days, year))).label("days"))
             .subquery())
    stmt = (select(staff.c.path, func.count(), func.count(case((staff.c.hours > 0, 1))),
                   func.count(case((staff.c.senior, 1))),
                   func.count(case((and_(staff.c.senior, staff.c.days < SENIOR_MID_DAYS), 1))))
            .group_by(staff.c.path))
    out: dict[int, Professional] = defaultdict(Professional)
    for path, *counts in db.session.execute(stmt):
        out[group_of(path, groups, root)].add(Professional(*counts))
    return out


def short_select(year: int, root: Unit | None) -> Select:
    """Senior and mid-level professional staff under 15 training days in the year, with
    their days, in unit then username order (to paginate or export). The staff are sorted
    first (`OFFSET 0` keeps the days filter out of the sorted subquery), so a page reads the
    days of the cadres it passes over, not of every one."""
    staff = (_professional(root)
             .add_columns(CadreProfile.user_id.label("user_id"), User.username,
                          User.name.label("name"), Unit.name.label("unit_name"),
                          Unit.code, CadreProfile.title_level, Unit.path)
             .where(CadreProfile.title_level.in_(SENIOR_MID))
             .order_by(Unit.path, User.username).offset(0).subquery())
    days = func.coalesce(hours.recorded_sum(RecordTotal.days, year, staff.c.user_id), 0.0)
    return (select(staff.c.username, staff.c.name, staff.c.unit_name, staff.c.code,
                   staff.c.title_level, days)
            .where(days < SENIOR_MID_DAYS).order_by(staff.c.path, staff.c.username))


# ---- the whole dashboard ----------------------------------------------------------------

@dataclass
class Figures:
    """Everything the dashboard, its exports, the summary and the API show."""

    year: int
    root: Unit | None
    groups: list[Group]
    total: Amounts
    under_way: int
    by_category: list[Row]
    by_form: list[Row]
    by_organiser: list[Row]
    by_group: list[Row]
    by_year: list[tuple[int, Amounts]]
    compliance: list[UnitCompliance] = field(default_factory=list)
    compliance_total: dict = field(default_factory=dict)
    professional: list[tuple[Group, Professional]] = field(default_factory=list)
    professional_total: Professional = field(default_factory=Professional)
    has_plan: bool = False

    @property
    def target(self) -> float:
        return PARTICIPATION_TARGET


def _rows(codes: Iterable[str], labels: dict) -> dict[str, Row]:
    return {code: Row(code, str(labels.get(code, code))) for code in codes}


def _sorted(rows: Iterable[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (-r.amounts.classes, -r.amounts.trainee_times, r.label))


def classes_figures(year: int, root: Unit | None, groups: list[Group]) -> Figures:
    """The class figures of the year (facts, trend and plan: four queries)."""
    plan = planned(year, root)
    by_category = _rows(CATEGORIES, CATEGORY_LABELS)
    by_form = _rows(FORMS, FORM_LABELS)
    own = Group(root.id, root.code, root.name, root.path) if root else None
    names = {g.id: g for g in groups + ([own] if own else [])}
    by_group = {g.id: Row(g.code, g.name) for g in names.values()}
    by_organiser: dict[tuple[str, str], Row] = {}
    total, under_way = Amounts(), 0
    for fact in facts(year, root, groups):
        if not fact.held:
            under_way += fact.amounts.classes
            continue
        total.add(fact.amounts)
        by_category.setdefault(fact.category, Row(fact.category, fact.category)) \
            .amounts.add(fact.amounts)
        by_form.setdefault(fact.form, Row(fact.form, fact.form)).amounts.add(fact.amounts)
        group = names.get(fact.group_id)
        by_group.setdefault(fact.group_id, Row(group.code if group else "",
                                               group.name if group else "")) \
            .amounts.add(fact.amounts)
        if fact.organiser_kind == "outside":
            key = ("outside", fact.organiser_name)
            label = fact.organiser_name or _("An outside body")
        else:
            key = ("unit", group.code if group else "")
            label = group.name if group else ""
        by_organiser.setdefault(key, Row(key[1], label, kind=key[0])).amounts.add(fact.amounts)
    for code, amounts in plan.items():
        row = by_category.setdefault(code, Row(code, str(CATEGORY_LABELS.get(code, code))))
        row.amounts.planned_classes = amounts.planned_classes
        row.amounts.planned_trainees = amounts.planned_trainees
        row.amounts.budget_fen = amounts.budget_fen
        total.planned_classes += amounts.planned_classes
        total.planned_trainees += amounts.planned_trainees
        total.budget_fen += amounts.budget_fen
    years = trend(year, root)
    for y, amounts in planned_by_year(year, root).items():
        if y in years:
            years[y].planned_classes = amounts.planned_classes
            years[y].planned_trainees = amounts.planned_trainees
            years[y].budget_fen = amounts.budget_fen
    category_rows = [r for r in by_category.values()
                     if r.amounts.classes or r.amounts.planned_classes
                     or r.amounts.planned_trainees or r.amounts.budget_fen]
    return Figures(
        year=year, root=root, groups=groups, total=total, under_way=under_way,
        by_category=category_rows,
        by_form=_sorted(r for r in by_form.values() if r.amounts.classes),
        by_organiser=_sorted(by_organiser.values()),
        by_group=[by_group[g.id] for g in ([own] if own else []) + groups
                  if g.id in by_group and (g is not own or by_group[g.id].amounts.classes)],
        by_year=sorted(years.items()), has_plan=bool(plan))


CLASS_PARTS = ("classes",)
ALL_PARTS = ("classes", "compliance", "professional")


def figures(year: int, root: Unit | None, parts: Iterable[str] = ALL_PARTS) -> Figures:
    """The dashboard's figures, or only `parts` of them (an export of one table reads only
    what it shows); a fixed number of queries."""
    parts = set(parts)
    groups = groups_of(root)
    if "classes" in parts:
        out = classes_figures(year, root, groups)
    else:
        out = Figures(year=year, root=root, groups=groups, total=Amounts(), under_way=0,
                      by_category=[], by_form=[], by_organiser=[], by_group=[], by_year=[])
    own = [Group(root.id, root.code, root.name, root.path)] if root else []
    by_id = {g.id: g for g in own + groups}
    if "compliance" in parts:
        counts = report(year, root).counts_by_group(groups, root)
        total = {name: 0 for name in compliance.STATUSES}
        for gid, group in by_id.items():
            if gid in counts:
                out.compliance.append(UnitCompliance(group, counts[gid]))
                for name, n in counts[gid].items():
                    total[name] += n
        total[BEHIND] = total["behind"] + total["not_met"]
        out.compliance_total = total
    if "professional" in parts:
        pro = professional(year, root, groups)
        for gid, group in by_id.items():
            if gid in pro:
                out.professional.append((group, pro[gid]))
                out.professional_total.add(pro[gid])
    return out


def behind_preview(year: int, root: Unit | None, limit: int) -> list[compliance.ComplianceRow]:
    """The first `limit` cadres behind (unit, then username order), with what is missing.

    The cadres are sorted first (`OFFSET 0` keeps the filter out of the sorted subquery), then
    the report's correlated worst status is read for each in turn until `limit` are found:
    a few dozen status lookups rather than grouping every cadre's statuses."""
    r = report(year, root)
    cadres = (r.population(User.id.label("id"), User.username, User.name.label("name"),
                           Unit.name.label("unit_name"), Unit.code, CadreProfile.rank,
                           Unit.path)
              .order_by(Unit.path, User.username).offset(0).subquery())
    worst = r.worst_of(cadres.c.id)
    stmt = (select(cadres.c.id, cadres.c.username, cadres.c.name, cadres.c.unit_name,
                   cadres.c.code, cadres.c.rank,
                   hours.recorded_sum(RecordTotal.hours, year, cadres.c.id),
                   hours.recorded_sum(RecordTotal.days, year, cadres.c.id), worst)
            .where(worst >= compliance.SEVERITY["behind"])
            .order_by(cadres.c.path, cadres.c.username).limit(limit))
    return r.rows(list(db.session.execute(stmt)))


def share_total(counts: dict) -> float | None:
    """The share of cadres meeting every requirement, of those some requirement applies to."""
    applies = counts.get("all", 0) - counts.get(compliance.NONE, 0)
    return counts.get("met", 0) / applies if applies else None


def percent(value: float | None) -> str:
    """A share as a percentage with one decimal ("45.0%"), or an en dash."""
    return "–" if value is None else f"{value * 100:.1f}%"


def today() -> date:
    return local_today()
