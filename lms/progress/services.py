"""Enrolment and the crediting of study time. Every rule is decided here, on the server.

A heartbeat credits time only when the page is visible, when it follows the previous beat
within the expected interval (no credit across a gap, never more than the real time elapsed),
when its sequence number is new (replays and duplicates earn nothing), when no presence check
is waiting for an answer, and when it is for the one activity the learner is studying now.
For media, the played frontier moves at most twice as fast as real time, so seeking ahead
never counts.

Beats kept by the page while offline arrive late with their `age`; a late beat is placed at
the time it was taken, within a bounded window, and never before the previous beat, so a run
of replayed beats credits at most the real time since the server saw the run start.

A steady beat costs one read (the state joined with the study clock, its holder's last
credit, the activity and its course's status) and one conditional UPDATE; the clock is written
only when it changes hands.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import (
    DateTime,
    and_,
    bindparam,
    exists,
    func,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from lms.activities.registry import registry
from lms.auth.models import ApiToken, User
from lms.catalog.models import Activity, ActivityState, Course, MediaFile
from lms.core.cache import LRU
from lms.core.params import finite_number, is_db_id
from lms.core.signals import course_completed
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org import credit
from lms.progress.hours import course_hours
from lms.progress.models import Enrolment, StudyClock

GAP_FACTOR = 1.5     # a beat later than 1.5 intervals after the previous one starts afresh
MAX_RATE = 2.0       # media frontier advances at most twice as fast as real time
SEEK_SLACK = 2.0     # seconds of tolerance on reported positions
EPOCH = datetime(1970, 1, 1)


class ProgressError(ValueError):
    """A refused study action (e.g. enrolling in a course that is not open)."""


def enrolment(user: User, course: Course) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id,
                                                     Enrolment.course_id == course.id))


def learner_in_course(user_id: int, course_id: int, activity_ids: list[int]
                      ) -> tuple[dict[int, ActivityState], Enrolment | None]:
    """A learner's enrolment in a course and their states in these of its activities, in one
    query (the enrolment, if any, beside each state, if any)."""
    mine = select(Enrolment).where(Enrolment.user_id == user_id,
                                   Enrolment.course_id == course_id).subquery()
    states = select(ActivityState).where(ActivityState.user_id == user_id,
                                         ActivityState.activity_id.in_(activity_ids)).subquery()
    enrolment_row, state_row = aliased(Enrolment, mine), aliased(ActivityState, states)
    rows = db.session.execute(select(enrolment_row, state_row).select_from(mine)
                              .join(states, true(), full=True)).all()
    enrolment = next((e for e, _s in rows if e is not None), None)
    return {s.activity_id: s for _e, s in rows if s is not None}, enrolment


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
    presence_check: bool = False


# Reasons after which time counts from this beat on (the page need not do anything).
COUNTING = frozenset({"credited", "started", "gap"})


def beat_message(reason: str) -> str:
    """Why a beat earned nothing and what the learner can do, in one sentence ("" when the
    beat counted or there is nothing to do). A steady beat asks for no translation (which
    would look up the reader's language)."""
    if reason in ("credited", "started", "replayed"):
        return ""
    messages = {
        "gap": _("The time since the page last reported was not counted (the device slept or "
                 "the page was closed); counting resumes now."),
        "hidden": _("Time is not counted while this page is hidden: bring this tab or window "
                    "back to the front to continue."),
        "other_activity": _("Time is not counted here: another activity is being studied in "
                            "another tab or window. Close it, or study one activity at a time."),
        "presence": _("Time is paused until you confirm that you are still studying."),
        "stale": _("A report kept too long on this device was not counted; counting resumes "
                   "with the next one."),
        "concurrent": _("Two reports arrived at the same moment; one was not counted."),
    }
    return messages.get(reason, "")


def beat_answer(result: BeatResult) -> dict:
    """The heartbeat's JSON answer: the result, whether time counts now and, when it does not,
    why (`reason`, a code) in one localised sentence (`message`)."""
    return {**asdict(result), "counting": result.reason in COUNTING,
            "message": beat_message(result.reason)}


@dataclass(frozen=True)
class Target:
    """What a beat needs of the activity studied: loaded with the state, not as an object."""

    id: int
    course_id: int
    type_key: str
    config: dict
    updated_at: datetime


@dataclass
class _Seen:
    """The one read of a beat: the learner's state, the study clock and its holder's last
    credit, the activity and whether its course is open for study."""

    state_id: int
    last_seq: int
    study_seconds: int
    completed_at: datetime | None
    last_beat_at: datetime | None
    presence_due_at: datetime | None
    frontier: float
    position: float
    holder_id: int | None
    holder_credited: datetime | None
    open: bool  # a live activity of a published course
    target: Target


def _read_statement(*, by_token: bool = False):
    """The beat's one read, built once; only the two ids change from beat to beat.

    `by_token`: the learner is named by an API token's digest instead of their id, and the
    token's user, its last use and whether the account is active come first in the row (the
    API's steady beat authenticates and reads in one statement)."""
    holder = aliased(ActivityState, name="holder")
    s = ActivityState
    columns = (s.id, s.last_seq, s.study_seconds, s.completed_at, s.last_beat_at,
               s.presence_due_at, s.frontier, s.position, StudyClock.activity_id,
               holder.credited_at, Activity.retired, Course.status, Activity.id,
               Activity.course_id, Activity.type_key, Activity.config, Activity.updated_at)
    if by_token:
        columns = (ApiToken.id, ApiToken.user_id, ApiToken.last_used_at, User.is_active_flag,
                   *columns)
    stmt = (select(*columns)
            .join(Activity, Activity.id == s.activity_id)
            .join(Course, Course.id == Activity.course_id)
            .outerjoin(StudyClock, StudyClock.user_id == s.user_id)
            .outerjoin(holder, and_(holder.user_id == StudyClock.user_id,
                                    holder.activity_id == StudyClock.activity_id)))
    if by_token:
        return (stmt.join(ApiToken, ApiToken.user_id == s.user_id)
                .join(User, User.id == s.user_id)
                .where(ApiToken.digest == bindparam("digest"), ApiToken.revoked_at.is_(None),
                       s.activity_id == bindparam("activity_id")))
    return stmt.where(s.user_id == bindparam("user_id"),
                      s.activity_id == bindparam("activity_id"))


_READ = _read_statement()
_READ_BY_TOKEN = _read_statement(by_token=True)

# The beat's one write: conditional on the sequence number read, so a concurrent beat with
# the same previous number earns nothing. `credited_at` keeps its value when given NULL.
_WRITE = (update(ActivityState)
          .where(ActivityState.id == bindparam("state_id"),
                 ActivityState.last_seq == bindparam("prev_seq"),
                 # A credited beat still holds the study clock when it writes (another
                 # activity may have taken it over since the read).
                 or_(bindparam("credit") == 0, exists().where(
                     StudyClock.user_id == ActivityState.user_id,
                     StudyClock.activity_id == ActivityState.activity_id)))
          .values(study_seconds=ActivityState.study_seconds + bindparam("credit"),
                  last_seq=bindparam("seq"), last_beat_at=bindparam("beat_at"),
                  frontier=bindparam("frontier"), position=bindparam("position"),
                  presence_due_at=bindparam("presence_due_at"),
                  credited_at=func.coalesce(bindparam("credited_at", type_=DateTime),
                                            ActivityState.credited_at))
          .execution_options(synchronize_session=False))


def _seen(row) -> _Seen:
    *state, retired, status, aid, course_id, type_key, config, updated_at = row
    return _Seen(*state, open=not retired and status == "published",
                 target=Target(aid, course_id, type_key, config, updated_at))


def _read(user_id: int, activity_id: int) -> _Seen | None:
    """The state, the clock, its holder's last credit and the activity, in one query."""
    row = db.session.execute(_READ, {"user_id": user_id, "activity_id": activity_id}).first()
    return None if row is None else _seen(row)


@dataclass(frozen=True)
class Learner:
    """A learner known by id only: all that a beat, and a completion it brings, reads."""

    id: int


def parse_beat(body) -> dict | None:
    """A heartbeat's JSON body as `apply_beat`'s arguments; None when it is no valid beat."""
    if not isinstance(body, dict):  # a list, a string or a number is no beat
        return None
    seq, position, age = body.get("seq"), body.get("position"), body.get("age", 0)
    if not is_db_id(seq) or not isinstance(body.get("visible"), bool) \
            or (position is not None and finite_number(position) is None) \
            or finite_number(age) is None:
        return None
    return {"seq": seq, "visible": body["visible"], "position": position, "age": float(age)}


@dataclass(frozen=True)
class TokenBeat:
    """What the API's steady beat read: the token's learner and their state."""

    token_id: int
    user_id: int
    last_used_at: datetime | None
    active: bool
    seen: _Seen


def read_by_token(digest: str, activity_id: int) -> TokenBeat | None:
    """The learner of an unrevoked API token (by its digest) and their state in the activity,
    in one query; None when the token is unknown or revoked or the learner has no state there
    yet (a first visit)."""
    row = db.session.execute(_READ_BY_TOKEN, {"digest": digest,
                                              "activity_id": activity_id}).first()
    if row is None:
        return None
    token_id, user_id, last_used_at, active, *rest = row
    return TokenBeat(token_id, user_id, last_used_at, active, _seen(rest))


def starting_state(activity: Activity) -> dict:
    """The state a learner's row in `activity` starts with: its type's `initial_state()`."""
    kind = registry().get(activity.type_key)
    return dict(kind.initial_state()) if kind is not None else {}


def first_visit(user: User, activity: Activity) -> _Seen:
    """Create the learner's state on their first beat here, enrolling them if needed."""
    if enrolment(user, activity.course) is None:
        enrol(user, activity.course)
    db.session.add(ActivityState(user_id=user.id, activity_id=activity.id,
                                 state=starting_state(activity)))
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent first beat created it
        db.session.rollback()
    seen = _read(user.id, activity.id)
    if seen is None:  # pragma: no cover - the row was just written or found
        raise ProgressError("no activity state")
    return seen


def studied_before(user: User, activity_id: int) -> _Seen | None:
    """The learner's state in an activity they have studied before (None on a first visit)."""
    return _read(user.id, activity_id)


def _seconds(moment: datetime) -> int:
    """Whole seconds since the epoch: credits telescope, so a run never gains or loses time."""
    return int((moment - EPOCH).total_seconds())


def _take_clock(user_id: int, activity_id: int, seen: _Seen, beat_at: datetime,
                interval: float) -> bool:
    """True when `activity_id` may earn now: it holds the clock or takes it over."""
    if seen.holder_id == activity_id:
        return True
    if seen.holder_id is None:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(StudyClock).values(
                    user_id=user_id, activity_id=activity_id))
            return True
        except IntegrityError:  # another activity's first beat took it at the same moment
            return False
    busy = seen.holder_credited is not None and \
        (beat_at - seen.holder_credited).total_seconds() <= interval * GAP_FACTOR
    if busy:
        return False
    taken = db.session.execute(
        update(StudyClock).where(StudyClock.user_id == user_id,
                                 StudyClock.activity_id == seen.holder_id)
        .values(activity_id=activity_id)
        .execution_options(synchronize_session=False))
    return taken.rowcount == 1


