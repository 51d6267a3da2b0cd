"""The home page's panels, chosen by the roles held: the learner's year and work, the
lecturer's courses and grading, and what waits for an administrator in their scope.

Each panel costs a fixed number of queries whatever the amount of data; a panel the user
has no role for costs none."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from lms.assessment import grading
from lms.assessment.open_exams import OpenExam, open_exams
from lms.auth.models import User
from lms.catalog.models import Course, CourseReview, ReviewComment
from lms.catalog.queries import taught_by
from lms.extensions import db
from lms.org import permissions
from lms.progress import notices, report
from lms.progress.attendance import SessionToMark, sessions_to_mark
from lms.progress.models import Notice
from lms.records import compliance
from lms.records.queries import Learning, my_learning, this_year
from lms.records.waiting import waiting_counts

COURSES_SHOWN = 6
NOTICES_SHOWN = 5


@dataclass
class LearnerPanel:
    learning: Learning  # exactly what My learning shows
    notices: list[Notice]
    exams: list[OpenExam]


@dataclass
class TaughtCourse:
    course: Course
    status: str  # draft, review, returned, published, archived
    comment: str  # the latest review's comment, when it has one
    notes: int = 0  # the reviewers' comments on it (per activity or on the whole course)


@dataclass
class LecturerPanel:
    courses: list[TaughtCourse]
    total: int  # courses taught in all
    grading: int  # attempts waiting for a grade
    sessions: list[SessionToMark]
    sessions_total: int


@dataclass
class AdminPanel:
    """What waits for an administrator: each count with where to act on it."""

    review: int | None = None  # courses submitted for review (reviewers only)
    waiting: dict[str, int] = field(default_factory=dict)  # claims, notes, plans
    grading: int | None = None
    sessions: list[SessionToMark] = field(default_factory=list)
    sessions_total: int = 0
    completion: report.ScopeCompletion | None = None
    compliance: dict[str, int] | None = None  # cadres per status this year
    year: int = 0


def learner_panel(user: User) -> LearnerPanel:
    """My learning's own figures, the newest unread notices and the exams open now."""
    return LearnerPanel(my_learning(user), notices.unread(user.id, limit=NOTICES_SHOWN),
                        open_exams(user))


def lecturer_panel(user: User) -> LecturerPanel:
    """The user's own courses (those they own or teach), newest change first, with the
    comment of each one's latest review; grading and sessions of the courses they teach."""
    mine = taught_by(user.id)
    rows = db.session.execute(select(Course, func.count().over()).where(mine)
                              .order_by(Course.updated_at.desc()).limit(COURSES_SHOWN)).all()
    courses = [course for course, _total in rows]
    total = rows[0][1] if rows else 0
    latest: dict[int, tuple[str, str]] = {}  # course id -> (action, comment)
    if courses:
        newest = (select(func.max(CourseReview.id)).where(
            CourseReview.course_id.in_([c.id for c in courses]))
            .group_by(CourseReview.course_id).scalar_subquery())
        latest = {course_id: (action, comment) for course_id, action, comment in
                  db.session.execute(select(CourseReview.course_id, CourseReview.action,
                                            CourseReview.comment)
                                     .where(CourseReview.id.in_(newest)))}
    notes: dict[int, int] = dict(db.session.execute(
        select(ReviewComment.course_id, func.count())
        .where(ReviewComment.course_id.in_([c.id for c in courses]))
        .group_by(ReviewComment.course_id)).all()) if courses else {}
    taught = []
    for course in courses:
        action, comment = latest.get(course.id, ("", ""))
        returned = course.status == "draft" and action == "returned"
        taught.append(TaughtCourse(course, "returned" if returned else course.status, comment,
                                   notes.get(course.id, 0)))
    sessions, sessions_total = sessions_to_mark(mine)
    return LecturerPanel(taught, total, grading.waiting_count(), sessions, sessions_total)


def admin_panel() -> AdminPanel | None:
    """What waits for a unit or organisation administrator, or None for anyone else."""
    manage = permissions.can_anywhere("record.manage")
    reviewer = permissions.can_review_courses()
    completion = permissions.can_anywhere("completion.view")
    records = permissions.can_anywhere(compliance.ACTION)
    if not (manage or reviewer or completion or records):
        return None
    panel = AdminPanel(year=this_year())
    if reviewer:
        panel.review = db.session.scalar(select(func.count()).select_from(Course).where(
            Course.status == "review")) or 0
    if manage:
        panel.waiting = waiting_counts()
    if permissions.can_anywhere("course.author"):
        panel.grading = grading.waiting_count()
    if completion:
        panel.sessions, panel.sessions_total = sessions_to_mark(
            permissions.unit_clause("completion.view"))
        panel.completion = report.scope_completion()
    if records:
        panel.compliance = compliance.Compliance(
            compliance.ComplianceFilter(year=panel.year)).counts()
    return panel
