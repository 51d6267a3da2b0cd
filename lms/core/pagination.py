"""Pagination of SQLAlchemy selects."""
from __future__ import annotations

from flask import current_app
from flask_sqlalchemy.pagination import Pagination, SelectPagination
from sqlalchemy import Select

from lms.core.params import MAX_PAGE, int_arg
from lms.extensions import db

MAX_PER_PAGE = 200


class RowPagination(SelectPagination):
    """A page of rows (tuples of several columns) rather than of single objects; with a
    `total` already known (e.g. from counts the page shows anyway), no count query runs."""

    def _query_count(self) -> int:
        total = self._query_args.get("total")
        return super()._query_count() if total is None else total

    def _query_items(self) -> list:
        select = self._query_args["select"]
        select = select.limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())


def _page_args() -> dict:
    """`page` (1 to MAX_PAGE) and `per_page` (asked for up to MAX_PER_PAGE); a value that is
    not such a number is a 400 naming it."""
    size = int_arg("per_page", low=0, high=10**6) or current_app.config["LMS_PAGE_SIZE"]
    return {"page": int_arg("page", 1, high=MAX_PAGE),
            "per_page": max(1, min(size, MAX_PER_PAGE))}


def paginate(stmt: Select) -> Pagination:
    """Paginate `stmt` by the `page` and `per_page` query arguments (at most 200 a page).

    A page past the last gives an empty page; a page number that is not a whole number from 1
    to MAX_PAGE is a 400 naming `page`.
    """
    return db.paginate(stmt, error_out=False, **_page_args())


def paginate_rows(stmt: Select, total: int | None = None) -> Pagination:
    """Like `paginate`, for a select of several columns: items are row tuples. Pass `total`
    when it is already known, to spare the count query."""
    return RowPagination(select=stmt, session=db.session(), error_out=False, total=total,
                         **_page_args())
