"""The JSON API under /api/v1, authenticated with bearer tokens."""
from lms.api import route_modules, views  # noqa: F401 - routes
from lms.api.blueprint import bp

__all__ = ["bp"]
