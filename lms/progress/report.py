"""Completion reports for administrators: who in their units is enrolled in a course (or
covered by an assignment), how far they are, and who is behind. A fixed number of queries
whatever the number of cadres: one for a page of rows, one for the count, one per-unit summary.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, case, func, literal, or_, select

from lms.auth.models import User
from lms.catalog.models import Activity, ActivityState, Course
from lms.catalog.queries import activity_counts
from lms.core.params import int_arg, text_id
from lms.extensions import db
from lms.org import permissions
from lms.org.models import CadreProfile, Unit
from lms.org.queries import cadre_clauses
from lms.progress.models import (
    Assignment,
    AssignmentTarget,
    Enrolment,
    is_overdue,
    percent_done,
)

STATUSES = ("all", "completed", "in_progress", "not_started", "overdue")


@dataclass
class ReportFilter:
    """Filters of a completion report: unit subtree, category, status, name search."""

    unit: Unit | None = None
    category_id: int | None = None
    status: str = "all"
    q: str | None = None

    @classmethod
    def from_args(cls, args) -> ReportFilter:
        unit, code = None, (args.get("unit") or "").strip()
        if code:  # a unit code (the page and the API); a bare id is still understood
            unit = db.session.scalar(select(Unit).where(Unit.code == code))
            if unit is None and (unit_id := text_id(code)) is not None:
                unit = db.session.get(Unit, unit_id)
        status = args.get("status") if args.get("status") in STATUSES else "all"
        return cls(unit=unit, category_id=int_arg("category", args=args), status=status,
                   q=(args.get("q") or "").strip() or None)


@dataclass
class ReportRow:
    user_id: int
    username: str
    name: str
    unit_name: str
    unit_code: str
    enrolled_at: datetime
    done: int
    seconds: int
    completed_at: datetime | None
    hours: float | None
    due_at: datetime | None
    total: int

    @property
    def percent(self) -> int:
        return percent_done(self.done, self.total, self.completed_at)

    @property
    def overdue(self) -> bool:
        return is_overdue(self.completed_at, self.due_at)


@dataclass
class UnitSummary:
    unit_name: str
    unit_code: str
    enrolled: int
    completed: int
    overdue: int

    @property
    def rate(self) -> int:
        return round(100 * self.completed / self.enrolled) if self.enrolled else 0


def live_count(course_id: int) -> int:
    """How many live activities the course has (for progress percentages)."""
    return activity_counts([course_id]).get(course_id, 0)


def _progress(course_id: int):
    """Per learner in the course: completed live activities and credited seconds."""
    return (select(ActivityState.user_id.label("user_id"),
                   func.count(ActivityState.completed_at).label("done"),
                   func.coalesce(func.sum(ActivityState.study_seconds), 0).label("seconds"))
            .join(Activity, Activity.id == ActivityState.activity_id)
            .where(Activity.course_id == course_id, Activity.retired.is_(False))
            .group_by(ActivityState.user_id).subquery())


def _population(course: Course, f: ReportFilter, assignment: Assignment | None,
                columns: list, *, with_user: bool = True) -> Select:
    """`columns` over enrolments in the course of cadres inside the user's scope, filtered.

    One flat join (enrolments, users, cadre profiles, units): joining these tables once keeps
    the planner's work small, which matters more than execution at this size.
    """
    stmt = select(*columns).select_from(Enrolment)
    if with_user or f.q:
        stmt = stmt.join(User, User.id == Enrolment.user_id)
    stmt = (stmt.join(CadreProfile, CadreProfile.user_id == Enrolment.user_id)
            .join(Unit, Unit.id == CadreProfile.unit_id)
            .where(Enrolment.course_id == course.id, permissions.unit_clause("completion.view"),
                   *cadre_clauses(unit=f.unit, category_id=f.category_id, q=f.q)))
    if assignment is not None:
        stmt = stmt.where(Enrolment.user_id.in_(select(AssignmentTarget.user_id).where(
            AssignmentTarget.assignment_id == assignment.id)))
    return stmt


def report_select(course: Course, f: ReportFilter, assignment: Assignment | None = None
                  ) -> Select:
    """The report's rows (unit, then username order), ready to paginate or export."""
    progress = _progress(course.id)
    done = func.coalesce(progress.c.done, 0)
    seconds = func.coalesce(progress.c.seconds, 0)
    stmt = _population(course, f, assignment, [
        User.id, User.username, User.name, Unit.name, Unit.code, Enrolment.enrolled_at,
        done, seconds, Enrolment.completed_at, Enrolment.hours, Enrolment.due_at])
    return (stmt.outerjoin(progress, progress.c.user_id == Enrolment.user_id)
            .where(_status_clause(done, seconds, f.status))
            .order_by(Unit.path, User.username))


def _status_clause(done, seconds, status: str):
    """The report's status filter over an enrolment and its learner's progress."""
    completed = Enrolment.completed_at
    if status == "completed":
        return completed.is_not(None)
    if status == "in_progress":
        return and_(completed.is_(None), or_(seconds > 0, done > 0))
    if status == "not_started":
        return and_(completed.is_(None), seconds == 0, done == 0)
    if status == "overdue":
        return Enrolment.overdue
    return literal(True)


def rows(result, total: int) -> list[ReportRow]:
    """Report rows from `report_select` results."""
    return [ReportRow(*r, total=total) for r in result]


def unit_summary(course: Course, f: ReportFilter, assignment: Assignment | None = None
                 ) -> list[UnitSummary]:
    """Enrolled, completed and overdue counts per unit, for the filtered population."""
    late = case((Enrolment.overdue, 1), else_=0)
    stmt = (_population(course, f, assignment, [
        Unit.name, Unit.code, func.count(), func.count(Enrolment.completed_at),
        func.sum(late)], with_user=False)
        .group_by(Unit.id, Unit.name, Unit.code, Unit.path).order_by(Unit.path))
    return [UnitSummary(name, code, n, done, int(late or 0))
            for name, code, n, done, late in db.session.execute(stmt)]


def behind_user_ids(course: Course, f: ReportFilter, assignment: Assignment | None = None
                    ) -> list[int]:
    """Cadres in the filtered report who have not completed the course."""
    report = report_select(course, f, assignment).subquery()
    return list(db.session.scalars(select(report.c.id).where(report.c.completed_at.is_(None))))


@dataclass
class ScopeCompletion:
    """Assigned courses across the viewer's units: enrolments with a due date, how many are
    completed and how many are overdue."""

    assigned: int
    completed: int
    overdue: int

    @property
    def percent(self) -> int:
        return round(100 * self.completed / self.assigned) if self.assigned else 0


def scope_completion() -> ScopeCompletion:
    """Assigned enrolments of the active cadres in the user's `completion.view` scope (one
    query)."""
    assigned, completed, overdue = db.session.execute(
        select(func.count(), func.count(Enrolment.completed_at),
               func.count(case((Enrolment.overdue, 1))))
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .join(CadreProfile, CadreProfile.user_id == Enrolment.user_id)
        .join(Unit, Unit.id == CadreProfile.unit_id)
        .where(Enrolment.due_at.is_not(None), User.is_active_flag.is_(True),
               permissions.unit_clause("completion.view"))).one()
    return ScopeCompletion(assigned or 0, completed or 0, overdue or 0)
