"""Pagination of SQLAlchemy selects."""
from __future__ import annotations

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from lms.extensions import db


def paginate(stmt: Select, per_page: int | None = None) -> Pagination:
    """Paginate `stmt` by the `page` query argument (never raises on a bad page number)."""
    size = per_page or current_app.config["LMS_PAGE_SIZE"]
    return db.paginate(stmt, page=request.args.get("page", 1, type=int), per_page=size,
                       max_per_page=200, error_out=False)
