"""Keyed hash chains shared by the learning record and the administrative audit log.

A row's content is written as canonical JSON (sorted keys, fixed number and date forms) and
signed with HMAC-SHA256 under a key that is never stored in the database: someone with only
database access can neither rewrite a row and recompute its mac nor forge a new one.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from lms.extensions import db

GENESIS = "0" * 64


def derive_key(label: bytes, base: str | None = None) -> bytes:
    """A key for one chain, derived from `base` (default `SECRET_KEY`) and the chain's
    own label, so that no two chains share a key."""
    base = base or str(current_app.config["SECRET_KEY"])
    return hmac.new(base.encode(), label, hashlib.sha256).digest()


def plain(value):
    """A value as it is written into canonical JSON."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(round(value, 6))
    return value


def canonical(row, fields: tuple[str, ...]) -> bytes:
    """The row's content as canonical JSON (sorted keys, fixed number and date forms)."""
    data = {name: plain(getattr(row, name)) for name in fields}
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str).encode()


def mac(key: bytes, content: bytes, prev_mac: str = "") -> str:
    """HMAC-SHA256 of `content` chained to `prev_mac` (empty for an unchained row)."""
    return hmac.new(key, prev_mac.encode() + content, hashlib.sha256).hexdigest()


@dataclass
class Finding:
    """One row that does not match its chain: which table, which row, and how."""

    table: str
    row: str
    problem: str

    def __str__(self) -> str:
        return f"{self.table} {self.row}: {self.problem}"


@dataclass
class Report:
    """What a walk of one chain found: rows read, the head it reached, and the findings."""

    events: int = 0
    head_seq: int = 0
    head_mac: str = GENESIS
    findings: list[Finding] = field(default_factory=list)
    checkpoint_found: bool | None = None  # None when no checkpoint was given

    @property
    def ok(self) -> bool:
        return not self.findings and self.checkpoint_found is not False


def walk(rows: Iterable, table: str, mac_of: Callable[[object, str], str], report: Report,
         checkpoint_mac: str | None = None) -> Iterator:
    """Check each row of a chain in `seq` order and yield it: no gap in `seq` (a deleted
    row), none out of order (an inserted one), each linked to the row before it and matching
    its mac (`mac_of(row, prev_mac)`). With `checkpoint_mac`, note whether some row at a
    valid position carries it. The report's head is set once the rows are exhausted."""
    prev, expected_seq = GENESIS, 1
    if checkpoint_mac is not None:
        report.checkpoint_found = False
    for event in rows:
        report.events += 1
        where = f"seq {event.seq} (id {event.id})"
        while expected_seq < event.seq:
            report.findings.append(Finding(table, f"seq {expected_seq}", "missing: deleted"))
            expected_seq += 1
        if event.seq < expected_seq:
            report.findings.append(Finding(table, where, "out of order: inserted"))
        if event.prev_mac != prev:
            report.findings.append(Finding(table, where, "does not follow the row before it"))
        if not hmac.compare_digest(mac_of(event, event.prev_mac), event.mac):
            report.findings.append(Finding(table, where, "content does not match its mac: "
                                                         "changed or inserted"))
        elif checkpoint_mac is not None and hmac.compare_digest(event.mac, checkpoint_mac) \
                and event.prev_mac == prev:
            report.checkpoint_found = True
        yield event
        prev, expected_seq = event.mac, max(expected_seq, event.seq + 1)
    report.head_seq, report.head_mac = expected_seq - 1, prev


def check_head(report: Report, head, table: str) -> None:
    """Name a head row that disagrees with where the walk ended: rows deleted at the end."""
    if head is not None and (head.seq != report.head_seq or head.mac != report.head_mac):
        report.findings.append(Finding(table, "1", f"says seq {head.seq}, the chain ends at "
                                                   f"{report.head_seq}: rows deleted at the "
                                                   "end"))


def lock_head(model):
    """A chain's single head row (id 1), locked for this transaction, so that the chain is
    written one row at a time; created on first use (concurrent first writers may race)."""
    head = db.session.scalar(select(model).where(model.id == 1).with_for_update())
    if head is None:
        insert = (postgresql.insert if db.engine.dialect.name == "postgresql"
                  else sqlite.insert)(model)
        db.session.execute(insert.values(id=1, seq=0, mac=GENESIS)
                           .on_conflict_do_nothing(index_elements=["id"]))
        head = db.session.scalar(select(model).where(model.id == 1).with_for_update())
    return head
