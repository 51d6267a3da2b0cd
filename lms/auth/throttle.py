"""Throttling of failed logins per account and per address, in Flask-Limiter's storage.

Only failures count. The windows come from `LMS_LOGIN_ACCOUNT_LIMIT` and
`LMS_LOGIN_ADDRESS_LIMIT` (default 10 per 15 minutes per account, 100 per 15 minutes per
address); the counts are `lms.core.allowances`: shared by every instance through Redis when
`REDIS_URL` is set, per process without it or while Redis is down.
"""
from __future__ import annotations

from flask import current_app
from limits import parse

from lms.core import allowances


def _limits(username: str, address: str):
    cfg = current_app.config
    return [
        (parse(cfg["LMS_LOGIN_ACCOUNT_LIMIT"]), "login-account", username.strip().lower()),
        (parse(cfg["LMS_LOGIN_ADDRESS_LIMIT"]), "login-address", address),
    ]


def retry_after(username: str, address: str) -> int:
    """Seconds to wait before this account may try again from this address; 0 if free."""
    return max(allowances.wait_seconds(item, *keys) for item, *keys in _limits(username, address))


def record_failure(username: str, address: str) -> None:
    """Count one failed login against the account and the address."""
    for item, *keys in _limits(username, address):
        allowances.hit(item, *keys)


def clear_account(username: str) -> None:
    """Forget an account's failures (after a successful login)."""
    item, *keys = _limits(username, "")[0]
    allowances.clear(item, *keys)