def _next_presence_check(beat_at: datetime) -> datetime | None:
    """A random moment for the next presence check (None when checks are off)."""
    minutes = float(current_app.config["LMS_PRESENCE_CHECK_MINUTES"])
    if minutes <= 0:
        return None
    factor = 0.5 + secrets.randbelow(1001) / 1000  # 0.5 to 1.5 times the mean
    return beat_at + timedelta(minutes=minutes * factor)


def heartbeat(user: User, activity: Activity, *, seq: int, visible: bool,
              position: float | None = None, age: float = 0.0,
              now: datetime | None = None) -> BeatResult:
    """Apply one heartbeat and return the learner's credited total for the activity.

    `age` is how many seconds ago the page took the beat (beats kept while offline).
    """
    seen = _read(user.id, activity.id) or first_visit(user, activity)
    return apply_beat(user, seen, seq=seq, visible=visible, position=position, age=age,
                      now=now)


def apply_beat(user: User | Learner, seen: _Seen, *, seq: int, visible: bool,
               position: float | None = None, age: float = 0.0,
               now: datetime | None = None) -> BeatResult:
    """Apply a beat to a state read by `_read` (see `heartbeat`). Of `user`, only the id is
    read.

    The beat's UPDATE is committed before this returns: on a connection in autocommit (the
    API's short path, `steady`) by the statement itself, otherwise by the commit below."""
    now = now or utcnow()
    config = current_app.config
    interval = float(config["LMS_HEARTBEAT_SECONDS"])
    state, activity = seen, seen.target
    was_complete = state.completed_at is not None
    if seq <= state.last_seq:
        return BeatResult(state.study_seconds, was_complete, 0, "replayed")

    reason = "credited"
    if not 0 <= age <= float(config["LMS_BEAT_REPLAY_SECONDS"]):
        reason, age = "stale", 0.0
    beat_at = now - timedelta(seconds=age)
    last = state.last_beat_at
    if last is not None and beat_at < last:
        beat_at = last  # beats never go back in time
    elapsed = (beat_at - last).total_seconds() if last is not None else None
    if elapsed is None or elapsed > interval * GAP_FACTOR:
        beat_at, elapsed = now, None  # a run starts when the server sees it
        if reason == "credited":
            reason = "started" if last is None else "gap"
    if reason == "credited" and not visible:
        reason = "hidden"
    presence_due = state.presence_due_at
    if reason == "credited" and presence_due is not None and beat_at >= presence_due:
        reason = "presence"
    if reason == "credited" and not _take_clock(user.id, activity.id, seen, beat_at, interval):
        reason = "other_activity"

    credit = 0
    if reason == "credited" and last is not None:
        credit = max(0, min(_seconds(beat_at) - _seconds(last), int(interval)))
        if presence_due is None:
            presence_due = _next_presence_check(beat_at)
    frontier, last_position = state.frontier, state.position
    if position is not None:
        last_position = max(0.0, float(position))
        if reason == "credited":
            # The tolerance scales with the time elapsed, so many quick beats cannot add it
            # up into a skip ahead.
            slack = SEEK_SLACK * min(1.0, (elapsed or 0) / interval)
            reachable = state.frontier + MAX_RATE * (elapsed or 0) + slack
            frontier = max(state.frontier, min(last_position, reachable))
    updated = db.session.execute(_WRITE, {
        "state_id": state.state_id, "prev_seq": state.last_seq, "credit": credit, "seq": seq,
        "beat_at": beat_at, "frontier": frontier, "position": last_position,
        "presence_due_at": presence_due,
        "credited_at": beat_at if reason == "credited" else None})
    # The write succeeded only if nothing changed since the read, so the totals are known
    # without reading them back.
    state_id, total = state.state_id, state.study_seconds + credit
    if updated.rowcount != 1:
        db.session.rollback()
        return BeatResult(total - credit, was_complete, 0, "concurrent")
    # Whether this credit completes the activity is decided from the activity as read: a
    # steady beat does not load it again.
    due, progress = False, {}
    if not was_complete and credit > 0:
        progress = {"study_seconds": total, "frontier": frontier, "interval": interval,
                    "durations": media_durations(activity)}
        kind = registry().get(activity.type_key)
        due = kind is not None and kind.is_complete(activity.config, progress)
    db.session.commit()
    checking = reason == "presence"
    if not due:
        return BeatResult(total, was_complete, credit, reason, checking)
    mark_complete(user, db.session.get(Activity, activity.id), beat_at, state_id=state_id)
    return BeatResult(total, True, credit, reason, checking)


