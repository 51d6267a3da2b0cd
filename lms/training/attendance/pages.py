"""Every page of sessions, attendance, leave and closing, imported once by `training.routes`
so their routes are on the blueprint."""
from __future__ import annotations

from lms.training.attendance import learner_views, views
from lms.training.closing import views as closing_views

__all__ = ["closing_views", "learner_views", "views"]
