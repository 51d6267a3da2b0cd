"""Bearer-token authentication for the API."""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from lms.auth.services import user_for_token
from lms.core.errors import json_error


def token_required(view):
    """Run `view` as the token's user; 401 JSON error without a valid token."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return json_error(401, "unauthorized", _("A bearer token is required."))
        user = user_for_token(token.strip())
        if user is None:
            return json_error(401, "invalid_token", _("The token is invalid or revoked."))
        # Flask-Login's per-request slot: `current_user` is the token's user for this request
        # only, and no session cookie is written.
        g._login_user = user
        return view(*args, **kwargs)

    return wrapper
