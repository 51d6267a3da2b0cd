"""Receivers: study tracking reacts to what other modules announce."""
from __future__ import annotations

from lms.core.signals import cadres_changed
from lms.progress.assignments import reach_new_members


def _cadres_changed(app, *, user_ids: list[int] | None, unit_path: str | None) -> None:
    reach_new_members(user_ids=user_ids, unit_path=unit_path)


def connect() -> None:
    cadres_changed.connect(_cadres_changed)
