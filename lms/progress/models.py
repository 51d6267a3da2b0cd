"""Enrolments, assignments (调训) with due dates, each learner's study clock, and notices."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ColumnElement, ForeignKey, String, Text, UniqueConstraint, and_
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org.models import Unit

ASSIGNMENT_KINDS = ("people", "audience")


def is_overdue(completed_at: datetime | None, due_at: datetime | None) -> bool:
    """Not completed, and the due date has passed."""
    return completed_at is None and due_at is not None and due_at < utcnow()


def percent_done(done: int, total: int, completed_at: datetime | None) -> int:
    """Progress in a course: 100 once completed, else the share of activities completed."""
    if completed_at is not None:
        return 100
    return round(100 * done / total) if total else 0


class Enrolment(db.Model):
    """A learner in a course: enrolled by themselves or assigned, with an optional due date.

    `due_at` is the end of the due day (local time) of the earliest assignment that covers
    the learner; None for a self-enrolment.
    """

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_enrolment_user_course"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="self")
    due_at: Mapped[datetime | None]
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    hours: Mapped[float | None]

    @hybrid_property
    def overdue(self) -> bool:
        """Not completed by its due date (also usable in queries)."""
        return is_overdue(self.completed_at, self.due_at)

    @overdue.inplace.expression
    @classmethod
    def _overdue_expression(cls) -> ColumnElement[bool]:
        return and_(cls.completed_at.is_(None), cls.due_at < utcnow())


class Assignment(db.Model):
    """A required course assigned by an administrator, with a due date.

    `people`: the named cadres (targets written once). `audience`: every cadre in the unit
    subtree matching the filters in `audience` (category codes, ranks, age bounds); cadres who
    join the audience later are added as they join.
    """

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    audience: Mapped[dict] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime]
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship(lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")
    author: Mapped[User | None] = relationship()


class AssignmentTarget(db.Model):
    """One cadre covered by an assignment (written when assigned or when they join it)."""

    __tablename__ = "assignment_targets"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class StudyClock(db.Model):
    """Which activity a learner studies now: only that one earns credit.

    The holder keeps the clock while its state's `credited_at` is recent; another activity
    takes it over with a compare-and-set on `activity_id`.
    """

    __tablename__ = "study_clocks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))


class Notice(db.Model):
    """An in-app notice to one user (e.g. a reminder of an overdue required course)."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    message: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(255), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
