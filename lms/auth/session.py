"""Flask-Login wiring: loading the user from the session, forcing password changes."""
from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.auth.models import User
from lms.extensions import db, login_manager


@login_manager.user_loader
def _load_user(alt_id: str) -> User | None:
    user_id, _sep, token = alt_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token:
        return None
    return user


def init_app(app: Flask) -> None:
    """Configure the login view and the forced password change."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = "basic"

    @app.before_request
    def _force_password_change():
        if (
            getattr(current_user, "is_authenticated", False)
            and current_user.must_change_password
            and request.endpoint
            not in {"auth.change_password", "auth.logout", "static", "dashboard.healthz"}
            and not request.path.startswith("/api/")
        ):
            return redirect(url_for("auth.change_password"))
        return None
