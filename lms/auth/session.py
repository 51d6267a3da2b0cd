"""Flask-Login wiring: sessions kept on the server, idle timeout, forced password changes."""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_login.utils import login_url

from lms.auth import services
from lms.auth.models import User
from lms.extensions import login_manager

# Kept in the (signed) cookie session from an idle sign-out until the next sign-in, so every
# sign-in page until then says why, even when a heartbeat's request met the timeout first.
IDLE_FLAG = "lms_idle_minutes"


def passive(view: Callable) -> Callable:
    """Mark a view whose requests are sent by a timer, not by a person (the study heartbeat):
    they do not count as activity, so an unattended page does not keep its session open."""
    view.lms_passive = True
    return view


def _is_activity() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return not getattr(view, "lms_passive", False)


@login_manager.user_loader
def _load_user(alt_id: str) -> User | None:
    resumed = services.resume_session(alt_id, current_app.config["LMS_IDLE_MINUTES"],
                                      activity=_is_activity())
    if resumed.timed_out:
        session.pop("_user_id", None)
        session[IDLE_FLAG] = current_app.config["LMS_IDLE_MINUTES"]
    return resumed.user


def idle_message() -> str | None:
    """Why the visitor is signed out, when it was for idleness."""
    minutes = session.get(IDLE_FLAG)
    if not minutes:
        return None
    return _("You were signed out after %(n)d minutes without activity.", n=minutes)


@login_manager.unauthorized_handler
def _unauthorized():
    """Send the visitor to the sign-in page (with `next`), asking them to sign in, unless the
    page will say that the session ended for idleness."""
    if not session.get(IDLE_FLAG):  # the sign-in page gives that reason itself
        flash(str(login_manager.login_message), login_manager.login_message_category)
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def init_app(app: Flask) -> None:
    """Configure the login view and the forced password change."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.session_protection = "basic"

    @app.before_request
    def _force_password_change():
        if (
            not request.path.startswith("/api/")  # first: an API request loads no session
            and getattr(current_user, "is_authenticated", False)
            and current_user.must_change_password
            and request.endpoint
            not in {"auth.change_password", "auth.logout", "static", "dashboard.healthz"}
        ):
            return redirect(url_for("auth.change_password"))
        return None
