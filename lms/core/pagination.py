"""Pagination of SQLAlchemy selects."""
from __future__ import annotations

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from lms.extensions import db

MAX_PER_PAGE = 200


def paginate(stmt: Select) -> Pagination:
    """Paginate `stmt` by the `page` and `per_page` query arguments (at most 200 a page).

    A bad page number gives an empty page, never an error.
    """
    size = request.args.get("per_page", type=int) or current_app.config["LMS_PAGE_SIZE"]
    return db.paginate(stmt, page=request.args.get("page", 1, type=int),
                       per_page=max(1, min(size, MAX_PER_PAGE)), error_out=False)
