"""In-app notices: one inbox per user for every kind of event (`notify`), and reminders to
learners who are behind on a course."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask import g, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core.timeutil import local_day, utcnow
from lms.extensions import db
from lms.progress.models import Enrolment, Notice

# Every kind of notice (the inbox filters and labels them by kind).
KINDS = ("reminder", "assignment", "class_plan", "class_trainee", "explanation", "leave",
         "attendance", "claim", "reading_note", "study_plan", "record", "evaluation", "other")

REMIND_EVERY = timedelta(hours=20)  # at most one reminder a day per learner and course
CONFIRM_ABOVE = 20  # more recipients than this: the sender confirms the previewed message


@dataclass
class ReminderPreview:
    """What a reminder would send: each distinct message with its number of recipients, the
    recipients in all, and those left out because they were reminded today."""

    messages: list[tuple[str, int]]
    recipients: int
    skipped: int

    @property
    def needs_confirmation(self) -> bool:
        return self.recipients > CONFIRM_ABOVE


def _rows(user_ids: list[int], course: Course) -> tuple[list[dict], int]:
    """The notices a reminder about `course` would write (skipping those reminded today),
    and how many were skipped."""
    if not user_ids:
        return [], 0
    link = url_for("catalog.course", slug=course.slug)
    since = utcnow() - REMIND_EVERY
    recent = set(db.session.scalars(select(Notice.user_id).where(
        Notice.user_id.in_(user_ids), Notice.kind == "reminder", Notice.link == link,
        Notice.created_at >= since)))
    due = dict(db.session.execute(select(Enrolment.user_id, Enrolment.due_at).where(
        Enrolment.course_id == course.id, Enrolment.user_id.in_(user_ids))).all())
    rows = []
    with force_locale("zh_CN"):  # stored once, in the platform's language
        for uid in user_ids:
            if uid in recent:
                continue
            if due.get(uid):
                message = _("Please complete the required course “%(t)s” by %(d)s.",
                            t=course.title, d=local_day(due[uid]))
            else:
                message = _("Please complete the course “%(t)s”.", t=course.title)
            rows.append({"user_id": uid, "kind": "reminder", "message": message, "link": link})
    return rows, len(set(user_ids) & recent)


def preview(user_ids: list[int], course: Course) -> ReminderPreview:
    """The exact messages a reminder about `course` would send, and to how many."""
    rows, skipped = _rows(user_ids, course)
    counts = Counter(r["message"] for r in rows)
    return ReminderPreview(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])), len(rows),
                           skipped)


def remind(user_ids: list[int], course: Course, actor: User) -> int:
    """Send a reminder about `course` to each learner (skipping those reminded today)."""
    rows, _skipped = _rows(user_ids, course)
    now = utcnow()
    for row in rows:
        row.update(created_by=actor.id, created_at=now)
    if rows:
        db.session.execute(Notice.__table__.insert(), rows)
    db.session.commit()
    return len(rows)


def notify(user_ids: Iterable[int], kind: str, message: str, link: str = "", *,
           actor_id: int | None = None) -> int:
    """Put one notice in each user's inbox, in the caller's transaction (the caller commits).
    `message` is written once, in the platform's language (see `force_locale` above);
    `link` is a path inside the platform. Returns how many notices were written."""
    if kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    now = utcnow()
    db.session.execute(Notice.__table__.insert(), [
        {"user_id": uid, "kind": kind, "message": message[:2000], "link": link[:255],
         "created_by": actor_id, "created_at": now} for uid in ids])
    return len(ids)


def unread(user_id: int, limit: int = 10) -> list[Notice]:
    """The user's unread notices, newest first (fewer than `limit`: all of them, which
    `unread_count` then knows without asking)."""
    found = list(db.session.scalars(select(Notice).where(
        Notice.user_id == user_id, Notice.read_at.is_(None))
        .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)))
    if len(found) < limit and has_request_context():
        g.setdefault("_unread_notices", {})[user_id] = len(found)
    return found


def unread_count(user_id: int) -> int:
    """How many notices the user has not read: one COUNT, once per request (none when a
    page listed them all first, `unread` with fewer than its limit)."""
    known = g.setdefault("_unread_notices", {}) if has_request_context() else {}
    if user_id not in known:
        known[user_id] = db.session.scalar(select(func.count()).select_from(Notice).where(
            Notice.user_id == user_id, Notice.read_at.is_(None))) or 0
    return known[user_id]


def mark_read(notice_id: int, user_id: int) -> bool:
    """Mark one of the user's notices read."""
    done = db.session.execute(update(Notice).where(
        Notice.id == notice_id, Notice.user_id == user_id, Notice.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.commit()
    return done.rowcount == 1
