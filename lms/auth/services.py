"""Account state changes: sign-in checks, passwords, API tokens."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import lazyload

from lms.auth.models import ApiToken, User, UserSession, new_session_token
from lms.auth.passwords import check_password, hash_password, policy_errors
from lms.core.timeutil import utcnow
from lms.extensions import db

TOKEN_PREFIX = "lms_"  # noqa: S105 - a public prefix, not a secret
TOKEN_USE_EVERY = 60  # seconds: a token's last use is recorded at most this often
# A session's "last seen" is written at most this often, so idleness is known to this much.
SEEN_EVERY = timedelta(minutes=1)
# Ended sessions (and, with an idle timeout, long-unseen ones) are kept this long for the
# record of who signed in from where, then removed when their user next signs in.
SESSIONS_KEPT = timedelta(days=90)


class PolicyError(ValueError):
    """A password that the policy refuses; `errors` lists the reasons."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username.strip()))


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None.

    Exactly one hash check runs whatever the account (unknown, inactive, without a password
    or real), so the time taken to refuse reveals nothing about it.
    """
    user = find_user(username)
    usable = user is not None and user.is_active and bool(user.password_hash)
    matches = check_password(user.password_hash if usable else _DUMMY_HASH, password)
    return user if usable and matches else None


def start_session(user: User, address: str | None) -> None:
    """Open the server-side session of a browser that has just signed in, and record the
    sign-in. The session's random key reaches the cookie through `user.get_id()`."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    _prune_sessions(user.id, now - SESSIONS_KEPT)
    db.session.add(UserSession(user_id=user.id, digest=UserSession.digest_of(key),
                               created_at=now, last_seen_at=now,
                               address=(address or "")[:64] or None))
    user.session_key = key
    user.last_login_at = now
    db.session.commit()


def _prune_sessions(user_id: int, before: datetime) -> None:
    """Remove the user's sessions that ended, or (with an idle timeout) were last seen,
    before `before`: one bounded DELETE at sign-in, so the table does not grow for ever."""
    stale = UserSession.ended_at < before
    if current_app.config["LMS_IDLE_MINUTES"] > 0:  # without a timeout, idle ones live on
        stale = or_(stale, UserSession.last_seen_at < before)
    db.session.execute(delete(UserSession).where(UserSession.user_id == user_id, stale)
                       .execution_options(synchronize_session=False))


class Resumed(NamedTuple):
    """What a session cookie's id leads to: the user (None: not signed in), and whether the
    session has just ended for idleness (so the sign-in page can say why)."""

    user: User | None
    timed_out: bool = False


