"""API: a cadre's learning record for a year, and as xAPI statements."""
from __future__ import annotations

from lms.api.views import bp  # noqa: F401 - routes are added to the one API blueprint

# OpenAPI path items of these routes, merged into the document by `lms.api.openapi`.
PATHS: dict = {}
