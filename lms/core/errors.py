"""Error pages for the browser and JSON errors for the API."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lms.core.params import BadParameter


def _messages() -> dict[int, str]:
    return {
        400: _("The request was not valid."),
        401: _("Authentication is required."),
        403: _("You do not have permission to do this."),
        404: _("The page or record was not found."),
        405: _("This method is not allowed here."),
        413: _("The upload is too large."),
        429: _("Too many requests. Please wait and try again."),
        500: _("Something went wrong on the server."),
    }


def json_error(status: int, code: str, message: str | None = None, **extra):
    """A JSON error body `{"error": {"code", "message"}}` with `status`."""
    body = {"code": code, "message": message or _messages().get(status, "")}
    body.update(extra)
    return jsonify({"error": body}), status


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _handle(exc: HTTPException):
    status = exc.code or 500
    if isinstance(exc, BadParameter):  # the message names the parameter: show it
        if wants_json():
            body, status = json_error(status, "invalid_parameter", exc.description,
                                      field=exc.field)
            return body, status
        return render_template("errors/error.html", status=status, message=exc.description), status
    if wants_json():
        code = (exc.name or "error").lower().replace(" ", "_")
        body, status = json_error(status, code)
        return body, status, _protocol_headers(exc)
    message = _messages().get(status, exc.description)
    if status == 403 and exc.description != type(exc).description:
        message = exc.description  # a refusal that says why (`permissions.require_anywhere`)
    if isinstance(exc, CSRFError):
        message = _("The form has expired or is invalid. Please reload the page and try again.")
    return (render_template("errors/error.html", status=status, message=message), status,
            _protocol_headers(exc))


def _protocol_headers(exc: HTTPException) -> list[tuple[str, str]]:
    """The exception's own headers (Allow, Content-Range, Retry-After ...), minus the body's."""
    return [(k, v) for k, v in exc.get_headers()
            if k.lower() not in ("content-type", "content-length")]


def init_app(app: Flask) -> None:
    """Register the handlers for every HTTP error."""
    app.register_error_handler(HTTPException, _handle)
