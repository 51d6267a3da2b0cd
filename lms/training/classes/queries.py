"""The list of classes an administrator may see, filtered (one page, one count)."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import request
from sqlalchemy import Select, select

from lms.core.params import int_arg
from lms.org import permissions
from lms.org.models import Unit
from lms.training.models import CATEGORIES, CLASS_STATUSES, FORMS, TrainingClass


@dataclass
class ClassFilter:
    """Filters of the class list: year, status (or "review": submitted, for reviewers),
    category, form and unit (a code: its subtree)."""

    year: int | None = None
    status: str = ""
    category: str = ""
    form: str = ""
    unit: Unit | None = None
    ignored: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args=None) -> ClassFilter:
        args = request.args if args is None else args
        f = cls(year=int_arg("year", None, low=2000, high=2099, args=args))
        for name, allowed in (("status", (*CLASS_STATUSES, "review")),
                              ("category", CATEGORIES), ("form", FORMS)):
            value = (args.get(name) or "").strip()
            if value and value in allowed:
                setattr(f, name, value)
            elif value:
                f.ignored.append(name)
        code = (args.get("unit") or "").strip()
        if code:
            from lms.extensions import db

            unit = db.session.scalar(select(Unit).where(Unit.code == code))
            if unit is not None and permissions.can("training.view", unit):
                f.unit = unit
            else:
                f.ignored.append("unit")
        return f


def select_classes(f: ClassFilter) -> Select:
    """Classes of units in the user's `training.view` scope, newest first."""
    stmt = (select(TrainingClass).join(Unit, Unit.id == TrainingClass.unit_id)
            .where(permissions.unit_clause("training.view")))
    if f.year:
        stmt = stmt.where(TrainingClass.year == f.year)
    if f.status == "review":
        stmt = stmt.where(TrainingClass.status == "submitted",
                          permissions.unit_clause("training.manage"))
    elif f.status:
        stmt = stmt.where(TrainingClass.status == f.status)
    if f.category:
        stmt = stmt.where(TrainingClass.category == f.category)
    if f.form:
        stmt = stmt.where(TrainingClass.form == f.form)
    if f.unit is not None:
        stmt = stmt.where(Unit.path.startswith(f.unit.path, autoescape=True))
    return stmt.order_by(TrainingClass.starts_on.desc(), TrainingClass.id.desc())
