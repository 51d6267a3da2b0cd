"""Whether a course's declared study hours (学时) agree with its activities.

A learner who completes a course is credited at most its declared hours; the hours written on
each activity tell the learner what each part is worth. The two agree when the declared hours
equal the hours of the activities a learner needs to complete the course: every activity not
marked optional and, when the course asks for more activities than that
(`completion_count`), the optional ones with the fewest hours to make up the number.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from lms.catalog.models import Activity, Course


@dataclass(frozen=True)
class HoursCheck:
    """The course's declared hours and what its activities add up to."""

    declared: float
    activities: float

    @property
    def agrees(self) -> bool:
        return round(self.declared, 2) == round(self.activities, 2)


def needed_hours(activities: Iterable[Activity], completion_count: int | None) -> float:
    """The hours of the live activities a learner needs to complete the course."""
    live = [a for a in activities if not a.retired]
    needed = [float(a.hours or 0) for a in live if not a.optional]
    extra = max(0, (completion_count or 0) - len(needed))
    optional = sorted(float(a.hours or 0) for a in live if a.optional)
    return round(sum(needed) + sum(optional[:extra]), 2)


def check_hours(course: Course, activities: Iterable[Activity] | None = None) -> HoursCheck:
    """Compare `course`'s declared hours with its activities (`activities` when loaded)."""
    rows = course.activities if activities is None else activities
    return HoursCheck(round(float(course.hours or 0), 2),
                      needed_hours(rows, course.completion_count))


def crediting_rule() -> str:
    """How the platform turns a learner's study into the course's hours, in one sentence."""
    config = current_app.config
    rule = config["LMS_HOURS_RULE"]
    if rule == "declared":
        return _("A learner who completes the course is credited its study hours in full.")
    if rule == "buckets":
        return _("A learner is credited study hours by the length of their study, at most the "
                 "course's study hours.")
    return _("A learner is credited 1 study hour for every %(m)s minutes of study, at most the "
             "course's study hours.", m=f"{float(config['LMS_MINUTES_PER_HOUR']):g}")
