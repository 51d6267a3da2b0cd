"""Receivers: study tracking reacts to what other modules announce."""
from __future__ import annotations

from lms.core.signals import cadres_changed, course_rules_changed
from lms.progress.assignments import reach_new_members
from lms.progress.services import recheck_course


def _cadres_changed(app, *, user_ids: list[int] | None, unit_path: str | None) -> None:
    reach_new_members(user_ids=user_ids, unit_path=unit_path)


def _course_rules_changed(app, *, course_id: int) -> None:
    recheck_course(course_id)


def connect() -> None:
    cadres_changed.connect(_cadres_changed)
    course_rules_changed.connect(_course_rules_changed)
