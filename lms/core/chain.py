"""Keyed hash chains shared by the learning record and the administrative audit log.

A row's content is written as canonical JSON (sorted keys, fixed number and date forms) and
signed with HMAC-SHA256 under a key that is never stored in the database: someone with only
database access can neither rewrite a row and recompute its mac nor forge a new one.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app

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
