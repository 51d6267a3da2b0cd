"""Courses, their activities (placements of activity types), media files and reviews."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db

COURSE_STATUSES = ("draft", "review", "published", "archived")

course_lecturers = Table(
    "course_lecturers",
    db.metadata,
    Column("course_id", ForeignKey("courses.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class SubjectCategory(db.Model):
    """A subject of courses (政治理论, 业务知识 ...), maintained by the organisation department."""

    __tablename__ = "subject_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class Course(db.Model):
    """A course: its catalogue data, workflow status and version."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    summary_html: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int] = mapped_column(ForeignKey("subject_categories.id"), index=True)
    required: Mapped[bool] = mapped_column(default=False)
    hours: Mapped[float] = mapped_column(default=0.0)
    # No foreign key: media rows point at their course, so a key back would form a cycle.
    cover_media_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    version: Mapped[int] = mapped_column(default=1)
    package_digest: Mapped[str | None] = mapped_column(String(64))
    search_text: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None]
    # The course's completion rule: every activity not marked optional, and, when set, at
    # least this many of its live activities ("N of M").
    completion_count: Mapped[int | None]

    category: Mapped[SubjectCategory] = relationship(lazy="joined")
    lecturers: Mapped[list[User]] = relationship(secondary=course_lecturers)
    activities: Mapped[list[Activity]] = relationship(
        back_populates="course", order_by="Activity.position", cascade="all, delete-orphan")
    cover: Mapped[MediaFile | None] = relationship(
        primaryjoin="foreign(Course.cover_media_id) == MediaFile.id", viewonly=True,
        lazy="joined")


class Activity(db.Model):
    """One activity of a course: a type key, its authored config and its rendered HTML.

    `key` is stable across course versions, so learners' progress survives re-imports.
    """

    __tablename__ = "activities"
    __table_args__ = (UniqueConstraint("course_id", "key", name="uq_activity_course_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    type_key: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    hours: Mapped[float] = mapped_column(default=0.0)
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    html: Mapped[str] = mapped_column(Text, default="")
    retired: Mapped[bool] = mapped_column(default=False)
    optional: Mapped[bool] = mapped_column(default=False)  # not needed to complete the course
    changed_in_version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship(back_populates="activities")


class MediaFile(db.Model):
    """A file of a course (picture, video, audio, PDF), stored by content hash on disk."""

    __tablename__ = "media_files"
    __table_args__ = (UniqueConstraint("course_id", "path", name="uq_media_course_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    path: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    mime: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    size: Mapped[int]
    duration: Mapped[float | None]  # seconds, for audio and video when the file states it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def filename(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def url(self) -> str:
        return f"/media/{self.id}/{self.filename}"


class CourseReview(db.Model):
    """One step of the review workflow: submitted, published, returned (with comments)."""

    __tablename__ = "course_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")


class ReviewComment(db.Model):
    """A reviewer's comment on a course under review: on one activity, or on the whole course
    (`activity_id` None); `round` is the review round (the number of submissions so far)."""

    __tablename__ = "review_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activities.id"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    round: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")


class ActivityState(db.Model):
    """One learner's state in one activity: the type's own state and the core's outcomes.

    Study tracking (heartbeats, time rules) writes here; the course page reads it.
    """

    __tablename__ = "activity_states"
    __table_args__ = (UniqueConstraint("user_id", "activity_id", name="uq_state_user_activity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    state: Mapped[dict] = mapped_column(JSON, default=dict)
    study_seconds: Mapped[int] = mapped_column(default=0)
    # Heartbeat bookkeeping: the last accepted sequence number and time, and for media the
    # furthest position actually played (seeking ahead does not move it) and the last one
    # (media seconds; for a page without media, its scroll offset, to resume there).
    last_seq: Mapped[int] = mapped_column(default=0)
    last_beat_at: Mapped[datetime | None]
    frontier: Mapped[float] = mapped_column(default=0.0)
    position: Mapped[float] = mapped_column(default=0.0)
    credited_at: Mapped[datetime | None]  # the last beat that earned credit
    presence_due_at: Mapped[datetime | None]  # a presence check falls due then
    score: Mapped[float | None]
    passed: Mapped[bool | None]
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
