"""The year's plan: who reads and edits it, and every change to it (each audited as
`training.plan`; publishing notifies the district's unit administrators)."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from lms.audit.services import log
from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org import permissions
from lms.org.models import RoleGrant, Unit
from lms.progress.notices import notify
from lms.training.labels import CATEGORY_LABELS
from lms.training.models import CATEGORIES, PlanItem, TrainingClass, TrainingPlan
from lms.training.plan.figures import Actual, actuals_by, percent

# Who hears that the plan is published: the administrators of every unit in the district.
NOTIFIED_ROLES = ("unit_admin", "org_admin")


class PlanError(Exception):
    """A change the plan refuses; the message says why."""


# ---- who reads and edits ------------------------------------------------------------------

def readable_districts() -> list[Unit]:
    """The districts (top units) whose plan the user may read: those holding or above a unit
    where the user has `training.view`."""
    return list(db.session.scalars(select(Unit).where(
        Unit.parent_id.is_(None), permissions.overlap_clause("training.view"))
        .order_by(Unit.path)))


def can_manage(plan: TrainingPlan) -> bool:
    """The organisation department over the plan's unit edits and publishes it."""
    return permissions.can("training.manage", plan.unit)


def can_read(plan: TrainingPlan) -> bool:
    """Everyone with `training.view` in the plan's unit reads it once published; a draft is
    read by those who edit it."""
    if can_manage(plan):
        return True
    return plan.status == "published" and permissions.overlaps("training.view", plan.unit)


def plan_for(unit: Unit, year: int) -> TrainingPlan | None:
    """The unit's plan of the year, if any."""
    return db.session.scalar(select(TrainingPlan).where(
        TrainingPlan.unit_id == unit.id, TrainingPlan.year == year))


# ---- changes ------------------------------------------------------------------------------

def _audit(plan: TrainingPlan, change: str, **detail) -> None:
    log("training.plan", detail={"plan_id": plan.id, "unit": plan.unit.code, "year": plan.year,
                                 "status": plan.status, "change": change, **detail})


def create_plan(unit: Unit, year: int, title: str, actor: User) -> TrainingPlan:
    """Start the unit's plan of the year, as a draft."""
    if plan_for(unit, year) is not None:
        raise PlanError(_("The plan of %(year)d already exists.", year=year))
    plan = TrainingPlan(unit_id=unit.id, unit=unit, year=year, title=title.strip(),
                        status="draft", created_by=actor.id)
    db.session.add(plan)
    db.session.flush()
    _audit(plan, "create", title=plan.title)
    return plan


ITEM_FIELDS = ("category", "title", "planned_classes", "planned_trainees", "budget_fen", "note")


def _item_values(item: PlanItem) -> dict:
    return {name: getattr(item, name) for name in ITEM_FIELDS}


def save_item(plan: TrainingPlan, item: PlanItem | None, values: dict) -> PlanItem:
    """Add an item to the plan (`item` None) or change one; `values` holds `ITEM_FIELDS`."""
    if values["category"] not in CATEGORIES:
        raise PlanError(_("Choose a category."))
    before = _item_values(item) if item is not None else None
    if item is None:
        last = db.session.scalar(select(func.max(PlanItem.position))
                                 .where(PlanItem.plan_id == plan.id))
        item = PlanItem(plan_id=plan.id, position=(last or 0) + 1)
        db.session.add(item)
    for name in ITEM_FIELDS:
        setattr(item, name, values[name])
    db.session.flush()
    after = _item_values(item)
    if before is None:
        _audit(plan, "item_add", item_id=item.id, after=after)
    else:
        changed = {k: [before[k], after[k]] for k in ITEM_FIELDS if before[k] != after[k]}
        if changed:
            _audit(plan, "item_edit", item_id=item.id, changes=changed)
    return item


def remove_item(item: PlanItem) -> None:
    """Remove an item; refused while classes are attached to it (they would lose their place
    in the plan without anyone deciding where they belong)."""
    attached = db.session.scalar(select(func.count(TrainingClass.id))
                                 .where(TrainingClass.plan_item_id == item.id))
    if attached:
        raise PlanError(_("%(n)d classes are attached to this item: attach them to another "
                          "item first.", n=attached))
    plan = item.plan
    _audit(plan, "item_remove", item_id=item.id, before=_item_values(item))
    db.session.delete(item)
    db.session.flush()


