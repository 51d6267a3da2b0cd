"""Whole numbers from URLs, query strings and JSON bodies, bounded to what the database holds.

One converter for `<int:...>` in every route and one parser for integer query arguments, so a
number past any real range answers 404 (an id in the path) or a 400 naming the parameter (a
query argument), never an overflow in SQLite or PostgreSQL.
"""
from __future__ import annotations

import math
from typing import Any

from flask import Flask, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

DB_INT_MAX = 2**31 - 1  # the largest value of an INTEGER column in PostgreSQL
MAX_PAGE = 1_000_000  # far past any real list; (page - 1) * per_page stays an INTEGER
MAX_DIGITS = 12  # longer digit strings are refused before Python converts them


class BadParameter(BadRequest):
    """A 400 whose message names the query parameter that was not valid."""

    def __init__(self, name: str, low: int, high: int) -> None:
        self.field = name
        super().__init__(_("The parameter “%(name)s” must be a whole number from %(low)d to "
                           "%(high)d.", name=name, low=low, high=high))


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` accepting 0 to `DB_INT_MAX` only: a larger id matches no route (404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 0,
                 max: int | None = DB_INT_MAX, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def int_arg(name: str, default: int | None = None, low: int = 1, high: int = DB_INT_MAX,
            args: Any = None) -> int | None:
    """The query argument `name` as an int in `low..high`; `default` when absent or empty.

    Anything else (not a whole number, or out of range) raises `BadParameter` (400).
    `args` defaults to `request.args`; pass `request.values` to read a form field too.
    """
    raw = (request.args if args is None else args).get(name)
    if raw is None or not raw.strip():
        return default
    value = raw.strip()
    digits = value.lstrip("+-")
    if not digits.isascii() or not digits.isdigit() or len(digits) > MAX_DIGITS \
            or len(value) - len(digits) > 1:
        raise BadParameter(name, low, high)
    number = int(value)
    if not low <= number <= high:
        raise BadParameter(name, low, high)
    return number


def id_list(values: list[str]) -> list[int]:
    """The row ids among form values (a list of checkboxes): plain ASCII digits within the
    database's range; anything else is dropped, as a box that names no row would be."""
    return [int(v) for v in values
            if v.isascii() and v.isdigit() and len(v) <= MAX_DIGITS and 1 <= int(v) <= DB_INT_MAX]


def text_id(text: str) -> int | None:
    """A row id written as text (a bare id in a filter), or None when it cannot be one."""
    ids = id_list([text.strip()])
    return ids[0] if ids else None


def is_db_id(value: Any) -> bool:
    """Whether a value from a JSON body can be a row id: an int (not a bool), 1..DB_INT_MAX."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= DB_INT_MAX


def finite_number(value: Any) -> float | None:
    """A JSON number as a finite float, or None (not a number, a bool, NaN, infinite, or an
    integer too large for a float)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def init_app(app: Flask) -> None:
    """Make the bounded converter the app's `int`: call before any blueprint is registered."""
    app.url_map.converters["int"] = BoundedIntConverter
