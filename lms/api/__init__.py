"""The JSON API under /api/v1, authenticated with bearer tokens."""
from lms.api import (  # noqa: F401 - routes
    activity_answers,
    compliance,
    record_entries,
    record_read,
    training_classes,
    training_reports,
    training_sessions,
    views,
)
from lms.api.blueprint import bp

__all__ = ["bp"]