def answer_presence(user: User, activity: Activity, now: datetime | None = None) -> bool:
    """The learner answered a presence check: credit resumes from now. False if none waited."""
    now = now or utcnow()
    answered = db.session.execute(
        update(ActivityState)
        .where(ActivityState.user_id == user.id, ActivityState.activity_id == activity.id,
               ActivityState.presence_due_at.is_not(None),
               ActivityState.presence_due_at <= now)
        .values(presence_due_at=_next_presence_check(now), last_beat_at=now)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return answered.rowcount == 1


_durations = LRU(size=2048)


def media_durations(activity: Activity | Target) -> dict[str, float]:
    """Durations (seconds) of the course's media files named in the activity's config.

    Cached per activity version and for at most five minutes, so a file replaced under the
    same name is seen soon without a query on every beat."""
    key = (activity.id, activity.updated_at, int(time.monotonic() // 300))

    def build() -> dict[str, float]:
        paths = {v for v in activity.config.values() if isinstance(v, str)}
        if not paths:
            return {}
        return dict(db.session.execute(
            select(MediaFile.path, MediaFile.duration).where(
                MediaFile.course_id == activity.course_id, MediaFile.path.in_(paths),
                MediaFile.duration.is_not(None))).all())

    return _durations.get_or_build(key, build)


def mark_complete(user: User | Learner, activity: Activity, now: datetime, *,
                  state_id: int | None = None) -> bool:
    """Record that the learner completed `activity` (once); complete the course when due.

    Used by study time, attendance and graded activities alike. True when this call marked it.
    """
    if state_id is None:
        state_id = db.session.scalar(select(ActivityState.id).where(
            ActivityState.user_id == user.id, ActivityState.activity_id == activity.id))
    done = db.session.execute(
        update(ActivityState).where(ActivityState.id == state_id,
                                    ActivityState.completed_at.is_(None))
        .values(completed_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    if done.rowcount == 1:
        complete_course_if_done(user, activity.course, now)
    return done.rowcount == 1


def ensure_state(user: User, activity: Activity) -> int:
    """The learner's state row in `activity` (created, enrolling them, on first use)."""
    state_id = db.session.scalar(select(ActivityState.id).where(
        ActivityState.user_id == user.id, ActivityState.activity_id == activity.id))
    return state_id if state_id is not None else first_visit(user, activity).state_id


def record_result(user: User, activity: Activity, score: float, passed: bool,
                  now: datetime) -> bool:
    """Keep a graded result in the learner's state (the best score; passed once passed); the
    activity's type decides from them whether it is complete. True when this completed it."""
    state_id = ensure_state(user, activity)
    state = db.session.get(ActivityState, state_id)
    state.score = score if state.score is None else max(state.score, score)
    state.passed = bool(state.passed) or passed
    db.session.commit()
    kind = registry().get(activity.type_key)
    done = kind is not None and kind.is_complete(
        activity.config, {"score": state.score, "passed": state.passed})
    return done and mark_complete(user, activity, now, state_id=state_id)


def course_rule_met(course: Course, done_required: int, required: int, done_all: int) -> bool:
    """The course's rule: every non-optional activity, and at least N when N is set."""
    if required == 0 and not course.completion_count:
        return False  # a course with nothing to complete never completes by itself
    return done_required >= required and done_all >= (course.completion_count or 0)


def _live(course: Course):
    return and_(Activity.course_id == course.id, Activity.retired.is_(False))


def _required_count(course: Course) -> int:
    """How many live activities of the course are not optional."""
    return db.session.scalar(select(func.count()).where(
        _live(course), Activity.optional.is_(False))) or 0


# A learner's completed live activities: all of them, and those not optional.
_DONE = (func.count(ActivityState.completed_at),
         func.count(ActivityState.completed_at).filter(Activity.optional.is_(False)))


def complete_course_if_done(user: User | Learner, course: Course, now: datetime, *,
                            required: int | None = None) -> bool:
    """When the course's rule is met, mark the enrolment and announce it once.

    `required` (the course's count of required live activities) may be passed by a caller
    that checks many learners of one course."""
    if required is None:
        required = _required_count(course)
    done_all, done_required, seconds = db.session.execute(
        select(*_DONE, func.coalesce(func.sum(ActivityState.study_seconds), 0))
        .join(Activity, Activity.id == ActivityState.activity_id)
        .where(_live(course), ActivityState.user_id == user.id)).one()
    if not course_rule_met(course, done_required, required, done_all):
        return False
    hours = course_hours(int(seconds), course)
    marked = db.session.execute(
        update(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id,
                                Enrolment.completed_at.is_(None))
        .values(completed_at=now, hours=hours).execution_options(synchronize_session=False))
    if marked.rowcount == 1:  # only the request that completed it announces it
        course_completed.send(current_app._get_current_object(), user_id=user.id,
                              course_id=course.id, title=course.title, hours=hours,
                              completed_at=now)
    db.session.commit()  # the completion and what the receivers wrote, together
    return True


def own_attendance_text() -> str:
    """Why a lecturer holding no administrative role does not mark their own attendance."""
    return _("This is your own attendance: another lecturer of the course or an administrator "
             "over your unit marks it.")


def record_attendance(activity: Activity, user_ids: list[int], actor: User,
                      now: datetime | None = None) -> int:
    """Mark attendance (completing the activity) for enrolled learners; returns how many new.

    The caller has checked that `actor` may mark each of them; four eyes are checked here:
    nobody marks their own attendance, a peer's or a superior's (`ProgressError`, nothing
    marked).
    """
    refused = credit.refusals(user_ids, actor, own=own_attendance_text())
    if refused:
        raise ProgressError(next(iter(refused.values())))
    now = now or utcnow()
    existing = set(db.session.scalars(select(ActivityState.user_id).where(
        ActivityState.activity_id == activity.id, ActivityState.user_id.in_(user_ids))))
    start = starting_state(activity)
    db.session.add_all(ActivityState(user_id=uid, activity_id=activity.id, state=dict(start))
                       for uid in user_ids if uid not in existing)
    db.session.flush()
    fresh = list(db.session.scalars(select(ActivityState.user_id).where(
        ActivityState.activity_id == activity.id, ActivityState.user_id.in_(user_ids),
        ActivityState.completed_at.is_(None))))
    marked = 0
    if fresh:
        marked = db.session.execute(
            update(ActivityState).where(ActivityState.activity_id == activity.id,
                                        ActivityState.user_id.in_(fresh),
                                        ActivityState.completed_at.is_(None))
            .values(state={"attended": True, "marked_by": actor.id}, completed_at=now)
            .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if fresh:
        course = activity.course
        required = _required_count(course)
        for user in db.session.scalars(select(User).where(User.id.in_(fresh))):
            complete_course_if_done(user, course, now, required=required)
    return marked


def recheck_course(course_id: int, now: datetime | None = None) -> int:
    """After a course's rule changed, complete it for enrolled learners who now meet it.

    One grouped query finds them; only those are completed (usually none or a few).
    """
    course = db.session.get(Course, course_id)
    if course is None or course.status != "published":
        return 0
    required = _required_count(course)
    rows = db.session.execute(
        select(ActivityState.user_id, *_DONE)
        .join(Activity, Activity.id == ActivityState.activity_id)
        .join(Enrolment, and_(Enrolment.user_id == ActivityState.user_id,
                              Enrolment.course_id == course.id,
                              Enrolment.completed_at.is_(None)))
        .where(_live(course)).group_by(ActivityState.user_id)).all()
    due = [uid for uid, done_all, done_required in rows
           if course_rule_met(course, done_required, required, done_all)]
    now = now or utcnow()
    for user in db.session.scalars(select(User).where(User.id.in_(due))) if due else []:
        complete_course_if_done(user, course, now, required=required)
    return len(due)
