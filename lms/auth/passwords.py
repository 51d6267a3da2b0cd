"""Password hashing and the password policy."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
_COMMON = {
    "password123", "1234567890", "qwertyuiop", "abc1234567", "password1!", "admin12345",
    "a123456789", "1qaz2wsx3edc", "qwerty12345", "welcome123",
}


def hash_password(password: str) -> str:
    """A salted scrypt hash (Werkzeug's default)."""
    return generate_password_hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """True when `password` matches; an account without a password never matches."""
    return bool(stored) and check_password_hash(stored, password)


def policy_errors(password: str, username: str = "") -> list[str]:
    """Reasons why `password` is refused; empty when it meets the policy.

    At least 10 characters with letters and digits, not the username, not a common password.
    """
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(str(_l("Use at least %(n)d characters.", n=MIN_LENGTH)))
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        errors.append(str(_l("Use both letters and digits.")))
    lowered = password.lower()
    if username and username.lower() in lowered:
        errors.append(str(_l("Do not include your username.")))
    if lowered in _COMMON:
        errors.append(str(_l("This password is too common.")))
    return errors
