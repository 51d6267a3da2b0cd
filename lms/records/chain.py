"""The tamper-evident core of the learning record: appending entries and audit events.

Every entry carries `mac` = HMAC-SHA256(key, its canonical content). Every audit event (who,
when, what, why) carries `mac` = HMAC-SHA256(key, previous event's mac + its content) and a
gap-free `seq`, so the audit log is a chain. Adding or reversing an entry writes an audit event
that holds the entry's mac. The key is never stored in the database: it is
`LMS_RECORDS_KEY`, or derived from `SECRET_KEY`. Someone with only database access can neither
rewrite a row and recompute its mac nor forge a new one; `verify` names every such row.

All writes go through `append_entry`, `reverse_entry` and `audit`; they take the chain head
row's lock (`SELECT ... FOR UPDATE` on PostgreSQL; SQLite serialises writers anyway) and join
the caller's transaction, so the record and the action that produced it commit together.
"""
from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import case, func, select, update

from lms.core import chain as chains
from lms.core.chain import Finding, canonical, derive_key, lock_head, mac
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.records.models import (
    AuditEvent,
    ChainHead,
    Checkpoint,
    RecordEntry,
    RecordTotal,
)

ENTRY_ACTIONS = ("entry.add", "entry.reverse", "entry.seal")  # events that write an entry
_ENTRY_FIELDS = ("id", "user_id", "year", "kind", "subject_id", "title", "hours", "days",
                 "occurred_on", "started_on", "ended_on", "organiser", "result", "details",
                 "origin", "entered_by_id", "verified_by_id", "source", "course_id",
                 "dedupe_key", "reverses_id", "note", "reference", "score", "created_at")
_AUDIT_FIELDS = ("seq", "at", "actor_id", "user_id", "action", "entry_id", "entry_mac",
                 "reason", "detail")
# Called with (user_id, years) after entries are appended, in the same transaction: the
# requirement statuses recompute themselves (`records.rules` registers here).
after_append: list[Callable[[int, set[int]], None]] = []


def records_key() -> bytes:
    """The HMAC key: `LMS_RECORDS_KEY`, else derived from `SECRET_KEY` (never stored)."""
    config = current_app.config
    own = config.get("LMS_RECORDS_KEY")
    if own:
        return own.encode()
    return derive_key(b"lms learning record chain")


def entry_mac(entry: RecordEntry, key: bytes | None = None) -> str:
    """The keyed hash of an entry's content."""
    return mac(key or records_key(), canonical(entry, _ENTRY_FIELDS))


def event_mac(event: AuditEvent, prev_mac: str, key: bytes | None = None) -> str:
    """The keyed hash of an audit event chained to the one before it."""
    return mac(key or records_key(), canonical(event, _AUDIT_FIELDS), prev_mac)


def _lock_head() -> ChainHead:
    """The chain head row, locked for this transaction (created on first use)."""
    return lock_head(ChainHead)


def audit(action: str, *, actor_id: int | None, user_id: int | None = None,
          reason: str = "", detail: dict | None = None, entry: RecordEntry | None = None,
          at: datetime | None = None) -> AuditEvent:
    """Append one chained audit event to the session (the caller commits)."""
    head = _lock_head()
    event = AuditEvent(seq=head.seq + 1, at=(at or utcnow()).replace(microsecond=0),
                       actor_id=actor_id, user_id=user_id, action=action,
                       entry_id=entry.id if entry else None,
                       entry_mac=entry.mac if entry else None, reason=reason or "",
                       detail=detail or {}, prev_mac=head.mac)
    event.mac = event_mac(event, head.mac)
    db.session.add(event)
    head.seq, head.mac = event.seq, event.mac
    db.session.flush()
    return event


