"""Read-side queries of the catalogue, shared by the pages and the API."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select

from lms.catalog.models import Activity, ActivityState, Course, SubjectCategory
from lms.catalog.search import query_words
from lms.core.params import int_arg
from lms.extensions import db


def taught_by(user_id: int) -> ColumnElement[bool]:
    """Courses the user owns or is a lecturer of (what `permissions.teaches` says, in SQL)."""
    return (Course.owner_id == user_id) | Course.lecturers.any(id=user_id)


@dataclass
class CourseFilter:
    """Catalogue filters: subject category, required/elective, search words."""

    category_id: int | None = None
    required: bool | None = None
    q: str | None = None

    @classmethod
    def from_args(cls, args) -> CourseFilter:
        req = args.get("required")
        return cls(category_id=int_arg("category", args=args),
                   required={"1": True, "true": True, "0": False, "false": False}.get(req or ""),
                   q=(args.get("q") or "").strip()[:100] or None)


def catalogue_select(f: CourseFilter) -> Select:
    """Published courses matching the filters; required first, newest first."""
    stmt = select(Course).where(Course.status == "published")
    if f.category_id:
        stmt = stmt.where(Course.category_id == f.category_id)
    if f.required is not None:
        stmt = stmt.where(Course.required.is_(f.required))
    if f.q:
        words = query_words(f.q) or [f.q.lower()]
        stmt = stmt.where(and_(*(Course.search_text.contains(f" {w} ") | Course.title.contains(w)
                                 for w in words)))
    return stmt.order_by(Course.required.desc(), Course.published_at.desc(), Course.id.desc())


def catalogue_stamp() -> tuple:
    """Changes whenever anything the catalogue shows changes: published courses (their count
    and latest update, which activity changes touch) and the subjects."""
    row = db.session.execute(
        select(func.count(), func.max(Course.updated_at),
               select(func.count(SubjectCategory.id)).scalar_subquery(),
               select(func.max(SubjectCategory.id)).scalar_subquery())
        .where(Course.status == "published")).one()
    return tuple(row)


def activity_counts(course_ids: list[int]) -> dict[int, int]:
    """Live activities per course, in one grouped query."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(Activity.course_id, func.count()).where(
            Activity.course_id.in_(course_ids), Activity.retired.is_(False))
        .group_by(Activity.course_id))
    return dict(rows.all())


def states_for(user_id: int, activity_ids: list[int]) -> dict[int, ActivityState]:
    """A learner's states for these activities, in one query."""
    if not activity_ids:
        return {}
    rows = db.session.scalars(select(ActivityState).where(
        ActivityState.user_id == user_id, ActivityState.activity_id.in_(activity_ids)))
    return {s.activity_id: s for s in rows}


# The course page reads the learner's states together with their enrolment, which belongs to
# the progress module (above the catalogue): it installs the reader, one query for both.
LearnerReader = Callable[[int, int, list[int]], tuple[dict[int, ActivityState], Any]]
learner_readers: list[LearnerReader] = []


def learner_in_course(user_id: int, course_id: int,
                      activity_ids: list[int]) -> tuple[dict[int, ActivityState], Any]:
    """The learner's states in these activities and their enrolment in the course (None: not
    enrolled, or no reader installed)."""
    if learner_readers:
        return learner_readers[0](user_id, course_id, activity_ids)
    return states_for(user_id, activity_ids), None


def course_by_slug(slug: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def live_activities(course: Course) -> list[Activity]:
    return list(db.session.scalars(select(Activity).where(
        Activity.course_id == course.id, Activity.retired.is_(False)).order_by(Activity.position)))
