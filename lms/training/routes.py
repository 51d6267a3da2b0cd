"""Imports every view module of training, so their routes are on the blueprint."""
from __future__ import annotations

from lms.training import models, views  # noqa: F401  (tables and routes register on import)
from lms.training.attendance import pages  # noqa: F401  (sessions, attendance, closing)
from lms.training.blueprint import bp
from lms.training.callup import views as callup_views  # noqa: F401
from lms.training.classes import views as class_views  # noqa: F401
from lms.training.evaluation import views as evaluation_views  # noqa: F401
from lms.training.figures import views as figures_views  # noqa: F401
from lms.training.money import views as money_views  # noqa: F401
from lms.training.online import views as online_views  # noqa: F401
from lms.training.plan import views as plan_views  # noqa: F401

__all__ = ["bp"]
