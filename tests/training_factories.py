"""Training rows made directly through the models, for the plan and money tests."""
from __future__ import annotations

from datetime import date

from lms.auth.models import User
from lms.extensions import db
from lms.org.services import unit_by_code
from lms.training.models import (
    ClassSpending,
    ClassTrainee,
    PlanItem,
    TrainingClass,
    TrainingPlan,
    UnitBudget,
)


def make_plan(unit: str, year: int, items: list[dict], status: str = "published") -> int:
    """A plan of `unit` with items (dicts of PlanItem fields); returns its id."""
    plan = TrainingPlan(unit_id=unit_by_code(unit).id, year=year, title=f"{unit} {year} 计划",
                        status=status)
    db.session.add(plan)
    db.session.flush()
    for position, values in enumerate(items, start=1):
        db.session.add(PlanItem(plan_id=plan.id, position=position, **values))
    db.session.commit()
    return plan.id


def item_ids(plan_id: int) -> list[int]:
    return list(db.session.scalars(db.select(PlanItem.id).where(PlanItem.plan_id == plan_id)
                                   .order_by(PlanItem.position)))


def make_class(unit: str, year: int, status: str, *, item_id: int | None = None,
               outcomes: tuple[str | None, ...] = (), planned: dict | None = None,
               actual: dict | None = None, title: str = "培训班") -> int:
    """A class with trainees of these outcomes (new learners) and spending by heading (fen)."""
    the_unit = unit_by_code(unit)
    cls = TrainingClass(year=year, title=title, unit_id=the_unit.id, plan_item_id=item_id,
                        category="young", form="short_off_job", starts_on=date(year, 3, 1),
                        ends_on=date(year, 3, 5), status=status)
    db.session.add(cls)
    db.session.flush()
    for outcome in outcomes:
        count = db.session.scalar(db.select(db.func.count(User.id)))
        user = User(username=f"t{cls.id}x{count}", name="学员", password_hash="x")
        db.session.add(user)
        db.session.flush()
        db.session.add(ClassTrainee(class_id=cls.id, user_id=user.id, unit_id=the_unit.id,
                                    status="confirmed", outcome=outcome))
    for heading in {*(planned or {}), *(actual or {})}:
        db.session.add(ClassSpending(class_id=cls.id, heading=heading,
                                     planned_fen=(planned or {}).get(heading, 0),
                                     actual_fen=(actual or {}).get(heading, 0)))
    db.session.commit()
    return cls.id


def make_budget(unit: str, year: int, fen: int) -> int:
    budget = UnitBudget(unit_id=unit_by_code(unit).id, year=year, budget_fen=fen)
    db.session.add(budget)
    db.session.commit()
    return budget.id
