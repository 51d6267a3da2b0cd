"""API: the compliance report of a unit subtree for a year."""
from __future__ import annotations

from lms.api.views import bp  # noqa: F401 - routes are added to the one API blueprint

# OpenAPI path items of these routes, merged into the document by `lms.api.openapi`.
PATHS: dict = {}
