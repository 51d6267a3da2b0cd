"""Each unit's training budget for a year against what the classes of its subtree planned
(classes submitted or later) and spent (held classes), audited as `training.budget`."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from lms.audit.services import log
from lms.auth.models import User
from lms.core.numbers import yuan_text
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org.models import Unit
from lms.training import counting
from lms.training.models import ClassSpending, TrainingClass, UnitBudget
from lms.training.plan.figures import percent

# A class's planned spending counts once its plan went to review (drafts are still changing).
PLANNED_STATUSES = ("submitted", "approved", "running", "closed", "filed")


@dataclass
class BudgetRow:
    """One unit's budget (None: not set) and its subtree's planned and actual spending."""

    unit: Unit
    budget: UnitBudget | None
    planned_fen: int = 0
    actual_fen: int = 0

    @property
    def budget_fen(self) -> int:
        return self.budget.budget_fen if self.budget is not None else 0

    @property
    def spent_pct(self) -> int | None:
        return percent(self.actual_fen, self.budget_fen)

    def warnings(self) -> list[str]:
        """Plain sentences when spending or planned spending passes the budget."""
        found = []
        if self.budget is None or self.budget_fen == 0:
            if self.actual_fen:
                found.append(_("No budget is set, yet %(amount)s yuan was spent.",
                               amount=yuan_text(self.actual_fen)))
            return found
        if self.actual_fen > self.budget_fen:
            found.append(_("Spending passes the budget by %(amount)s yuan.",
                           amount=yuan_text(self.actual_fen - self.budget_fen)))
        elif self.planned_fen > self.budget_fen:
            found.append(_("Planned spending passes the budget by %(amount)s yuan.",
                           amount=yuan_text(self.planned_fen - self.budget_fen)))
        return found


def _subtree_sums(unit_ids: list[int], year: int, column, *where) -> dict[int, int]:
    """Sum of a spending column over the classes of each unit's subtree in the year."""
    top, own = aliased(Unit), aliased(Unit)
    stmt = (select(top.id, func.sum(column))
            .select_from(top)
            .join(own, own.path.startswith(top.path))
            .join(TrainingClass, TrainingClass.unit_id == own.id)
            .join(ClassSpending, ClassSpending.class_id == TrainingClass.id)
            .where(top.id.in_(unit_ids), TrainingClass.year == year, *where)
            .group_by(top.id))
    return {uid: int(total or 0) for uid, total in db.session.execute(stmt)}


def budget_rows(units: list[Unit], year: int) -> list[BudgetRow]:
    """The rows of these units for the year: three queries whatever their number."""
    ids = [u.id for u in units]
    if not ids:
        return []
    budgets = {b.unit_id: b for b in db.session.scalars(select(UnitBudget).where(
        UnitBudget.unit_id.in_(ids), UnitBudget.year == year))}
    planned = _subtree_sums(ids, year, ClassSpending.planned_fen,
                            TrainingClass.status.in_(PLANNED_STATUSES))
    actual = _subtree_sums(ids, year, ClassSpending.actual_fen, counting.held())
    return [BudgetRow(u, budgets.get(u.id), planned.get(u.id, 0), actual.get(u.id, 0))
            for u in units]


def set_budget(unit: Unit, year: int, fen: int, actor: User) -> UnitBudget:
    """Set the unit's budget of the year (created or changed)."""
    budget = db.session.scalar(select(UnitBudget).where(
        UnitBudget.unit_id == unit.id, UnitBudget.year == year))
    before = budget.budget_fen if budget is not None else None
    if budget is None:
        budget = UnitBudget(unit_id=unit.id, year=year)
        db.session.add(budget)
    budget.budget_fen, budget.set_by, budget.set_at = fen, actor.id, utcnow()
    db.session.flush()
    if before != fen:
        log("training.budget", detail={"budget_id": budget.id, "unit": unit.code, "year": year,
                                       "before": before, "after": fen})
    return budget
