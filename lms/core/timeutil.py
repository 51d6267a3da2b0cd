"""Time helpers: the platform stores naive UTC datetimes."""
from __future__ import annotations

from datetime import UTC, date, datetime, time


def utcnow() -> datetime:
    """Return the current UTC time without tzinfo (portable across SQLite and PostgreSQL)."""
    return datetime.now(UTC).replace(tzinfo=None)


def age_on(birth: date | None, today: date | None = None) -> int | None:
    """Return the age in whole years on `today` (default: now), or None when unknown."""
    if birth is None:
        return None
    today = today or utcnow().date()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


DEFAULT_ZONE = "Asia/Shanghai"


def _zone():
    from zoneinfo import ZoneInfo

    from flask import current_app, has_app_context

    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else DEFAULT_ZONE
    return ZoneInfo(name)


def end_of_local_day(day: date) -> datetime:
    """The last moment of `day` in the platform's time zone, as naive UTC (due dates)."""
    local = datetime.combine(day, time(23, 59, 59), tzinfo=_zone())
    return local.astimezone(UTC).replace(tzinfo=None)


def local_time(moment: datetime) -> datetime:
    """A naive UTC datetime in the platform's time zone (aware)."""
    return moment.replace(tzinfo=UTC).astimezone(_zone())


def local_date(moment: datetime) -> date:
    """The platform-local calendar date of a naive UTC datetime."""
    return local_time(moment).date()


def local_day(moment: datetime | date | None) -> str:
    """A naive UTC datetime as its platform-local date, a date as itself: YYYY-MM-DD ("" for
    None). The one way a page writes a date."""
    if moment is None:
        return ""
    return (local_date(moment) if isinstance(moment, datetime) else moment).isoformat()


def local_minute(moment: datetime | None, _format: str | None = None) -> str:
    """A naive UTC datetime as its platform-local time, YYYY-MM-DD HH:MM ("" for None). The one
    way a page writes a time; a format argument (Flask-Babel's "short") changes nothing."""
    return local_time(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def local_today() -> date:
    """Today in the platform's time zone."""
    return local_date(utcnow())


def from_local(moment: datetime) -> datetime:
    """A naive platform-local datetime (as authors write times) as naive UTC."""
    return moment.replace(tzinfo=_zone()).astimezone(UTC).replace(tzinfo=None)
