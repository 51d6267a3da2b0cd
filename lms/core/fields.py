"""Reading one field of a form or JSON body into a problems dict (field → message naming it):
the shared checks of the record's entries, training classes and sessions."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _


def blank(value: Any) -> bool:
    """None, or text of spaces only."""
    return value is None or (isinstance(value, str) and not value.strip())


def text(data: Mapping, name: str, problems: dict, field: str, limit: int, *,
         required: bool = False) -> str:
    """The stripped text of `data[name]` ("" when blank); a problem naming `field` when it is
    required and blank, not text, or longer than `limit`."""
    value = data.get(name)
    if blank(value):
        if required:
            problems[name] = _("%(field)s is required.", field=field)
        return ""
    if not isinstance(value, str):
        problems[name] = _("%(field)s must be text.", field=field)
        return ""
    value = value.strip()
    if len(value) > limit:
        problems[name] = _("%(field)s must be at most %(n)d characters.", field=field,
                           n=limit)
    return value
