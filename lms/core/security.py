"""Response headers that form the second wall behind the sanitiser."""
from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import WSGIRequestHandler

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "frame-src 'self'; frame-ancestors 'self'; base-uri 'self'; form-action 'self'"
)
# A year; without includeSubDomains, since other hosts of a government domain are not ours.
HSTS = "max-age=31536000"
# What the servers call themselves: a neutral word instead of their name and version.
SERVER_NAME = "lms"


def _set_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    # Pages, API answers and exports carry personal data: no cache keeps them. Static files
    # and course media (which set their own Cache-Control) may be cached as before.
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _neutral_version_string(_handler: WSGIRequestHandler) -> str:
    return SERVER_NAME


def init_app(app: Flask) -> None:
    """Add the security headers to every response; trust `LMS_PROXY_COUNT` proxies for the
    client's address and scheme (so HTTPS behind nginx counts as HTTPS)."""
    app.after_request(_set_headers)
    proxies = app.config.get("LMS_PROXY_COUNT", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    # Werkzeug's development server (also the browser tests' server) names itself and
    # Python's version in `Server`; gunicorn is quietened in gunicorn.conf.py.
    WSGIRequestHandler.version_string = _neutral_version_string
