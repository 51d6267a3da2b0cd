"""The cohort of an online special class: enrolled in the bundle's courses when the class
starts, complete when every course was completed by the end of the class's last day (local).

Enrolments made here carry the source "class" and are due at the end of the class's last
day; a learner already enrolled keeps their enrolment, due at the earlier of the two dates.
Trainees newly enrolled are notified. Everything here writes in the caller's transaction:
the caller commits.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core.timeutil import end_of_local_day, local_day, utcnow
from lms.extensions import db
from lms.progress.models import Enrolment
from lms.progress.notices import notify
from lms.training.models import ClassCourse, ClassTrainee, TrainingClass

SOURCE = "class"  # Enrolment.source of enrolments made for a class
# While the class is prepared its courses may change; after approval they are fixed.
EDITABLE = ("draft", "returned", "approved")
# Trainees enrolled in the courses: named or confirmed, not excused or withdrawn.
ENROLLED_STATUSES = ("assigned", "confirmed")
# Trainees who may complete the class by its courses.
LEFT_OUT = ("excused", "withdrawn")
SEARCH_LIMIT = 20


def deadline(training_class: TrainingClass) -> datetime:
    """The end of the class's last day (local), as naive UTC: completions after it are late."""
    return end_of_local_day(training_class.ends_on)


def is_online(training_class: TrainingClass) -> bool:
    return training_class.form == "online"


def editable(training_class: TrainingClass) -> bool:
    """True while the bundle may change (before the class runs)."""
    return training_class.status in EDITABLE


# ---- the bundle ----------------------------------------------------------------------------

def bundle(training_class: TrainingClass) -> list[ClassCourse]:
    """The class's courses in order (each with its course, one query)."""
    return list(db.session.scalars(
        select(ClassCourse).where(ClassCourse.class_id == training_class.id)
        .order_by(ClassCourse.position, ClassCourse.course_id)))


def search(training_class: TrainingClass, text: str) -> list[Course]:
    """Published courses whose title contains `text`, not yet in the bundle (at most 20)."""
    text = text.strip()
    if not text:
        return []
    taken = select(ClassCourse.course_id).where(ClassCourse.class_id == training_class.id)
    return list(db.session.scalars(
        select(Course).where(Course.status == "published",
                             Course.title.contains(text, autoescape=True),
                             Course.id.not_in(taken))
        .order_by(Course.title).limit(SEARCH_LIMIT)))


class BundleError(ValueError):
    """A refused change of the bundle; the message is shown as it is."""


def add_course(training_class: TrainingClass, course_id: int) -> ClassCourse:
    """Add a published course at the end of the bundle (the caller commits)."""
    course = db.session.get(Course, course_id)
    if course is None or course.status != "published":
        raise BundleError(_("Only published courses can be bundled in a class."))
    rows = bundle(training_class)
    for row in rows:
        if row.course_id == course_id:
            return row
    row = ClassCourse(class_id=training_class.id, course_id=course_id,
                      position=(rows[-1].position + 1) if rows else 0)
    db.session.add(row)
    return row


def remove_course(training_class: TrainingClass, course_id: int) -> bool:
    """Take a course out of the bundle; False when it was not in it."""
    row = db.session.get(ClassCourse, (training_class.id, course_id))
    if row is None:
        return False
    db.session.delete(row)
    return True


def move_course(training_class: TrainingClass, course_id: int, step: int) -> bool:
    """Move a course one place up (step -1) or down (+1); False when it cannot move."""
    rows = bundle(training_class)
    at = next((i for i, row in enumerate(rows) if row.course_id == course_id), None)
    if at is None or not 0 <= at + step < len(rows):
        return False
    rows[at], rows[at + step] = rows[at + step], rows[at]
    for position, row in enumerate(rows):
        row.position = position
    return True


# ---- the cohort ----------------------------------------------------------------------------