def append_entry(entry: RecordEntry, *, actor_id: int | None, reason: str = "",
                 action: str = "entry.add") -> RecordEntry | None:
    """Append `entry` to the record with its audit event, totals and statuses, in the
    caller's transaction. Returns None when its `dedupe_key` is already recorded (the same
    fact is recorded once), without writing anything."""
    _lock_head()  # first: entries and events are written one at a time, and a concurrent
    # writer of the same fact has committed by the time the lock is ours
    if db.session.scalar(select(RecordEntry.id).where(
            RecordEntry.dedupe_key == entry.dedupe_key)) is not None:
        return None
    entry.created_at = (entry.created_at or utcnow()).replace(microsecond=0)
    entry.year = entry.occurred_on.year
    # Numbers as they will read back (60 → 60.0), or the mac would not match on reading.
    entry.hours, entry.days = float(entry.hours or 0.0), float(entry.days or 0.0)
    if entry.score is not None:
        entry.score = float(entry.score)
    entry.details = entry.details or {}
    for name in ("organiser", "result", "note"):
        if getattr(entry, name) is None:
            setattr(entry, name, "")
    db.session.add(entry)
    db.session.flush()  # the id is part of the mac
    entry.mac = entry_mac(entry)
    db.session.flush()
    audit(action, actor_id=actor_id, user_id=entry.user_id, reason=reason, entry=entry,
          detail={"kind": entry.kind, "hours": entry.hours, "days": entry.days,
                  "year": entry.year})
    _add_to_totals(entry)
    for hook in after_append:
        hook(entry.user_id, {entry.year})
    return entry


def reverse_entry(original: RecordEntry, *, actor_id: int, reason: str,
                  on: date | None = None) -> RecordEntry:
    """Append the reversal of `original` (negated hours and days, same year, kind and
    subject) with its reason. An entry is reversed at most once; a reversal is never
    reversed. Raises ValueError otherwise."""
    if original.reverses_id is not None:
        raise ValueError("a reversal cannot be reversed")
    if not reason.strip():
        raise ValueError("a reversal needs a reason")
    reversal = RecordEntry(
        user_id=original.user_id, occurred_on=original.occurred_on, kind=original.kind,
        subject_id=original.subject_id, title=original.title, hours=-original.hours,
        days=-(original.days or 0.0), started_on=original.started_on,
        ended_on=original.ended_on, organiser=original.organiser, result=original.result,
        details={"reversed_on": (on or utcnow().date()).isoformat()},
        origin="entered", entered_by_id=actor_id, source=original.source,
        course_id=original.course_id, reverses_id=original.id, note=reason.strip(),
        dedupe_key=f"reversal:{original.id}")
    written = append_entry(reversal, actor_id=actor_id, reason=reason.strip(),
                           action="entry.reverse")
    if written is None:
        raise ValueError("this entry is already reversed")
    return written


def _add_to_totals(entry: RecordEntry) -> None:
    """Add the entry to its cadre's running totals (one row per year, kind, subject)."""
    sign = -1 if entry.reverses_id is not None else 1
    key = dict(user_id=entry.user_id, year=entry.year, kind=entry.kind,
               subject_id=entry.subject_id)
    changed = db.session.execute(
        update(RecordTotal).where(*(getattr(RecordTotal, k) == v if v is not None
                                    else getattr(RecordTotal, k).is_(None)
                                    for k, v in key.items()))
        .values(hours=RecordTotal.hours + entry.hours, days=RecordTotal.days + entry.days,
                entries=RecordTotal.entries + sign)
        .execution_options(synchronize_session=False)).rowcount
    if not changed:
        db.session.add(RecordTotal(**key, hours=entry.hours, days=entry.days, entries=sign))
        db.session.flush()


def checkpoint(actor_id: int | None = None) -> Checkpoint:
    """Store the current chain head as a checkpoint (the caller commits) and return it."""
    head = _lock_head()
    point = Checkpoint(seq=head.seq, mac=head.mac, created_at=utcnow().replace(microsecond=0),
                       created_by_id=actor_id)
    db.session.add(point)
    db.session.flush()
    return point


class SealRefused(Exception):
    """Unsealed entries exist although the chain has started: they were inserted behind
    the application's back, and sealing them would make them look genuine."""

    def __init__(self, entry_ids: list[int]):
        super().__init__(entry_ids)
        self.entry_ids = entry_ids


