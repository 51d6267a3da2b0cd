"""A learner's own view of their learning: enrolments with progress, this year's hours."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from lms.catalog.models import Activity, ActivityState, Course
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.progress.models import Enrolment
from lms.records.models import RecordEntry

# Until requirement rules exist: the national default of online self-study a year (DOMAIN.md).
ONLINE_HOURS_PER_YEAR = 50.0


@dataclass
class CourseProgress:
    course: Course
    enrolment: Enrolment
    done: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class Learning:
    in_progress: list[CourseProgress]
    completed: list[CourseProgress]
    year: int
    hours: float
    required_hours: float
    resume: Activity | None


def my_learning(user_id: int, year: int) -> Learning:
    """Everything "My learning" shows, in a fixed number of queries."""
    rows = db.session.execute(
        select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user_id).order_by(Enrolment.enrolled_at.desc())).all()
    course_ids = [course.id for _e, course in rows]
    totals = dict(db.session.execute(
        select(Activity.course_id, func.count()).where(
            Activity.course_id.in_(course_ids), Activity.retired.is_(False))
        .group_by(Activity.course_id)).all()) if course_ids else {}
    done = dict(db.session.execute(
        select(Activity.course_id, func.count()).join(
            ActivityState, ActivityState.activity_id == Activity.id)
        .where(Activity.course_id.in_(course_ids), Activity.retired.is_(False),
               ActivityState.user_id == user_id, ActivityState.completed_at.is_not(None))
        .group_by(Activity.course_id)).all()) if course_ids else {}
    items = [CourseProgress(course, enrolment, done.get(course.id, 0), totals.get(course.id, 0))
             for enrolment, course in rows]
    hours = db.session.scalar(select(func.coalesce(func.sum(RecordEntry.hours), 0.0)).where(
        RecordEntry.user_id == user_id, RecordEntry.year == year))
    resume = db.session.scalar(
        select(Activity).join(ActivityState, ActivityState.activity_id == Activity.id)
        .join(Course, Course.id == Activity.course_id)
        .where(ActivityState.user_id == user_id, ActivityState.last_beat_at.is_not(None),
               ActivityState.completed_at.is_(None), Activity.retired.is_(False),
               Course.status == "published")
        .order_by(ActivityState.last_beat_at.desc()).limit(1))
    return Learning(
        in_progress=[i for i in items if i.enrolment.completed_at is None],
        completed=[i for i in items if i.enrolment.completed_at is not None],
        year=year, hours=round(float(hours or 0), 2), required_hours=ONLINE_HOURS_PER_YEAR,
        resume=resume)


def this_year() -> int:
    """The current year, as record entries count it (from UTC dates)."""
    return utcnow().year