def move_item(item: PlanItem, up: bool) -> None:
    """Swap an item with its neighbour above (`up`) or below; nothing at the end."""
    items = list(item.plan.items)
    # Positions may repeat (rows written by other means): renumber before swapping.
    for number, row in enumerate(items, start=1):
        row.position = number
    index = items.index(item)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(items):
        return
    items[index].position, items[other].position = items[other].position, items[index].position
    db.session.flush()
    _audit(item.plan, "item_move", item_id=item.id, direction="up" if up else "down")


def district_admins(unit: Unit) -> list[int]:
    """Active accounts administering a unit at or under `unit`."""
    return list(db.session.scalars(
        select(RoleGrant.user_id).join(Unit, Unit.id == RoleGrant.unit_id)
        .join(User, User.id == RoleGrant.user_id)
        .where(RoleGrant.role.in_(NOTIFIED_ROLES),
               Unit.path.startswith(unit.path, autoescape=True), User.is_active_flag.is_(True))
        .distinct()))


def publish(plan: TrainingPlan, actor: User) -> int:
    """Publish the plan and tell the district's administrators; returns how many were told."""
    if plan.status == "published":
        raise PlanError(_("The plan is already published."))
    if not plan.items:
        raise PlanError(_("Add at least one item before publishing the plan."))
    plan.status, plan.published_at = "published", utcnow()
    _audit(plan, "publish", items=len(plan.items))
    with force_locale("zh_CN"):
        message = _("The organisation department published the training plan of %(year)d: "
                    "%(title)s.", year=plan.year, title=plan.title)
    link = url_for("training.plan", year=plan.year, unit=plan.unit.code)
    recipients = [uid for uid in district_admins(plan.unit) if uid != actor.id]
    return notify(recipients, "class_plan", message, link, actor_id=actor.id)


# ---- planned against actual ---------------------------------------------------------------

@dataclass
class Line:
    """One row of the plan: planned figures against what was held."""

    title: str
    category: str | None
    planned_classes: int = 0
    planned_trainees: int = 0
    budget_fen: int = 0
    actual: Actual = field(default_factory=Actual)
    item: PlanItem | None = None

    @property
    def category_label(self) -> str:
        return str(CATEGORY_LABELS.get(self.category, self.category or ""))

    @property
    def classes_pct(self) -> int | None:
        return percent(self.actual.classes, self.planned_classes)

    @property
    def trainees_pct(self) -> int | None:
        return percent(self.actual.trainees, self.planned_trainees)

    @property
    def funds_pct(self) -> int | None:
        return percent(self.actual.funds_fen, self.budget_fen)


@dataclass
class PlanReport:
    """The plan's items, the classes attached to none (`unplanned`) and the total."""

    plan: TrainingPlan
    lines: list[Line]
    unplanned: Line
    total: Line


def plan_scope(plan: TrainingPlan):
    """Classes that count against the plan: those attached to its items, and the classes of
    its year in its unit's subtree attached to no item (the "unplanned" row)."""
    items = select(PlanItem.id).where(PlanItem.plan_id == plan.id).scalar_subquery()
    subtree = select(Unit.id).where(Unit.path.startswith(plan.unit.path, autoescape=True))
    return or_(TrainingClass.plan_item_id.in_(items),
               and_(TrainingClass.plan_item_id.is_(None), TrainingClass.year == plan.year,
                    TrainingClass.unit_id.in_(subtree.scalar_subquery())))


def plan_report(plan: TrainingPlan) -> PlanReport:
    """The plan's planned figures against actual, per item, unplanned and in total (the
    items, then three grouped queries)."""
    found = actuals_by(TrainingClass.plan_item_id, plan_scope(plan))
    lines = [Line(item.title, item.category, item.planned_classes, item.planned_trainees,
                  item.budget_fen, found.get(item.id, Actual()), item)
             for item in plan.items]
    unplanned = Line(_("Classes attached to no item"), None, actual=found.get(None, Actual()))
    total = Line(_("Total"), None)
    for line in [*lines, unplanned]:
        total.planned_classes += line.planned_classes
        total.planned_trainees += line.planned_trainees
        total.budget_fen += line.budget_fen
        total.actual.add(line.actual)
    return PlanReport(plan, lines, unplanned, total)
