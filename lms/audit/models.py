"""The administrative audit log's rows and its chain head."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db


class AdminEvent(db.Model):
    """One administrative action (a grant, a password reset, a rule set changed ...): who,
    whom, what, when, from which address. Append-only and chained: `mac` = HMAC(key,
    previous row's mac + this row's content), `seq` has no gaps. On PostgreSQL a trigger
    refuses UPDATE and DELETE; on SQLite, UPDATE."""

    __tablename__ = "admin_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    target_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)  # e.g. "role.grant"
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    address: Mapped[str] = mapped_column(String(64), default="")  # "" from the command line
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")
    target: Mapped[User | None] = relationship(foreign_keys=[target_id], lazy="joined")


class AdminChainHead(db.Model):
    """The single row holding the log's last sequence number and mac; appending locks it,
    so the log is written one row at a time."""

    __tablename__ = "admin_audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    seq: Mapped[int] = mapped_column(default=0)
    mac: Mapped[str] = mapped_column(String(64), default="")
