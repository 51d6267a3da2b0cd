"""Time helpers: the platform stores naive UTC datetimes."""
from __future__ import annotations

from datetime import UTC, date, datetime


def utcnow() -> datetime:
    """Return the current UTC time without tzinfo (portable across SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def age_on(birth: date | None, today: date | None = None) -> int | None:
    """Return the age in whole years on `today` (default: now), or None when unknown."""
    if birth is None:
        return None
    today = today or utcnow().date()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
