"""Receivers: the learning record writes what other modules announce."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from lms.core.signals import course_completed
from lms.extensions import db
from lms.records.models import RecordEntry


def _course_completed(app, *, user_id: int, course_id: int, title: str, hours: float,
                      completed_at) -> None:
    entry = RecordEntry(user_id=user_id, year=completed_at.year, kind="online_course",
                        course_id=course_id, title=title, hours=hours,
                        occurred_on=completed_at.date(),
                        dedupe_key=f"online_course:{course_id}:{user_id}")
    db.session.add(entry)
    try:
        db.session.commit()
    except IntegrityError:  # already written: the same fact is recorded once
        db.session.rollback()


def connect() -> None:
    course_completed.connect(_course_completed)
