"""Text that no database column can hold is refused before any view reads it.

PostgreSQL refuses a NUL character in text, and a lone surrogate (which JSON's `\\ud800`
escapes can carry) cannot be encoded at all: either would reach the database as a server
error from whichever form, filter or JSON body carried it. One check before every request
answers a 400 naming the field instead (a 404 for such a path), and a JSON body nested past
what the parser can read is a 400 too, not a recursion error.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Flask, Request, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, NotFound

from lms.core.params import BadParameter

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UnstorableText(BadParameter):
    """A 400 naming the field whose text holds a character that cannot be stored."""

    def __init__(self, name: str) -> None:
        self.field = name
        BadRequest.__init__(self, _("The field “%(name)s” contains a character that cannot be "
                                    "stored (a NUL or a broken character).", name=name[:64]))


def storable(text: str) -> bool:
    """Whether a string can go into a text column as it is."""
    return UNSTORABLE.search(text) is None


def _json_problem(body: Any) -> str | None:
    """The path of the first string (or key) in a JSON body that cannot be stored."""
    stack: list[tuple[str, Any]] = [("", body)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not storable(value):
                return path or "body"
        elif isinstance(value, dict):
            for key, item in value.items():
                if not storable(key):
                    return path or "body"
                stack.append((f"{path}.{key}" if path else key, item))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))
    return None


def _check_pairs(pairs) -> None:
    """(name, text) pairs that cannot be stored: a 400 naming the field ("?" for a broken name)."""
    for name, value in pairs:
        if not storable(name):
            raise UnstorableText("?")
        if not storable(value):
            raise UnstorableText(name)


def _check_fields(form, files) -> None:
    """Form fields and uploaded files' names that cannot be stored: a 400 naming the field."""
    _check_pairs(form.items(multi=True))
    _check_pairs((name, upload.filename or "") for name, upload in files.items(multi=True))


class CheckedRequest(Request):
    """A request whose form is checked the moment anything first reads it, so that a view
    may still refuse a body by its size before it is read."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        _check_fields(self.form, self.files)


def refuse_unstorable() -> None:
    """Before every request: the path, the query and a JSON body (the form is checked when
    it is first read, by `CheckedRequest`)."""
    if not storable(request.path):
        raise NotFound()
    _check_pairs(request.args.items(multi=True))
    if request.is_json:
        try:
            body = request.get_json(silent=True)
        except RecursionError:  # nested deeper than the parser goes: not a body we read
            raise BadRequest() from None
        where = _json_problem(body)
        if where is not None:
            raise UnstorableText(where)


def init_app(app: Flask) -> None:
    """Check the path, query and JSON before every view, and forms when they are read."""
    app.request_class = CheckedRequest
    app.before_request(refuse_unstorable)
