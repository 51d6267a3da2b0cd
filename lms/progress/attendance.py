"""Face-to-face sessions whose attendance is still to be marked: sessions of published
courses that have begun, with enrolled learners not yet marked present."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, select

from lms.activities.base import ATTENDANCE
from lms.activities.registry import registry
from lms.catalog.models import Activity, ActivityState, Course
from lms.core.timeutil import local_time, utcnow
from lms.extensions import db
from lms.org.models import CadreProfile, Unit
from lms.progress.models import Enrolment

SCAN = 200  # sessions read at most (the newest first)


@dataclass
class SessionToMark:
    activity: Activity
    course_title: str
    unmarked: int  # enrolled learners in the viewer's reach not yet marked present


def sessions_to_mark(reach: ColumnElement[bool], limit: int = 5) -> tuple[list[SessionToMark], int]:
    """Sessions begun (or without a time) with learners matching `reach` (a clause on
    `Unit`, `CadreProfile` or `Course`) not yet marked present: the first `limit`, soonest
    first, and how many sessions there are in all. One query."""
    kinds = [t.key for t in registry().all() if t.supports(ATTENDANCE)]
    if not kinds:
        return [], 0
    unmarked = (select(Activity.id.label("activity_id"), func.count().label("n"))
                .join(Course, Course.id == Activity.course_id)
                .join(Enrolment, Enrolment.course_id == Course.id)
                .join(CadreProfile, CadreProfile.user_id == Enrolment.user_id)
                .join(Unit, Unit.id == CadreProfile.unit_id)
                .outerjoin(ActivityState, (ActivityState.user_id == Enrolment.user_id)
                           & (ActivityState.activity_id == Activity.id))
                .where(Activity.type_key.in_(kinds), Activity.retired.is_(False),
                       Course.status == "published", ActivityState.completed_at.is_(None),
                       reach)
                .group_by(Activity.id).subquery())
    rows = db.session.execute(
        select(Activity, Course.title, unmarked.c.n)
        .join(unmarked, unmarked.c.activity_id == Activity.id)
        .join(Course, Course.id == Activity.course_id)
        .order_by(Activity.id.desc()).limit(SCAN)).all()
    now = local_time(utcnow()).replace(tzinfo=None).isoformat(timespec="minutes")
    begun = [SessionToMark(a, title, n) for a, title, n in rows
             if not (a.config or {}).get("starts_at") or a.config["starts_at"] <= now]
    begun.sort(key=lambda s: (s.activity.config or {}).get("starts_at") or "")
    return begun[:limit], len(begun)
