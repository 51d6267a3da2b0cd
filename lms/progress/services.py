"""Enrolment and the crediting of study time. Every rule is decided here, on the server.

A heartbeat credits time only when the page is visible, when it follows the previous beat
within the expected interval (no credit across a gap, never more than the real time elapsed),
when its sequence number is new (replays and duplicates earn nothing), and when it is for the
one activity the learner is studying now. For media, the played frontier moves at most twice
as fast as real time, so seeking ahead never counts.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from lms.activities.registry import registry
from lms.auth.models import User
from lms.catalog.models import Activity, ActivityState, Course
from lms.core.signals import course_completed
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.progress.models import Enrolment, StudyClock

GAP_FACTOR = 1.5     # a beat later than 1.5 intervals after the previous one starts afresh
MAX_RATE = 2.0       # media frontier advances at most twice as fast as real time
SEEK_SLACK = 2.0     # seconds of tolerance on reported positions


class ProgressError(ValueError):
    """A refused study action (e.g. enrolling in a course that is not open)."""


def enrolment(user: User, course: Course) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id,
                                                     Enrolment.course_id == course.id))


def enrol(user: User, course: Course, *, source: str = "self",
          due_at: datetime | None = None) -> Enrolment:
    """Enrol a learner (idempotent). Learners enrol themselves only in published courses."""
    if course.status != "published":
        raise ProgressError("course is not open")
    existing = enrolment(user, course)
    if existing is not None:
        return existing
    row = Enrolment(user_id=user.id, course_id=course.id, source=source, due_at=due_at)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent request enrolled first
        db.session.rollback()
        return enrolment(user, course)
    return row


@dataclass
class BeatResult:
    credited_seconds: int
    completed: bool
    counted: int
    reason: str


def _state(user: User, activity: Activity) -> ActivityState:
    state = db.session.scalar(select(ActivityState).where(
        ActivityState.user_id == user.id, ActivityState.activity_id == activity.id))
    if state is None:  # the learner's first beat here: make sure they are enrolled
        if enrolment(user, activity.course) is None:
            enrol(user, activity.course)
        state = ActivityState(user_id=user.id, activity_id=activity.id, state={},
                              study_seconds=0, last_seq=0, frontier=0.0, position=0.0)
        db.session.add(state)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return _state(user, activity)
    return state


def _claim_clock(user: User, activity: Activity, now: datetime, interval: float) -> bool:
    """True when `activity` is the one the learner studies now (taking the clock if free)."""
    clock = db.session.get(StudyClock, user.id)
    if clock is None:
        db.session.add(StudyClock(user_id=user.id, activity_id=activity.id, last_beat_at=now))
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            return _claim_clock(user, activity, now, interval)
        return True
    busy_elsewhere = (clock.activity_id != activity.id
                      and (now - clock.last_beat_at).total_seconds() < interval * GAP_FACTOR)
    if busy_elsewhere:
        return False
    clock.activity_id, clock.last_beat_at = activity.id, now
    return True


def heartbeat(user: User, activity: Activity, *, seq: int, visible: bool,
              position: float | None = None, now: datetime | None = None) -> BeatResult:
    """Apply one heartbeat and return the learner's credited total for the activity."""
    now = now or utcnow()
    interval = float(current_app.config["LMS_HEARTBEAT_SECONDS"])
    state = _state(user, activity)
    if seq <= state.last_seq:
        return BeatResult(state.study_seconds, state.completed_at is not None, 0, "replayed")
    elapsed = (now - state.last_beat_at).total_seconds() if state.last_beat_at else None
    contiguous = elapsed is not None and 0 <= elapsed <= interval * GAP_FACTOR
    reason = "credited"
    if not visible:
        reason = "hidden"
    elif not contiguous:
        reason = "gap" if elapsed is not None else "started"
    if not _claim_clock(user, activity, now, interval):
        reason = "other_activity"
    credit = int(min(elapsed, interval)) if reason == "credited" else 0
    frontier, last_position = state.frontier, state.position
    if position is not None:
        last_position = max(0.0, float(position))
        if reason == "credited":
            reachable = state.frontier + MAX_RATE * elapsed + SEEK_SLACK
            frontier = max(state.frontier, min(last_position, reachable))
    # One conditional write: a concurrent beat with the same previous sequence earns nothing.
    updated = db.session.execute(
        update(ActivityState)
        .where(ActivityState.id == state.id, ActivityState.last_seq == state.last_seq)
        .values(study_seconds=ActivityState.study_seconds + credit, last_seq=seq,
                last_beat_at=now, frontier=frontier, position=last_position)
        .execution_options(synchronize_session=False))
    # The write succeeded only if nothing changed since the read, so the totals are known
    # without reading them back (and before commit expires the loaded state).
    state_id, total, was_complete = state.id, state.study_seconds + credit, \
        state.completed_at is not None
    if updated.rowcount != 1:
        db.session.rollback()
        return BeatResult(total - credit, was_complete, 0, "concurrent")
    db.session.commit()
    progress = {"study_seconds": total, "frontier": frontier, "interval": interval}
    completed = was_complete or _complete_if_done(user, activity, state_id, progress, now)
    return BeatResult(total, completed, credit, reason)


def _complete_if_done(user: User, activity: Activity, state_id: int, progress: dict,
                      now: datetime) -> bool:
    kind = registry().get(activity.type_key)
    if kind is None or not kind.is_complete(activity.config, progress):
        return False
    done = db.session.execute(
        update(ActivityState).where(ActivityState.id == state_id,
                                    ActivityState.completed_at.is_(None))
        .values(completed_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    if done.rowcount == 1:
        complete_course_if_done(user, activity.course, now)
    return True


def course_hours(seconds: int, course: Course) -> float:
    """Credited time as study hours: the configured minutes per hour, capped at the course."""
    per_hour = float(current_app.config["LMS_MINUTES_PER_HOUR"]) * 60
    return round(min(seconds / per_hour, course.hours), 2)


def complete_course_if_done(user: User, course: Course, now: datetime) -> bool:
    """When every live activity is complete, mark the enrolment and announce it once."""
    live = select(Activity.id).where(Activity.course_id == course.id,
                                     Activity.retired.is_(False))
    total = db.session.scalar(select(func.count()).select_from(live.subquery()))
    done, seconds = db.session.execute(
        select(func.count(ActivityState.completed_at), func.coalesce(
            func.sum(ActivityState.study_seconds), 0))
        .where(ActivityState.user_id == user.id, ActivityState.activity_id.in_(live))).one()
    if not total or done < total:
        return False
    hours = course_hours(int(seconds), course)
    marked = db.session.execute(
        update(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id,
                                Enrolment.completed_at.is_(None))
        .values(completed_at=now, hours=hours).execution_options(synchronize_session=False))
    db.session.commit()
    if marked.rowcount == 1:  # only the request that completed it announces it
        course_completed.send(current_app._get_current_object(), user_id=user.id,
                              course_id=course.id, title=course.title, hours=hours,
                              completed_at=now)
    return True
