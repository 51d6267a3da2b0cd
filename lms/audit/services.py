"""Writing, verifying and reading the administrative audit log.

`log` appends one chained row to the caller's transaction, so an action and its row commit
together or not at all. The key is never stored: it is derived from `LMS_RECORDS_KEY` (or
`SECRET_KEY`) with a label of its own. Nothing here updates or deletes a row.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

from flask import current_app, has_request_context, request
from flask_login import current_user
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import aliased

from lms.audit.models import AdminChainHead, AdminEvent
from lms.auth.models import User
from lms.core.chain import (
    Report,
    canonical,
    check_head,
    derive_key,
    lock_head,
    mac,
    walk,
)
from lms.core.timeutil import end_of_local_day, from_local, utcnow
from lms.extensions import db

_FIELDS = ("seq", "at", "actor_id", "target_id", "action", "detail", "address")
# Every action the log records (the auditor's pages label each, in this order).
ACTIONS = (
    "account.create", "cadre.import", "account.activate", "account.deactivate",
    "password.reset", "role.grant", "role.revoke", "rules.change", "reading.change",
    "exam.release", "course.change", "signin.fail", "signin.lockout",
    # Training administration: each step of a class, its trainees, explanations, leave,
    # attendance, money, the year's plan and budgets.
    "class.change", "class.trainees", "class.explanation", "class.leave", "class.attendance",
    "class.money", "training.plan", "training.budget",
)


def audit_key() -> bytes:
    """The log's HMAC key (never stored in the database)."""
    return derive_key(b"lms administrative audit log",
                      current_app.config.get("LMS_RECORDS_KEY") or None)


def event_mac(event: AdminEvent, prev_mac: str, key: bytes | None = None) -> str:
    """The keyed hash of a row chained to the one before it."""
    return mac(key or audit_key(), canonical(event, _FIELDS), prev_mac)


def _lock_head() -> AdminChainHead:
    """The chain head row, locked for this transaction (created on first use)."""
    return lock_head(AdminChainHead)


def _id(user: User | int | None) -> int | None:
    return user if user is None or isinstance(user, int) else user.id


def log(action: str, *, target: User | int | None = None, detail: dict | None = None,
        actor: User | int | None = None) -> AdminEvent:
    """Append one row to the session (the caller commits). The actor defaults to the
    signed-in user and the address to the request's; from the command line both are empty."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    address = ""
    if has_request_context():
        address = (request.remote_addr or "")[:64]
        if actor is None and getattr(current_user, "is_authenticated", False):
            actor = current_user.id
    head = _lock_head()
    event = AdminEvent(seq=head.seq + 1, at=utcnow().replace(microsecond=0),
                       actor_id=_id(actor), target_id=_id(target), action=action,
                       detail=detail or {}, address=address, prev_mac=head.mac)
    event.mac = event_mac(event, head.mac)
    db.session.add(event)
    head.seq, head.mac = event.seq, event.mac
    db.session.flush()
    return event


# ---- verification -------------------------------------------------------------------------

def head() -> tuple[int, str]:
    """The log's last sequence number and mac, to print and keep outside the system: rows
    deleted from the end together with the head row are only detectable against it."""
    row = _lock_head()
    return row.seq, row.mac


def _rows() -> Iterator:
    stmt = select(*AdminEvent.__table__.columns).order_by(AdminEvent.seq)
    yield from db.session.execute(stmt.execution_options(yield_per=5000))


def verify(checkpoint_mac: str | None = None) -> Report:
    """Walk the log; name every row changed, deleted or inserted behind the application's
    back (the same checks as the learning record's chain). With `checkpoint_mac` (printed
    earlier by `records checkpoint`), also prove that the log up to it is unchanged."""
    key, report = audit_key(), Report()
    for _event in walk(_rows(), "admin_audit", lambda e, prev: event_mac(e, prev, key), report,
                       checkpoint_mac):
        pass
    check_head(report, db.session.get(AdminChainHead, 1), "admin_audit_head")
    return report


# ---- reading ------------------------------------------------------------------------------

@dataclass
class LogFilter:
    """Filters of the log: actor and target (username or name contains), action, local
    dates (inclusive), address (prefix)."""

    actor: str = ""
    target: str = ""
    action: str = ""
    since: date | None = None
    until: date | None = None
    address: str = ""
    ignored: list[str] = field(default_factory=list)  # fields whose value was not understood

    @classmethod
    def from_args(cls, args) -> LogFilter:
        ignored: list[str] = []

        def day(name: str) -> date | None:
            raw = (args.get(name) or "").strip()
            try:
                return date.fromisoformat(raw) if raw else None
            except ValueError:
                ignored.append(name)
                return None

        action = args.get("action") or ""
        if action and action not in ACTIONS:
            ignored.append("action")
        return cls(actor=(args.get("actor") or "").strip()[:64],
                   target=(args.get("target") or "").strip()[:64],
                   action=action if action in ACTIONS else "",
                   since=day("since"), until=day("until"),
                   address=(args.get("address") or "").strip()[:64], ignored=ignored)

    def args(self) -> dict[str, str]:
        """The filter as query arguments (for links to pages and the export)."""
        values = {"actor": self.actor, "target": self.target, "action": self.action,
                  "since": self.since.isoformat() if self.since else "",
                  "until": self.until.isoformat() if self.until else "",
                  "address": self.address}
        return {k: v for k, v in values.items() if v}


def _who(alias, text: str):
    like = f"%{text}%"
    return select(alias.id).where(or_(alias.username.like(like, escape="\\"),
                                      alias.name.like(like, escape="\\")))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def log_select(f: LogFilter) -> Select:
    """Rows matching the filter, newest first."""
    stmt = select(AdminEvent)
    if f.actor:
        stmt = stmt.where(AdminEvent.actor_id.in_(_who(aliased(User), _escape(f.actor))))
    if f.target:
        stmt = stmt.where(AdminEvent.target_id.in_(_who(aliased(User), _escape(f.target))))
    if f.action:
        stmt = stmt.where(AdminEvent.action == f.action)
    if f.since:  # dates are the platform's local days
        stmt = stmt.where(AdminEvent.at >= from_local(datetime.combine(f.since, time.min)))
    if f.until:
        stmt = stmt.where(AdminEvent.at <= end_of_local_day(f.until))
    if f.address:
        stmt = stmt.where(AdminEvent.address.startswith(f.address, autoescape=True))
    return stmt.order_by(AdminEvent.seq.desc())