def _enrol(training_class: TrainingClass, user_ids: list[int], attempts: int = 3) -> int:
    """Enrol `user_ids` in each published course of the class; returns the enrolments made.
    Existing enrolments become due at the class's deadline when that is earlier."""
    if not is_online(training_class) or not user_ids:
        return 0
    course_ids = list(db.session.scalars(
        select(ClassCourse.course_id).join(Course, Course.id == ClassCourse.course_id)
        .where(ClassCourse.class_id == training_class.id, Course.status == "published")))
    if not course_ids:
        return 0
    due = deadline(training_class)
    have = set(db.session.execute(
        select(Enrolment.user_id, Enrolment.course_id)
        .where(Enrolment.user_id.in_(user_ids), Enrolment.course_id.in_(course_ids))).all())
    now = utcnow()
    fresh = [{"user_id": uid, "course_id": cid, "source": SOURCE, "due_at": due,
              "enrolled_at": now}
             for uid in dict.fromkeys(user_ids) for cid in course_ids if (uid, cid) not in have]
    try:
        with db.session.begin_nested():
            if fresh:
                db.session.execute(Enrolment.__table__.insert(), fresh)
            if have:
                db.session.execute(
                    update(Enrolment)
                    .where(Enrolment.user_id.in_(user_ids), Enrolment.course_id.in_(course_ids),
                           Enrolment.completed_at.is_(None),
                           or_(Enrolment.due_at.is_(None), Enrolment.due_at > due))
                    .values(due_at=due).execution_options(synchronize_session=False))
    except IntegrityError:  # a learner enrolled themselves at this moment: look again
        if attempts <= 1:
            raise
        return _enrol(training_class, user_ids, attempts - 1)
    _tell_enrolled(training_class, {row["user_id"] for row in fresh}, len(course_ids))
    return len(fresh)


def _learner_link() -> str:
    """Where a trainee follows their classes (their classes page once it exists)."""
    if not has_request_context():
        return ""
    found = current_app.view_functions
    return url_for("training.my_classes" if "training.my_classes" in found
                   else "records.learning")


def _tell_enrolled(training_class: TrainingClass, user_ids: set[int], courses: int) -> None:
    """Notify trainees newly enrolled in the class's courses, with the date to finish by."""
    if not user_ids:
        return
    with force_locale("zh_CN"):  # stored once, in the platform's language
        message = _("You are enrolled in the %(n)d courses of the online class “%(t)s”: "
                    "complete them all by %(d)s to complete the class.", n=courses,
                    t=training_class.title, d=local_day(training_class.ends_on))
    notify(user_ids, "class_trainee", message, _learner_link())


def enrol_cohort(training_class: TrainingClass) -> int:
    """Enrol the class's trainees (named or confirmed) in each of its courses, due at the end
    of its last day (called when the class starts; running it again adds only what is
    missing). Returns how many enrolments were made; the caller commits."""
    user_ids = list(db.session.scalars(
        select(ClassTrainee.user_id).where(ClassTrainee.class_id == training_class.id,
                                           ClassTrainee.status.in_(ENROLLED_STATUSES))))
    return _enrol(training_class, user_ids)


def enrol_trainee(training_class: TrainingClass, user_id: int) -> int:
    """Enrol one trainee confirmed (or named) after the class started (`enrol_trainees`)."""
    return enrol_trainees(training_class, [user_id])


def enrol_trainees(training_class: TrainingClass, user_ids: list[int]) -> int:
    """Enrol trainees called up, released or confirmed after the class started; before it
    starts, `enrol_cohort` does it. Returns how many enrolments were made; the caller
    commits."""
    if training_class.status != "running" or not user_ids:
        return 0
    return _enrol(training_class, list(user_ids))


