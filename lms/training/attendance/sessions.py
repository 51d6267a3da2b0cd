"""Adding, changing and removing a class's sessions: one validation for the page and the API.

A session lies inside the class's dates, ends after it starts, and the sessions' hours
together do not exceed the class's hours. That last one is refused, not only warned: the
class's hours are what the plan was approved with, what the record credits and what the
leave limit is measured against, so sessions adding up to more would make the attendance
rate and the 1/7 rule count against a total that no longer holds.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from lms.audit import services as audit
from lms.core import fields
from lms.core.numbers import amount, amount_text
from lms.core.timeutil import from_local, local_date
from lms.extensions import db
from lms.training.attendance.errors import Refused, refuse
from lms.training.models import ClassSession, LeaveRequest, SessionAttendance, TrainingClass

# Sessions may be planned and changed until the class closes.
OPEN_STATUSES = ("draft", "submitted", "returned", "approved", "running")
MAX_SESSION_HOURS = 24.0
FIELD_LABELS = {
    "title": _l("Title"), "starts_at": _l("Starts at"), "ends_at": _l("Ends at"),
    "hours": _l("Study hours"), "venue": _l("Venue"), "lecturer": _l("Lecturer"),
}
_LIMITS = {"title": 200, "venue": 200, "lecturer": 100}
_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")


@dataclass
class SessionData:
    """Checked facts of a session; times naive UTC."""

    title: str
    starts_at: datetime
    ends_at: datetime
    hours: float
    venue: str = ""
    lecturer: str = ""


def label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


def _time(value: Any, name: str, problems: dict) -> datetime | None:
    """A local time typed in a form (a datetime) or given as text (YYYY-MM-DDTHH:MM, local),
    as naive UTC."""
    if value is None or (isinstance(value, str) and not value.strip()):
        problems[name] = _("%(field)s is required.", field=label(name))
        return None
    if isinstance(value, datetime):
        return from_local(value.replace(tzinfo=None, second=0, microsecond=0))
    if isinstance(value, str):
        for fmt in _FORMATS:
            try:
                return from_local(datetime.strptime(value.strip(), fmt))
            except ValueError:
                continue
    problems[name] = _("%(field)s is not a date and time (YYYY-MM-DD HH:MM).",
                       field=label(name))
    return None


def _text(data: Mapping, name: str, problems: dict, required: bool = False) -> str:
    return fields.text(data, name, problems, label(name), _LIMITS[name], required=required)


def _hours(data: Mapping, problems: dict) -> float:
    value = data.get("hours")
    if value is None or (isinstance(value, str) and not value.strip()):
        problems["hours"] = _("%(field)s is required.", field=label("hours"))
        return 0.0
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        problems["hours"] = _("%(field)s must be a number.", field=label("hours"))
        return 0.0
    if not math.isfinite(number) or not 0 <= number <= MAX_SESSION_HOURS:
        problems["hours"] = _("%(field)s must be between 0 and %(high)s.", field=label("hours"),
                              high=f"{MAX_SESSION_HOURS:g}")
        return 0.0
    return amount(number)


def check_open(cls: TrainingClass) -> None:
    """Sessions change only until the class closes."""
    if cls.status not in OPEN_STATUSES:
        raise refuse(_("The class is closed: its sessions can no longer change."),
                     code="closed")


def validate(cls: TrainingClass, data: Mapping[str, Any],
             session: ClassSession | None = None) -> SessionData:
    """Check a session of `cls` (a new one, or `session` changed) from a form or JSON.
    Raises `Refused` naming every field at fault; writes nothing."""
    check_open(cls)
    problems: dict[str, str] = {}
    title = _text(data, "title", problems, required=True)
    starts_at = _time(data.get("starts_at"), "starts_at", problems)
    ends_at = _time(data.get("ends_at"), "ends_at", problems)
    hours = _hours(data, problems)
    venue = _text(data, "venue", problems)
    lecturer = _text(data, "lecturer", problems)
    first, last = cls.starts_on.isoformat(), cls.ends_on.isoformat()
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment is not None and not cls.starts_on <= local_date(moment) <= cls.ends_on:
            problems[name] = _("%(field)s must be within the class's dates, %(first)s to "
                               "%(last)s.", field=label(name), first=first, last=last)
    if starts_at and ends_at and "ends_at" not in problems and ends_at <= starts_at:
        problems["ends_at"] = _("%(field)s must be after the start.", field=label("ends_at"))
    if "hours" not in problems:
        others = sum(s.hours for s in cls.sessions if session is None or s.id != session.id)
        if others + hours > (cls.hours or 0) + 1e-6:
            problems["hours"] = _(
                "%(field)s: the sessions would hold %(total)s hours, more than the class's "
                "%(hours)s; the class's hours are those of its approved plan.",
                field=label("hours"), total=amount_text(others + hours),
                hours=amount_text(cls.hours))
    if problems:
        raise Refused(problems)
    return SessionData(title=title, starts_at=starts_at, ends_at=ends_at, hours=hours,
                       venue=venue, lecturer=lecturer)


def _facts(session: ClassSession) -> dict:
    return {"session": session.id, "title": session.title, "hours": session.hours,
            "starts_at": session.starts_at.isoformat(), "ends_at": session.ends_at.isoformat()}


def add(cls: TrainingClass, data: SessionData, *, actor_id: int) -> ClassSession:
    """Add a checked session to the class, audit it and commit."""
    session = ClassSession(class_id=cls.id, title=data.title, starts_at=data.starts_at,
                           ends_at=data.ends_at, hours=data.hours, venue=data.venue,
                           lecturer=data.lecturer)
    db.session.add(session)
    db.session.flush()
    audit.log("class.change", actor=actor_id,
              detail={"class": cls.id, "step": "session.add", **_facts(session)})
    db.session.commit()
    return session


def change(session: ClassSession, data: SessionData, *, actor_id: int) -> ClassSession:
    """Change a session to the checked facts, audit it and commit."""
    for name in ("title", "starts_at", "ends_at", "hours", "venue", "lecturer"):
        setattr(session, name, getattr(data, name))
    db.session.flush()
    audit.log("class.change", actor=actor_id,
              detail={"class": session.class_id, "step": "session.change", **_facts(session)})
    db.session.commit()
    return session


def remove(session: ClassSession, *, actor_id: int) -> None:
    """Remove a session that nobody attended or asked leave for; audit it and commit."""
    check_open(session.training_class)
    used = db.session.scalar(select(
        exists().where(SessionAttendance.session_id == session.id)
        | exists().where(LeaveRequest.session_id == session.id)))
    if used:
        raise refuse(_("The session “%(title)s” has attendance or leave recorded and cannot "
                       "be removed; change it instead.", title=session.title), code="in_use")
    facts = {"class": session.class_id, "step": "session.remove", **_facts(session)}
    db.session.delete(session)
    audit.log("class.change", actor=actor_id, detail=facts)
    db.session.commit()


def set_leave_limit(cls: TrainingClass, text: str | None, *, actor_id: int) -> TrainingClass:
    """Set the class's leave limit from a fraction or decimal ("1/7", "0.15"); audits and
    commits. The 1/7 of the national rule is the default; a class may set its own."""
    from lms.training.attendance import rates

    check_open(cls)
    share = rates.parse_share(text)
    if share is None:
        raise refuse(_("%(field)s: give a fraction such as 1/7 or a decimal such as 0.15, "
                       "above 0 and below 1.", field=rates.LIMIT_LABEL), "leave_limit")
    before = cls.leave_limit
    cls.leave_limit = share
    audit.log("class.change", actor=actor_id,
              detail={"class": cls.id, "step": "leave_limit", "from": before, "to": share})
    db.session.commit()
    return cls
