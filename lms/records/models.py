"""Entries of the learning record. Append-only: a correction is a reversal plus a new entry."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.timeutil import utcnow
from lms.extensions import db


class RecordEntry(db.Model):
    """One fact in a cadre's learning record: study hours earned, from a source, on a date.

    `dedupe_key` is unique, so the same fact (e.g. completing a course) is written once even
    under concurrent requests. Rows are never updated or deleted.
    """

    __tablename__ = "record_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32))  # e.g. "online_course"
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[float]
    occurred_on: Mapped[date]
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("record_entries.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    # A certificate-style result (an exam passed): its number and score (percent).
    reference: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
