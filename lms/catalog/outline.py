"""Snapshots of a course's outline, cached by course version and update time.

The course and activity pages show the same outline to every learner; building it once per
change instead of once per request keeps those pages to a few queries.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lms.auth.models import User
from lms.catalog.models import Course, course_lecturers
from lms.catalog.queries import live_activities
from lms.core.cache import LRU
from lms.extensions import db

_outlines = LRU(size=1024)


@dataclass(frozen=True)
class OutlineItem:
    id: int
    key: str
    type_key: str
    title: str
    hours: float
    optional: bool = False


@dataclass(frozen=True)
class Outline:
    items: tuple[OutlineItem, ...]
    lecturers: tuple[str, ...]

    @property
    def ids(self) -> list[int]:
        return [item.id for item in self.items]


def outline(course: Course) -> Outline:
    """The live activities (in order) and lecturer names of `course`."""
    key = (course.id, course.version, course.updated_at)

    def build() -> Outline:
        items = tuple(OutlineItem(a.id, a.key, a.type_key, a.title, a.hours, a.optional)
                      for a in live_activities(course))
        names = tuple(db.session.scalars(
            select(User.name).join(course_lecturers, course_lecturers.c.user_id == User.id)
            .where(course_lecturers.c.course_id == course.id).order_by(User.name)))
        return Outline(items, names)

    return _outlines.get_or_build(key, build)
