"""Account state changes: sign-in checks, passwords, API tokens."""
from __future__ import annotations

import secrets
from functools import cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import lazyload

from lms.auth.models import ApiToken, User, new_session_token
from lms.auth.passwords import check_password, hash_password, policy_errors
from lms.core.timeutil import utcnow
from lms.extensions import db

TOKEN_PREFIX = "lms_"  # noqa: S105 - a public prefix, not a secret


class PolicyError(ValueError):
    """A password that the policy refuses; `errors` lists the reasons."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username.strip()))


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = find_user(username)
    if user is None or not user.is_active:
        # Spend comparable time so that unknown names are not revealed by timing.
        check_password(_DUMMY_HASH, password)
        return None
    return user if check_password(user.password_hash, password) else None


def record_login(user: User) -> None:
    user.last_login_at = utcnow()
    db.session.commit()


def set_password(user: User, password: str, *, must_change: bool = False) -> None:
    """Set a new password that meets the policy; ends the user's other sessions."""
    errors = policy_errors(password, user.username)
    if errors:
        raise PolicyError(errors)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.session_token = new_session_token()
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
    now = utcnow()
    # Record use at most once a minute, not on every request.
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id)
                           .values(last_used_at=now).execution_options(synchronize_session=False))
        db.session.commit()
    return user


_DUMMY_HASH = hash_password("not-a-real-password-0")