def cohort_completed(training_class: TrainingClass) -> set[int]:
    """The user ids of trainees (not excused or withdrawn) who completed every course of the
    class by the end of its last day (local), in one query. No courses: nobody."""
    courses = (select(func.count()).select_from(ClassCourse)
               .where(ClassCourse.class_id == training_class.id).scalar_subquery())
    return set(db.session.scalars(
        select(ClassTrainee.user_id)
        .join(ClassCourse, ClassCourse.class_id == ClassTrainee.class_id)
        .join(Enrolment, (Enrolment.user_id == ClassTrainee.user_id)
              & (Enrolment.course_id == ClassCourse.course_id))
        .where(ClassTrainee.class_id == training_class.id,
               ClassTrainee.status.not_in(LEFT_OUT),
               Enrolment.completed_at <= deadline(training_class))
        .group_by(ClassTrainee.user_id)
        .having(func.count(func.distinct(ClassCourse.course_id)) == courses)))


# ---- progress ------------------------------------------------------------------------------

def progress_select(training_class: TrainingClass) -> Select:
    """Per trainee (not excused or withdrawn): the trainee, courses completed in time,
    completed at all, and the last completion; by name."""
    due = deadline(training_class)
    done = (select(Enrolment.user_id,
                   func.count(case((Enrolment.completed_at <= due, 1))).label("in_time"),
                   func.count(Enrolment.completed_at).label("done"),
                   func.max(Enrolment.completed_at).label("last"))
            .join(ClassCourse, (ClassCourse.course_id == Enrolment.course_id)
                  & (ClassCourse.class_id == training_class.id))
            .join(ClassTrainee, (ClassTrainee.user_id == Enrolment.user_id)
                  & (ClassTrainee.class_id == training_class.id))
            .group_by(Enrolment.user_id).subquery())
    return (select(ClassTrainee, func.coalesce(done.c.in_time, 0),
                   func.coalesce(done.c.done, 0), done.c.last)
            .join(User, User.id == ClassTrainee.user_id)
            .outerjoin(done, done.c.user_id == ClassTrainee.user_id)
            .where(ClassTrainee.class_id == training_class.id,
                   ClassTrainee.status.not_in(LEFT_OUT))
            .order_by(User.name, ClassTrainee.id))


def course_counts(training_class: TrainingClass) -> dict[int, tuple[int, int]]:
    """Per course of the class: (trainees who completed it in time, completed it late)."""
    due = deadline(training_class)
    rows = db.session.execute(
        select(ClassCourse.course_id,
               func.count(case((Enrolment.completed_at <= due, 1))),
               func.count(case((Enrolment.completed_at > due, 1))))
        .join(ClassTrainee, ClassTrainee.class_id == ClassCourse.class_id)
        .join(Enrolment, (Enrolment.user_id == ClassTrainee.user_id)
              & (Enrolment.course_id == ClassCourse.course_id))
        .where(ClassCourse.class_id == training_class.id,
               ClassTrainee.status.not_in(LEFT_OUT))
        .group_by(ClassCourse.course_id)).all()
    return {cid: (in_time, late) for cid, in_time, late in rows}


@dataclass
class CourseProgress:
    """A learner's standing in one course of an online class."""

    course: Course
    enrolled: bool
    completed_at: datetime | None
    due_at: datetime

    @property
    def in_time(self) -> bool:
        return self.completed_at is not None and self.completed_at <= self.due_at

    @property
    def late(self) -> bool:
        return self.completed_at is not None and self.completed_at > self.due_at


def learner_progress(training_class: TrainingClass, user_id: int) -> list[CourseProgress]:
    """A learner's standing in each course of the class, in order (one query)."""
    mine = (select(Enrolment).where(Enrolment.user_id == user_id).subquery())
    rows = db.session.execute(
        select(ClassCourse, mine.c.id, mine.c.completed_at)
        .outerjoin(mine, mine.c.course_id == ClassCourse.course_id)
        .where(ClassCourse.class_id == training_class.id)
        .order_by(ClassCourse.position, ClassCourse.course_id)).all()
    due = deadline(training_class)
    return [CourseProgress(course=row.course, enrolled=enrolment_id is not None,
                           completed_at=completed_at, due_at=due)
            for row, enrolment_id, completed_at in rows]