def resume_session(alt_id: str, idle_minutes: float, *, activity: bool = True) -> Resumed:
    """The user of an open session named by Flask-Login's id `user:token:key`.

    A session idle for more than `idle_minutes` (0: never) ends here; `activity` says
    whether this request counts as the person's activity (a timer's heartbeat does not).
    "Last seen" is written at most once a minute, and idleness is judged with that minute's
    grace, so nobody is signed out before their time.
    """
    parts = alt_id.split(":")
    if (len(parts) != 3 or not (parts[0].isascii() and parts[0].isdigit())
            or len(parts[0]) > 12 or not parts[2]):
        return Resumed(None)
    user_id, token, key = int(parts[0]), parts[1], parts[2]
    query = (select(UserSession, User).join(User, User.id == UserSession.user_id)
             .where(UserSession.digest == UserSession.digest_of(key),
                    UserSession.user_id == user_id))
    if not activity:  # a timer's request (the heartbeat): grants and profile when first used
        query = query.options(lazyload(User.grants), lazyload(User.profile))
    row = db.session.execute(query).first()
    if row is None:
        return Resumed(None)
    seen, user = row
    if seen.ended_at is not None or user.session_token != token or not user.is_active:
        return Resumed(None)
    now = utcnow()
    if idle_minutes > 0 and now - seen.last_seen_at > timedelta(minutes=idle_minutes) + SEEN_EVERY:
        seen.ended_at, seen.end_reason = now, "idle"
        db.session.commit()
        return Resumed(None, timed_out=True)
    if activity and now - seen.last_seen_at >= SEEN_EVERY:
        db.session.execute(update(UserSession).where(UserSession.id == seen.id)
                           .values(last_seen_at=now)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    user.session_key = key
    return Resumed(user)


def end_session(user: User) -> None:
    """Sign this browser out on the server: its session cookie no longer works, even copied.
    The user's other sessions (another browser, the phone) continue."""
    if user.session_key:
        db.session.execute(update(UserSession)
                           .where(UserSession.digest == UserSession.digest_of(user.session_key),
                                  UserSession.ended_at.is_(None))
                           .values(ended_at=utcnow(), end_reason="signout")
                           .execution_options(synchronize_session=False))
        db.session.commit()
    user.session_key = None


def set_password(user: User, password: str, *, must_change: bool = False) -> None:
    """Set a new password that meets the policy; ends the user's other sessions (all of them
    when an administrator sets it)."""
    errors = policy_errors(password, user.username)
    if errors:
        raise PolicyError(errors)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.session_token = new_session_token()
    others = update(UserSession).where(UserSession.user_id == user.id,
                                       UserSession.ended_at.is_(None))
    if user.session_key:  # the user's own change keeps the browser they changed it from
        others = others.where(UserSession.digest != UserSession.digest_of(user.session_key))
    db.session.execute(others.values(ended_at=utcnow(), end_reason="password")
                       .execution_options(synchronize_session=False))
    db.session.commit()


def issue_temporary_password(user: User) -> str:
    """Give the user a random one-time password that must be changed at the next sign-in."""
    while True:  # a draw may lack a digit or contain the username: draw again
        password = secrets.token_urlsafe(12)
        if not policy_errors(password, user.username):
            break
    set_password(user, password, must_change=True)
    return password


def create_token(user: User, name: str) -> str:
    """Create an API token; the plain token is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, name=name.strip() or "token",
                            prefix=token[:10], digest=ApiToken.digest_of(token)))
    db.session.commit()
    return token


def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of the user's tokens; False when it is not theirs."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        return False
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return True


def revoke_all_tokens(user: User) -> None:
    """Revoke every active API token of the account (the caller commits)."""
    db.session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                              ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()).execution_options(synchronize_session=False))


@cache
def _token_user():
    """The token-and-user query, built once (after every model has declared its relations:
    `grants` and `profile` are backrefs from the organisation's models)."""
    return (select(ApiToken.id, ApiToken.last_used_at, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.digest == bindparam("digest"), ApiToken.revoked_at.is_(None))
            .options(lazyload(User.grants), lazyload(User.profile)))


def user_for_token(token: str) -> User | None:
    """The active user owning an unrevoked token, or None.

    One query in the usual case (the token joined with its user); the user's role grants
    and cadre profile are loaded when first used, not with every API request.
    """
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.execute(_token_user(), {"digest": ApiToken.digest_of(token)}).first()
    if row is None or not row.User.is_active:
        return None
    token_id, last_used_at, user = row
    if note_token_use(token_id, last_used_at):
        db.session.commit()
    return user


def note_token_use(token_id: int, last_used_at: datetime | None) -> bool:
    """Record a token's use, at most once every TOKEN_USE_EVERY seconds, not on every request.
    True when it was written (the caller commits)."""
    now = utcnow()
    if last_used_at is not None and (now - last_used_at).total_seconds() <= TOKEN_USE_EVERY:
        return False
    db.session.execute(update(ApiToken).where(ApiToken.id == token_id)
                       .values(last_used_at=now).execution_options(synchronize_session=False))
    return True


_DUMMY_HASH = hash_password("not-a-real-password-0")
