"""Receivers: reactions of the audit log to signals sent by the packages below it."""
from __future__ import annotations

from lms.audit import services
from lms.auth.services import find_user
from lms.core.signals import sign_in_refused
from lms.extensions import db


def _sign_in_refused(_sender, *, username: str, locked: bool) -> None:
    """Note a failed sign-in (the account tried, if it exists; the name typed, always) and,
    when it locked the account or the address out, the lockout."""
    user = find_user(username)
    detail = {"username": username[:64]}
    services.log("signin.fail", target=user, actor=None, detail=detail)
    if locked:
        services.log("signin.lockout", target=user, actor=None, detail=detail)
    db.session.commit()


def connect() -> None:
    sign_in_refused.connect(_sign_in_refused)
