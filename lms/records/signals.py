"""Receivers: the learning record writes what other modules announce."""
from __future__ import annotations

from sqlalchemy import select

from lms.catalog.models import Activity, Course
from lms.core.signals import cadres_changed, course_completed, exam_passed
from lms.core.timeutil import local_date
from lms.extensions import db
from lms.records import chain, rules
from lms.records.chain import append_entry
from lms.records.models import RecordEntry


def completion_key(course_id: int, user_id: int) -> str:
    """The dedupe key of the record entry that completing a course writes (one per cadre)."""
    return f"online_course:{course_id}:{user_id}"


def _course_completed(app, *, user_id: int, course_id: int, title: str, hours: float,
                      completed_at) -> None:
    day = local_date(completed_at)  # the platform's calendar: 1 January 01:00 is the new year
    subject_id = db.session.scalar(select(Course.category_id).where(Course.id == course_id))
    append_entry(RecordEntry(
        user_id=user_id, kind="online_course", subject_id=subject_id, course_id=course_id,
        title=title[:200], hours=hours, occurred_on=day, source=f"course:{course_id}",
        dedupe_key=completion_key(course_id, user_id)), actor_id=None)


def _exam_passed(app, *, user_id: int, activity_id: int, title: str, score: float,
                 number: str, passed_on) -> None:
    course_id, subject_id = db.session.execute(
        select(Course.id, Course.category_id).join(Activity, Activity.course_id == Course.id)
        .where(Activity.id == activity_id)).one()
    append_entry(RecordEntry(
        user_id=user_id, kind="exam", subject_id=subject_id, course_id=course_id,
        title=title[:200], hours=0.0, occurred_on=passed_on, reference=number,
        result=f"{score:.1f}%", score=round(score, 1), source=f"activity:{activity_id}",
        dedupe_key=f"exam:{activity_id}:{user_id}"), actor_id=None)  # one per exam and cadre


def _cadres_changed(app, *, user_ids: list[int] | None, unit_path: str | None) -> None:
    """Cadres were created, edited or moved (the sender has committed): their requirement
    statuses follow the audiences they now belong to."""
    rules.recompute_cadres(user_ids=user_ids, unit_path=unit_path)
    db.session.commit()


def connect() -> None:
    course_completed.connect(_course_completed)
    exam_passed.connect(_exam_passed)
    cadres_changed.connect(_cadres_changed)
    if rules.recompute_user not in chain.after_append:
        chain.after_append.append(rules.recompute_user)
