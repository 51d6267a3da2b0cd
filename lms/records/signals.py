"""Receivers: the learning record writes what other modules announce."""
from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from lms.core.signals import course_completed, exam_passed
from lms.core.timeutil import local_date
from lms.extensions import db
from lms.records.models import RecordEntry


def _course_completed(app, *, user_id: int, course_id: int, title: str, hours: float,
                      completed_at) -> None:
    day = local_date(completed_at)  # the platform's calendar: 1 January 01:00 is the new year
    entry = RecordEntry(user_id=user_id, year=day.year, kind="online_course",
                        course_id=course_id, title=title, hours=hours,
                        occurred_on=day,
                        dedupe_key=f"online_course:{course_id}:{user_id}")
    _add_once(entry)


def _add_once(entry: RecordEntry) -> None:
    """Add an entry to the sender's transaction (the sender commits it with what it
    announces), unless its fact is already recorded (`dedupe_key` is unique)."""
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:  # already written: the same fact is recorded once
        pass


def _exam_passed(app, *, user_id: int, activity_id: int, title: str, score: float,
                 number: str, passed_on) -> None:
    entry = RecordEntry(user_id=user_id, year=passed_on.year, kind="exam", title=title[:200],
                        hours=0.0, occurred_on=passed_on, reference=number,
                        score=round(score, 1), dedupe_key=f"exam:{activity_id}:{user_id}")
    _add_once(entry)  # one certificate per exam and cadre


def connect() -> None:
    course_completed.connect(_course_completed)
    exam_passed.connect(_exam_passed)
