"""A learner's own view of their learning: enrolments with progress, this year's hours and
where they stand against the requirement rule sets that apply to them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from lms.catalog.models import Activity, ActivityState, Course
from lms.catalog.queries import activity_counts
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.progress.models import Assignment, AssignmentTarget, Enrolment, percent_done
from lms.records import hours, rules
from lms.records.models import RecordEntry


@dataclass
class CourseProgress:
    course: Course
    enrolment: Enrolment
    done: int
    total: int
    started: bool = False  # the learner has opened at least one of its activities

    @property
    def percent(self) -> int:
        return percent_done(self.done, self.total, self.enrolment.completed_at)

    @property
    def overdue(self) -> bool:
        return self.enrolment.overdue


@dataclass
class Learning:
    required: list[CourseProgress]  # assigned and not completed, earliest due first
    in_progress: list[CourseProgress]  # started, not completed, assigned or not
    completed: list[CourseProgress]
    year: int
    hours: float  # study hours recorded this year, as recorded (`hours.standing`)
    required_hours: float  # the most 学时 a year that an applicable rule set asks, on average
    online_hours: float
    online_required_hours: float  # the most online 学时 a year an applicable rule set asks
    resume: Activity | None
    notes: dict[int, str]  # course id -> the note of the assignment that set its due date
    requirements: list[rules.StatusView]  # this year's standing (`hours.standing`)


def yearly_requirements(views: list[rules.StatusView]) -> tuple[float, float]:
    """(study hours, online study hours) a year that the cadre's rule sets ask at most: a
    window's minimum divided by its years (550 in 5 years is 110 a year)."""
    hours, online = 0.0, 0.0
    for view in views:
        cfg, years = view.config, max(1, view.window_end - view.window_start + 1)
        if cfg["min_hours"]:
            hours = max(hours, cfg["min_hours"] / years)
        if cfg["min_hours_by_kind"].get("online_course"):
            online = max(online, cfg["min_hours_by_kind"]["online_course"] / years)
    return round(hours, 2), round(online, 2)


def my_learning(user, year: int | None = None) -> Learning:
    """Everything "My learning" shows for `user` (this year by default), in a fixed number of
    queries."""
    user_id, year = user.id, year or this_year()
    rows = db.session.execute(
        select(Enrolment, Course).join(Course, Course.id == Enrolment.course_id)
        .where(Enrolment.user_id == user_id).order_by(Enrolment.enrolled_at.desc())).all()
    course_ids = [course.id for _e, course in rows]
    totals = activity_counts(course_ids)
    states = {course_id: (done, opened) for course_id, done, opened in db.session.execute(
        select(Activity.course_id, func.count(ActivityState.completed_at), func.count())
        .join(ActivityState, ActivityState.activity_id == Activity.id)
        .where(Activity.course_id.in_(course_ids), Activity.retired.is_(False),
               ActivityState.user_id == user_id)
        .group_by(Activity.course_id))} if course_ids else {}
    items = [CourseProgress(course, enrolment, states.get(course.id, (0, 0))[0],
                            totals.get(course.id, 0), states.get(course.id, (0, 0))[1] > 0)
             for enrolment, course in rows]
    resume = db.session.scalar(
        select(Activity).join(ActivityState, ActivityState.activity_id == Activity.id)
        .join(Course, Course.id == Activity.course_id)
        .where(ActivityState.user_id == user_id, ActivityState.last_beat_at.is_not(None),
               ActivityState.completed_at.is_(None), Activity.retired.is_(False),
               Course.status == "published")
        .order_by(ActivityState.last_beat_at.desc()).limit(1))
    notes: dict[int, str] = {}
    for course_id, note in db.session.execute(
            select(Assignment.course_id, Assignment.note)
            .join(AssignmentTarget, AssignmentTarget.assignment_id == Assignment.id)
            .where(AssignmentTarget.user_id == user_id, Assignment.note != "")
            .order_by(Assignment.due_at.desc())):
        notes[course_id] = note  # the earliest due date's note wins
    year_hours = hours.standing(user_id, year)
    requirements = year_hours.requirements
    required_hours, online_required_hours = yearly_requirements(requirements)
    open_ = [i for i in items if i.enrolment.completed_at is None]
    required = sorted((i for i in open_ if i.enrolment.due_at is not None),
                      key=lambda i: i.enrolment.due_at)
    return Learning(
        required=required,
        # every course started and not completed, assigned or not; an assigned course
        # nobody has opened yet waits under "assigned" only
        in_progress=[i for i in open_ if i.started or i.enrolment.due_at is None],
        completed=[i for i in items if i.enrolment.completed_at is not None],
        year=year, hours=year_hours.recorded.hours, required_hours=required_hours,
        online_hours=year_hours.recorded.online, online_required_hours=online_required_hours,
        resume=resume, notes=notes, requirements=requirements)


def this_year() -> int:
    """The current year, as record entries count it (the platform's local calendar)."""
    return local_today().year


def certificates(user_id: int, limit: int = 50) -> list[RecordEntry]:
    """The cadre's certificate-style results (exams passed), newest first."""
    return list(db.session.scalars(select(RecordEntry).where(
        RecordEntry.user_id == user_id, RecordEntry.kind == "exam",
        RecordEntry.reverses_id.is_(None)).order_by(RecordEntry.occurred_on.desc(),
                                                     RecordEntry.id.desc()).limit(limit)))
