"""Enrolments and each learner's study clock."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.timeutil import utcnow
from lms.extensions import db


class Enrolment(db.Model):
    """A learner in a course: enrolled by themselves or assigned, with an optional due date."""

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


class StudyClock(db.Model):
    """Which activity a learner is studying now: one at a time earns credit."""

    __tablename__ = "study_clocks"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"))
    last_beat_at: Mapped[datetime] = mapped_column(default=utcnow)
