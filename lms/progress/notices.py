"""In-app notices: one inbox per user for every kind of event (`notify`, the one way in, which
also e-mails them: `lms.progress.notice_mail`), the inbox's pages, and reminders to learners
who are behind on a course."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, g, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, func, select, update

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core.timeutil import local_day, utcnow
from lms.extensions import db
from lms.progress import notice_mail
from lms.progress.models import Enrolment, Notice
from lms.progress.notice_kinds import KINDS  # every kind, named in `notice_kinds.LABELS`

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
    link = link_to("catalog.course", slug=course.slug)
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
    sent = remind_some(user_ids, course, actor.id)
    db.session.commit()
    return sent


def remind_some(user_ids: list[int], course: Course, actor_id: int | None) -> int:
    """Write the reminders about `course` to these learners, skipping those reminded today,
    in the caller's transaction (the caller commits): a batch of a reminder job, which a
    retried attempt can send again without reminding anyone twice."""
    rows, _skipped = _rows(user_ids, course)
    now = utcnow()
    for row in rows:
        row.update(created_by=actor_id, created_at=now)
    if rows:
        db.session.execute(Notice.__table__.insert(), rows)
        notice_mail.queue(rows)
    return len(rows)


def link_to(endpoint: str, **values) -> str:
    """The path of a page, for a notice's link: `url_for` in a request, and outside one (the
    command line, the demo) the same path built without it."""
    if has_request_context():
        return url_for(endpoint, **values)
    return current_app.url_map.bind("localhost").build(endpoint, values)


def notify(user_ids: Iterable[int], kind: str, message: str, link: str = "", *,
           actor_id: int | None = None) -> int:
    """Put one notice in each user's inbox, in the caller's transaction (the caller commits).
    `message` is written once, in the platform's language (see `force_locale` above);
    `link` is a path inside the platform. When the platform sends e-mail, each user who
    gave an address (and did not turn it off) gets a copy once the caller's transaction
    commits; nothing on rollback. Returns how many notices were written."""
    if kind not in KINDS:
        raise ValueError(f"unknown notice kind {kind!r}")
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    now = utcnow()
    rows = [{"user_id": uid, "kind": kind, "message": message[:2000], "link": link[:255],
             "created_by": actor_id, "created_at": now} for uid in ids]
    db.session.execute(Notice.__table__.insert(), rows)
    notice_mail.queue(rows)
    return len(ids)


def inbox_select(user_id: int, kind: str | None = None, *, unread_only: bool = False
                 ) -> Select:
    """The user's notices, newest first (of one kind; only the unread ones)."""
    stmt = select(Notice).where(Notice.user_id == user_id)
    if kind:
        stmt = stmt.where(Notice.kind == kind)
    if unread_only:
        stmt = stmt.where(Notice.read_at.is_(None))
    return stmt.order_by(Notice.created_at.desc(), Notice.id.desc())


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
    """Mark one of the user's notices read (and commit). False when the user has no such
    notice (another's notice is not theirs to read)."""
    mine = db.session.execute(select(Notice.read_at).where(
        Notice.id == notice_id, Notice.user_id == user_id)).first()
    if mine is None:
        return False
    if mine.read_at is None:
        db.session.execute(update(Notice).where(Notice.id == notice_id, Notice.read_at.is_(None))
                           .values(read_at=utcnow()).execution_options(synchronize_session=False))
        db.session.commit()
    return True


def mark_all_read(user_id: int, kind: str | None = None) -> int:
    """Mark all the user's unread notices (of one kind) read and commit; returns how many."""
    stmt = update(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
    if kind:
        stmt = stmt.where(Notice.kind == kind)
    done = db.session.execute(stmt.values(read_at=utcnow())
                              .execution_options(synchronize_session=False))
    db.session.commit()
    return done.rowcount
