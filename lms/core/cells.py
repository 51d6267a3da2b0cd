"""What the platform writes into a spreadsheet cell: text stays text, never a formula.

A value that begins with =, +, -, @, a tab or a carriage return is read as a formula by
spreadsheet programs when it lands in a formula cell or in a CSV file, and a formula can fetch
data from elsewhere or run commands on the administrator's machine. Every .xlsx the platform
writes stores text as a typed string cell, and every CSV prefixes such text with an apostrophe
(the spreadsheet programs' own mark for "this is text").
"""
from __future__ import annotations

import math
import re
from datetime import date, datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML


def could_be_formula(text: str) -> bool:
    """Whether a spreadsheet program could read `text` as the start of a formula."""
    return text.startswith(FORMULA_STARTS)


def cell_value(value: object) -> object:
    """A value as a cell holds it: None, finite numbers, dates and datetimes as they are (a
    decimal as a float); anything else (booleans, infinity included) as text, which the writer
    must store as a string cell; characters that XML cannot carry are dropped."""
    if value is None or isinstance(value, date | datetime):
        return value
    if isinstance(value, Decimal) and value.is_finite():
        value = float(value)
    if isinstance(value, int) and not isinstance(value, bool) \
            or isinstance(value, float) and math.isfinite(value):
        return value
    return _ILLEGAL.sub("", str(value))


def csv_text(value: object) -> object:
    """A value for a CSV file: text that could be read as a formula gets a leading apostrophe."""
    value = cell_value(value)
    if isinstance(value, str) and could_be_formula(value):
        return "'" + value
    return value
