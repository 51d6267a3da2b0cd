"""Exams a learner may sit now (or has begun): what their home page lists. Each exam is put to
`attempts.can_start`, with the attempts and re-sits counted for every exam in fixed queries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, lazyload

from lms.activities.base import SEALED
from lms.activities.registry import registry
from lms.assessment import attempts as engine
from lms.assessment.models import Attempt, Resit
from lms.auth.models import User
from lms.catalog.models import Activity, Course
from lms.core.timeutil import utcnow
from lms.extensions import db

SCAN = 100  # exams read at most (the newest first)


@dataclass
class OpenExam:
    activity: Activity
    closes_at: datetime | None  # naive UTC
    begun: bool  # an attempt is open: the learner goes on with it


def open_exams(user: User, now: datetime | None = None, limit: int = 5) -> list[OpenExam]:
    """Exams of published courses the user may start now, or has an open attempt at,
    closing soonest first. Three queries at most whatever the number of exams."""
    now = now or utcnow()
    kinds = [t.key for t in registry().all() if t.supports(SEALED)]
    if not kinds:
        return []
    exams = list(db.session.scalars(
        select(Activity).join(Course, Course.id == Activity.course_id)
        .where(Activity.type_key.in_(kinds), Activity.retired.is_(False),
               Course.status == "published")
        .options(joinedload(Activity.course).selectinload(Course.lecturers)
                 .options(lazyload(User.grants)))
        .order_by(Activity.id.desc()).limit(SCAN)))
    if not exams:
        return []
    ids = [a.id for a in exams]
    used: dict[int, int] = {}
    begun: set[int] = set()
    for activity_id, status, n in db.session.execute(
            select(Attempt.activity_id, Attempt.status, func.count())
            .where(Attempt.user_id == user.id, Attempt.activity_id.in_(ids))
            .group_by(Attempt.activity_id, Attempt.status)):
        used[activity_id] = used.get(activity_id, 0) + n
        if status == "open":
            begun.add(activity_id)
    specs = {a.id: engine.spec_for(a) for a in exams}
    # Re-sits matter only where the attempts allowed are used up.
    spent = [i for i, spec in specs.items()
             if spec is not None and spec.attempts and used.get(i, 0) >= spec.attempts]
    resits = dict(db.session.execute(
        select(Resit.activity_id, func.count()).where(
            Resit.user_id == user.id, Resit.activity_id.in_(spent))
        .group_by(Resit.activity_id)).all()) if spent else {}
    out = []
    for activity in exams:
        spec = specs[activity.id]
        if spec is None or engine.authors_refusal(activity, spec, user):
            continue
        going = activity.id in begun and (spec.closes_at is None or now < spec.closes_at)
        if not going and engine.can_start(activity, spec, used.get(activity.id, 0), now, user,
                                          resits=resits.get(activity.id, 0)):
            continue
        out.append(OpenExam(activity, spec.closes_at, going))
    out.sort(key=lambda e: (e.closes_at is None, e.closes_at or now))
    return out[:limit]
