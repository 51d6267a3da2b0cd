"""Snapshots of a course's outline, cached by course version and update time.

The course and activity pages show the same outline to every learner; building it once per
change instead of once per request keeps those pages to a few queries.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lms.activities.base import ActivityType
from lms.activities.registry import registry
from lms.auth.models import User
from lms.catalog.models import ActivityState, Course, course_lecturers
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
    required_seconds: int = 0  # study time its rule asks for (0: not a time rule)


@dataclass(frozen=True)
class Outline:
    items: tuple[OutlineItem, ...]
    lecturers: tuple[str, ...]

    @property
    def ids(self) -> list[int]:
        return [item.id for item in self.items]

    def after(self, activity_id: int) -> OutlineItem | None:
        """The activity that follows `activity_id` in the outline (None: the last)."""
        ids = self.ids
        if activity_id not in ids:
            return None
        at = ids.index(activity_id) + 1
        return self.items[at] if at < len(ids) else None


def _required_seconds(kind: ActivityType | None, config: dict) -> int:
    return kind.required_seconds(config) if kind is not None else 0


def outline(course: Course) -> Outline:
    """The live activities (in order) and lecturer names of `course`."""
    key = (course.id, course.version, course.updated_at)

    def build() -> Outline:
        reg = registry()
        items = tuple(OutlineItem(a.id, a.key, a.type_key, a.title, a.hours, a.optional,
                                  _required_seconds(reg.get(a.type_key), a.config))
                      for a in live_activities(course))
        names = tuple(db.session.scalars(
            select(User.name).join(course_lecturers, course_lecturers.c.user_id == User.id)
            .where(course_lecturers.c.course_id == course.id).order_by(User.name)))
        return Outline(items, names)

    return _outlines.get_or_build(key, build)


@dataclass(frozen=True)
class Standing:
    """Where a learner stands in one activity: done, started (with a percentage when its
    rule is about time) or not started."""

    code: str  # "done", "started" or "new"
    percent: int | None = None


def standing(item: OutlineItem, state: ActivityState | None) -> Standing:
    """The learner's standing in `item` from their state (None: never opened)."""
    if state is None:
        return Standing("new")
    if state.completed_at is not None:
        return Standing("done", 100)
    if item.required_seconds:
        return Standing("started", min(99, 100 * state.study_seconds // item.required_seconds))
    return Standing("started")


def standings(items: tuple[OutlineItem, ...],
              states: dict[int, ActivityState]) -> dict[int, Standing]:
    return {item.id: standing(item, states.get(item.id)) for item in items}