def seal_unsealed() -> int:
    """Seal entries written before the chain existed (no mac yet) into it, oldest first,
    with their totals; the caller commits. Returns how many were sealed.

    Only an upgrade from before the chain has such entries, and only while the chain is
    still empty: once it has started, an entry without a mac was inserted behind the
    application's back, so this raises `SealRefused` naming them and seals nothing."""
    unsealed = list(db.session.scalars(select(RecordEntry.id).where(RecordEntry.mac == "")
                                       .order_by(RecordEntry.id)))
    if unsealed and _lock_head().seq > 0:
        raise SealRefused(unsealed)
    count = 0
    for entry in db.session.scalars(select(RecordEntry).where(RecordEntry.mac == "")
                                    .order_by(RecordEntry.id)).all():
        _lock_head()
        entry.created_at = entry.created_at.replace(microsecond=0)
        entry.mac = entry_mac(entry)
        db.session.flush()
        audit("entry.seal", actor_id=None, user_id=entry.user_id, entry=entry,
              reason="written before the chain existed")
        _add_to_totals(entry)
        count += 1
    return count


# ---- verification -------------------------------------------------------------------------

@dataclass
class Report(chains.Report):
    entries: int = 0


def _rows(model, order_by, size: int = 5000) -> Iterator:
    """Every row of `model`'s table as plain rows (not ORM objects), streamed in batches."""
    stmt = select(*model.__table__.columns).order_by(order_by)
    yield from db.session.execute(stmt.execution_options(yield_per=size))


def verify(checkpoint_mac: str | None = None) -> Report:
    """Walk the audit chain and every entry; name each row changed, deleted or inserted
    behind the application's back. With `checkpoint_mac`, also prove that the chain up to
    that checkpoint is unchanged (some event must carry that mac at a valid position)."""
    key = records_key()
    report = Report()
    added: dict[int, str] = {}  # entry id -> mac recorded by its "entry.add" event
    events = _rows(AuditEvent, AuditEvent.seq)
    for event in chains.walk(events, "record_audit", lambda e, prev: event_mac(e, prev, key),
                            report, checkpoint_mac):
        if event.action in ENTRY_ACTIONS and event.entry_id is not None:
            added[event.entry_id] = event.entry_mac or ""
    chains.check_head(report, db.session.get(ChainHead, 1), "record_chain_head")
    seen: set[int] = set()
    for entry in _rows(RecordEntry, RecordEntry.id):
        report.entries += 1
        seen.add(entry.id)
        where = f"id {entry.id}"
        if not hmac.compare_digest(entry_mac(entry, key), entry.mac or ""):
            report.findings.append(Finding("record_entries", where,
                                           "content does not match its mac: changed or "
                                           "inserted"))
        elif entry.id not in added:
            report.findings.append(Finding("record_entries", where,
                                           "has no audit event: inserted"))
        elif added[entry.id] != entry.mac:
            report.findings.append(Finding("record_entries", where,
                                           "differs from what its audit event recorded"))
    for entry_id in sorted(set(added) - seen):
        report.findings.append(Finding("record_entries", f"id {entry_id}", "missing: deleted"))
    report.findings.extend(_totals_findings())
    return report


def _totals_findings() -> list[Finding]:
    """Running totals that differ from a recount of the entries."""
    recount = {
        (u, y, k, s): (round(h, 4), round(d, 4), n)
        for u, y, k, s, h, d, n in db.session.execute(
            select(RecordEntry.user_id, RecordEntry.year, RecordEntry.kind,
                   RecordEntry.subject_id, func.sum(RecordEntry.hours),
                   func.sum(RecordEntry.days),
                   func.sum(case((RecordEntry.reverses_id.is_(None), 1), else_=-1)))
            .group_by(RecordEntry.user_id, RecordEntry.year, RecordEntry.kind,
                      RecordEntry.subject_id))}
    kept = {
        (t.user_id, t.year, t.kind, t.subject_id): (round(t.hours, 4), round(t.days, 4),
                                                    t.entries)
        for t in db.session.scalars(select(RecordTotal))}
    findings = []
    for key in sorted(set(recount) | set(kept), key=str):
        have, want = kept.get(key, (0.0, 0.0, 0)), recount.get(key, (0.0, 0.0, 0))
        if have != want:
            findings.append(Finding("record_totals", "user {} year {} {} subject {}".format(*key),
                                    f"totals {have} differ from a recount {want}"))
    return findings
