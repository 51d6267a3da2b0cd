"""Learners' answers to activities whose type takes them (capability RESPONSE, e.g. a survey).

The page and the API both come here: the type checks the answers against the learner's
state (`take_answers`), the core stores the new state and, when the type says so, completes
the activity through `mark_complete`, which completes the course when its rule is met. With
any problem nothing is written (not even the learner's enrolment).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from lms.activities.base import RESPONSE, SEALED, ActivityType, Answered
from lms.activities.registry import registry
from lms.auth.models import User
from lms.catalog.models import Activity, ActivityState
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org import permissions
from lms.progress import services

MAX_FIELDS = 500  # more answers than any questionnaire has: refused before the type sees them


def answering_type(activity: Activity, user: User) -> ActivityType | None:
    """The activity's type when `user` may answer it now: a type that takes answers, on a
    live activity of a published course they may see; never a sealed type's own author."""
    kind = registry().get(activity.type_key)
    if kind is None or not kind.supports(RESPONSE) or activity.retired \
            or activity.course.status != "published" \
            or not permissions.can_view_course(activity.course, user):
        return None
    if kind.supports(SEALED) and permissions.teaches(activity.course, user):
        return None
    return kind


def _locked_state(user: User, activity: Activity) -> ActivityState | None:
    """The learner's state row, locked until the transaction ends (two submissions at once
    are taken one after the other)."""
    return db.session.scalar(
        select(ActivityState).where(ActivityState.user_id == user.id,
                                    ActivityState.activity_id == activity.id)
        .with_for_update())


def submit(user: User, activity: Activity, kind: ActivityType,
           data: Mapping[str, Any]) -> Answered:
    """Take `user`'s answers to `activity`; store them unless the type found problems."""
    if len(data) > MAX_FIELDS:
        return Answered(problems={"": _("Too many answers were sent.")})
    row = _locked_state(user, activity)
    if row is None:
        # Checked before anything is written: a refused first submission leaves no trace.
        answered = kind.take_answers(activity.config, services.starting_state(activity), data)
        db.session.rollback()
        if answered.problems:
            return answered
        services.ensure_state(user, activity)  # enrols them and creates the state
        row = _locked_state(user, activity)
        if row is None:  # pragma: no cover - the row was just written or found
            raise services.ProgressError("no activity state")
    answered = kind.take_answers(activity.config, dict(row.state or {}), data)
    if answered.problems:
        db.session.rollback()
        return answered
    row.state = dict(answered.state)
    state_id, was_complete = row.id, row.completed_at is not None
    db.session.commit()
    if answered.completed and not was_complete:
        services.mark_complete(user, activity, utcnow(), state_id=state_id)
    return answered


def outcome(user: User, activity: Activity) -> dict[str, Any]:
    """What the learner's answers led to: their state, whether the activity and the course
    are now complete (for the API's answer)."""
    row = db.session.execute(
        select(ActivityState.state, ActivityState.completed_at)
        .where(ActivityState.user_id == user.id, ActivityState.activity_id == activity.id)
    ).first()
    enrolment = services.enrolment(user, activity.course)
    return {"state": row.state if row else {},
            "completed_at": row.completed_at if row else None,
            "course_completed_at": enrolment.completed_at if enrolment else None}
