"""The learning record (学习档案): entries, their audit log and keyed-hash chain, running
totals, requirement rule sets and statuses, self-reported claims with evidence, the required
reading list and reading notes, study plans and written appraisals.

Entries and audit rows are append-only (see `records.chain`): a correction is a reversal
(an entry with `reverses_id` and negated hours and days) plus a new entry, both kept.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db

# Forms of learning (DOMAIN.md, "Forms of learning"). Automatic kinds are written by the
# platform; the others are entered by an administrator or self-reported by the cadre.
AUTOMATIC_KINDS = ("online_course", "exam", "reading_note", "training_class")
ENTERED_KINDS = ("degree", "off_job", "rotation", "secondment", "self_study",
                 "collective_study", "lecture")
KINDS = AUTOMATIC_KINDS + ENTERED_KINDS
# How an entry came to be: written by the platform, entered by an administrator, or
# self-reported by the cadre and verified by an administrator.
ORIGINS = ("automatic", "entered", "verified")
CLAIM_STATUSES = ("pending", "verified", "rejected")
NOTE_STATUSES = ("draft", "submitted", "returned", "approved")
PLAN_STATUSES = ("draft", "submitted", "returned", "approved")


class RecordEntry(db.Model):
    """One fact in a cadre's learning record: hours and/or days of one form of learning.

    `dedupe_key` is unique, so the same automatic fact (e.g. completing a course) is written
    once even under concurrent requests. Rows are never updated or deleted; `mac` is the keyed
    hash of the row's content (`records.chain.entry_mac`).
    """

    __tablename__ = "record_entries"
    __table_args__ = (Index("ix_record_entries_user_year", "user_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    year: Mapped[int] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32))  # one of KINDS
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject_categories.id"))
    title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[float]
    days: Mapped[float] = mapped_column(default=0.0)
    occurred_on: Mapped[date]  # the day it counts on (the end of a period)
    started_on: Mapped[date | None]
    ended_on: Mapped[date | None]
    organiser: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[str] = mapped_column(String(200), default="")
    # Kind-specific facts, e.g. a degree's institution, programme and degree.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    origin: Mapped[str] = mapped_column(String(16), default="automatic")  # one of ORIGINS
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What produced an automatic entry, "course:12", "activity:7", "reading_note:3"; a
    # verified entry's claim is "claim:5" (its evidence hangs on the claim).
    source: Mapped[str | None] = mapped_column(String(64))
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), unique=True)
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("record_entries.id"))
    note: Mapped[str] = mapped_column(Text, default="")  # the reason of a correction
    # A certificate-style result (an exam passed): its number and score (percent).
    reference: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    mac: Mapped[str] = mapped_column(String(64), default="")

    entered_by: Mapped[User | None] = relationship(foreign_keys=[entered_by_id])
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])


class AuditEvent(db.Model):
    """One action on the learning record (who, when, what, why). Append-only and chained:
    `mac` = HMAC(key, previous row's mac + this row's content), `seq` has no gaps."""

    __tablename__ = "record_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # the cadre
    action: Mapped[str] = mapped_column(String(32))  # e.g. "entry.add", "claim.reject"
    entry_id: Mapped[int | None] = mapped_column(index=True)  # no FK: a deletion must show
    entry_mac: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])


class ChainHead(db.Model):
    """The single row holding the chain's last sequence number and mac. Appending locks it,
    so the chain is written one row at a time."""

    __tablename__ = "record_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    seq: Mapped[int] = mapped_column(default=0)
    mac: Mapped[str] = mapped_column(String(64), default="")


class Checkpoint(db.Model):
    """A chain head printed for safekeeping outside the system (`records checkpoint`)."""

    __tablename__ = "record_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int]
    mac: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RecordTotal(db.Model):
    """Running totals of a cadre's entries per year, kind and subject, kept up to date as
    entries are appended (so statuses never scan every entry); `records verify` proves they
    equal a recount."""

    __tablename__ = "record_totals"
    __table_args__ = (UniqueConstraint("user_id", "year", "kind", "subject_id",
                                       name="uq_record_totals"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    year: Mapped[int]
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject_categories.id"))
    hours: Mapped[float] = mapped_column(default=0.0)
    days: Mapped[float] = mapped_column(default=0.0)
    entries: Mapped[int] = mapped_column(default=0)  # reversals count -1


class RuleSet(db.Model):
    """A requirement set by the organisation department: who it applies to, over which
    window of years, what they must reach, and how each form of learning converts to 学时.

    `config` holds the requirement (see `records.rules` for its keys and their meaning).
    """

    __tablename__ = "record_rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    description: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    window_years: Mapped[int] = mapped_column(default=1)
    anchor_year: Mapped[int] = mapped_column(default=2023)  # windows start here, every N years
    effective_from: Mapped[date | None]
    effective_to: Mapped[date | None]
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class RequirementStatus(db.Model):
    """A cadre's standing against one rule set for one window, recomputed from the totals
    whenever an entry is appended or the rule set changes (never by touching an entry)."""

    __tablename__ = "record_statuses"
    __table_args__ = (
        UniqueConstraint("user_id", "rule_set_id", "window_start", name="uq_record_status"),
        Index("ix_record_statuses_rule_window", "rule_set_id", "window_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("record_rule_sets.id"))
    window_start: Mapped[int]  # first year of the window
    window_end: Mapped[int]  # last year of the window
    hours: Mapped[float] = mapped_column(default=0.0)  # converted 学时 in the window
    days: Mapped[float] = mapped_column(default=0.0)
    ratio: Mapped[float] = mapped_column(default=0.0)  # least share reached over all lines, ≤ 1
    met: Mapped[bool] = mapped_column(default=False)
    missing: Mapped[list] = mapped_column(JSON, default=list)  # [{line, need, have, unit}]
    computed_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    rule_set: Mapped[RuleSet] = relationship(lazy="joined")


class Claim(db.Model):
    """Learning self-reported by a cadre, with evidence, waiting for the unit administrator.
    A verified claim appends an entry (origin "verified"); a rejected one keeps its reason."""

    __tablename__ = "record_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject_categories.id"))
    title: Mapped[str] = mapped_column(String(200))
    hours: Mapped[float] = mapped_column(default=0.0)
    days: Mapped[float] = mapped_column(default=0.0)
    started_on: Mapped[date | None]
    ended_on: Mapped[date]
    organiser: Mapped[str] = mapped_column(String(200), default="")
    result: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was rejected
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("record_entries.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="claim", order_by="Evidence.id", cascade="all, delete-orphan")


class Evidence(db.Model):
    """A file attached to a claim (PDF or image), stored by content digest (`catalog.media`)."""

    __tablename__ = "record_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("record_claims.id"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    claim: Mapped[Claim] = relationship(back_populates="evidence")


class ReadingItem(db.Model):
    """A book on a year's required reading list (年内必读书目), published by the organisation
    department."""

    __tablename__ = "reading_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200))
    author: Mapped[str] = mapped_column(String(200), default="")
    publisher: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)
    published: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReadingCall(db.Model):
    """An administrator calls in (调阅) the reading notes of a unit subtree's cadres."""

    __tablename__ = "reading_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int]
    item_id: Mapped[int | None] = mapped_column(ForeignKey("reading_items.id"))
    due_on: Mapped[date | None]
    message: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReadingNote(db.Model):
    """A cadre's reading note (读书笔记) on a reading item, in Markdown; reviewed by an
    administrator, who comments, approves or returns it. An approved note appends an entry."""

    __tablename__ = "reading_notes"
    __table_args__ = (Index("ix_reading_notes_status", "status", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("reading_items.id"), index=True)
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    status: Mapped[str] = mapped_column(String(16), default="draft")  # one of NOTE_STATUSES
    submitted_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("record_entries.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    item: Mapped[ReadingItem] = relationship(lazy="joined")


class StudyPlan(db.Model):
    """A cadre's study plan (学习计划) for a year: drafted by the cadre, commented on and
    approved by the unit administrator."""

    __tablename__ = "study_plans"
    __table_args__ = (UniqueConstraint("user_id", "year", name="uq_study_plan"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    year: Mapped[int]
    goals: Mapped[str] = mapped_column(Text, default="")  # Markdown
    target_hours: Mapped[float] = mapped_column(default=0.0)
    target_days: Mapped[float] = mapped_column(default=0.0)
    course_ids: Mapped[list] = mapped_column(JSON, default=list)  # courses the cadre means to take
    status: Mapped[str] = mapped_column(String(16), default="draft")  # one of PLAN_STATUSES
    comment: Mapped[str] = mapped_column(Text, default="")
    submitted_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Appraisal(db.Model):
    """The written annual appraisal (写实性书面鉴定) of a cadre's learning by the unit
    administrator; the cadre reads and acknowledges it."""

    __tablename__ = "appraisals"
    __table_args__ = (UniqueConstraint("user_id", "year", name="uq_appraisal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    year: Mapped[int]
    strengths: Mapped[str] = mapped_column(Text, default="")
    shortcomings: Mapped[str] = mapped_column(Text, default="")
    requirements: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])
