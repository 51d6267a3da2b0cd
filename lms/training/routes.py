"""Imports every view module of training, so their routes are on the blueprint."""
from __future__ import annotations

from lms.training import models, views  # noqa: F401  (tables and routes register on import)
from lms.training.blueprint import bp
from lms.training.figures import views as figures_views  # noqa: F401

__all__ = ["bp"]
