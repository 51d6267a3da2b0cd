"""The one API blueprint, which every API module adds its routes to, and the page shape they
share. `lms/api/__init__.py` imports the route modules, so registering `bp` brings them all."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def page_json(page, items: list) -> dict:
    """A page of items with its position, as every paged API answer gives it."""
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total,
            "pages": page.pages}
