"""Planned against actual: the held classes, trainee-times and funds of classes grouped by any
column of `TrainingClass` (plan item, category, unit, year), by the rules of `counting`.

Three grouped queries whatever the number of groups (classes; completed trainees of held
classes; actual spending of held classes), so pages and exports stay bounded.
"""
from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select

from lms.extensions import db
from lms.training import counting
from lms.training.models import ClassSpending, ClassTrainee, TrainingClass


@dataclass
class Actual:
    """What was held in one group: classes, trainee-times (人次) and funds (fen) of held
    classes, and the classes under way (approved or running), never added to the held."""

    classes: int = 0
    trainees: int = 0
    funds_fen: int = 0
    under_way: int = 0

    def add(self, other: Actual) -> None:
        """Add another group's figures (for totals)."""
        self.classes += other.classes
        self.trainees += other.trainees
        self.funds_fen += other.funds_fen
        self.under_way += other.under_way


def actuals_by(key: ColumnElement, *where: ColumnElement[bool]) -> dict[Hashable, Actual]:
    """The held figures of the classes matching `where`, by the value of `key` (a column or
    expression on `TrainingClass`, e.g. `TrainingClass.plan_item_id`)."""
    found: dict[Hashable, Actual] = {}

    def at(value: Hashable) -> Actual:
        return found.setdefault(value, Actual())

    is_held = case((counting.held(), 1), else_=0)
    going = case((counting.under_way(), 1), else_=0)
    for value, held, under_way in db.session.execute(
            select(key, func.sum(is_held), func.sum(going)).where(*where).group_by(key)):
        if held or under_way:
            figures = at(value)
            figures.classes, figures.under_way = int(held or 0), int(under_way or 0)
    for value, count in db.session.execute(
            select(key, func.count(ClassTrainee.id))
            .join(ClassTrainee, ClassTrainee.class_id == TrainingClass.id)
            .where(*where, counting.held(), counting.trained()).group_by(key)):
        at(value).trainees = int(count or 0)
    for value, fen in db.session.execute(
            select(key, func.sum(ClassSpending.actual_fen))
            .join(ClassSpending, ClassSpending.class_id == TrainingClass.id)
            .where(*where, counting.held()).group_by(key)):
        at(value).funds_fen = int(fen or 0)
    return found


def percent(actual: int, planned: int) -> int | None:
    """Actual as a whole percentage of planned; None when nothing was planned."""
    if planned <= 0:
        return None
    return round(actual * 100 / planned)
