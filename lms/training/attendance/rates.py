"""Attendance rates and the leave limit (DOMAIN.md: leave may not exceed 1/7 of a class's
hours; beyond that the trainee is withdrawn, 退学), computed from the sessions, the
attendance and the leave granted.

- A session is *held* once it has started.
- A trainee's attendance rate is the hours of held sessions they attended over the hours of
  held sessions; the class's is the same over all its expected trainees.
- A trainee's leave hours are the hours of sessions with leave granted that they did not
  attend anyway; the trainee is over the limit when those hours are strictly greater than
  the class's `leave_limit` times its `hours` (both the class's own numbers).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select

from lms.core.i18n import chinese
from lms.core.numbers import amount, amount_text
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.training.models import (
    ClassSession,
    ClassTrainee,
    LeaveRequest,
    SessionAttendance,
    TrainingClass,
)

# Trainees expected at the sessions: they check in, are on the roster, ask for leave.
ATTENDING = ("assigned", "confirmed")
EPSILON = 1e-6  # 5 hours of leave against a limit of 35 × 1/7 is not over it


@dataclass
class TraineeSheet:
    """One trainee's attendance and leave in a class."""

    trainee: ClassTrainee
    attended: set[int] = field(default_factory=set)  # session ids
    leave: dict[int, LeaveRequest] = field(default_factory=dict)  # session id -> request
    attended_hours: float = 0.0
    held_hours: float = 0.0
    leave_hours: float = 0.0
    over_limit: bool = False

    @property
    def rate(self) -> float | None:
        """Attended hours over held hours (None before any session with hours was held)."""
        return self.attended_hours / self.held_hours if self.held_hours > 0 else None


def limit_hours(cls: TrainingClass) -> float:
    """The most leave a trainee of this class may take, in hours."""
    return (cls.leave_limit or 0.0) * (cls.hours or 0.0)


def is_over(cls: TrainingClass, leave_hours: float) -> bool:
    """Leave strictly beyond the class's limit."""
    return leave_hours > limit_hours(cls) + EPSILON


def held(sessions: Sequence[ClassSession], now: datetime | None = None) -> list[ClassSession]:
    """The sessions that have started."""
    now = now or utcnow()
    return [s for s in sessions if s.starts_at <= now]


def sheets(cls: TrainingClass, trainees: Sequence[ClassTrainee],
           now: datetime | None = None) -> list[TraineeSheet]:
    """The attendance and leave of `trainees` of the class, in two queries whatever their
    number (the class's sessions are loaded once with it)."""
    by_id = {s.id: s for s in cls.sessions}
    user_ids = [t.user_id for t in trainees]
    attended: dict[int, set[int]] = defaultdict(set)
    leave: dict[int, dict[int, LeaveRequest]] = defaultdict(dict)
    if user_ids and by_id:
        for uid, sid in db.session.execute(select(
                SessionAttendance.user_id, SessionAttendance.session_id).where(
                SessionAttendance.session_id.in_(by_id), SessionAttendance.user_id.in_(user_ids))):
            attended[uid].add(sid)
        for request in db.session.scalars(select(LeaveRequest).where(
                LeaveRequest.session_id.in_(by_id), LeaveRequest.user_id.in_(user_ids))):
            leave[request.user_id][request.session_id] = request
    return [_sheet(cls, trainee, attended[trainee.user_id], leave[trainee.user_id], now)
            for trainee in trainees]


def _sheet(cls: TrainingClass, trainee: ClassTrainee, mine: set[int],
           asked: dict[int, LeaveRequest], now: datetime | None) -> TraineeSheet:
    by_id = {s.id: s for s in cls.sessions}
    held_ids = {s.id for s in held(cls.sessions, now)}
    leave_hours = sum(by_id[sid].hours for sid, r in asked.items()
                      if r.status == "approved" and sid not in mine)
    return TraineeSheet(
        trainee=trainee, attended=mine, leave=asked,
        attended_hours=amount(sum(by_id[sid].hours for sid in mine & held_ids)),
        held_hours=amount(sum(by_id[i].hours for i in held_ids)),
        leave_hours=amount(leave_hours), over_limit=is_over(cls, leave_hours))


def own_sheets(trainees: Sequence[ClassTrainee], user_id: int,
               now: datetime | None = None) -> list[TraineeSheet]:
    """One user's sheet in each of their classes (`trainees`, whose classes' sessions are
    loaded), in two queries whatever the number of classes."""
    session_ids = [s.id for t in trainees for s in t.training_class.sessions]
    attended: set[int] = set()
    leave: dict[int, LeaveRequest] = {}
    if session_ids:
        attended = set(db.session.scalars(select(SessionAttendance.session_id).where(
            SessionAttendance.user_id == user_id,
            SessionAttendance.session_id.in_(session_ids))))
        leave = {r.session_id: r for r in db.session.scalars(select(LeaveRequest).where(
            LeaveRequest.user_id == user_id, LeaveRequest.session_id.in_(session_ids)))}
    out = []
    for trainee in trainees:
        ids = {s.id for s in trainee.training_class.sessions}
        out.append(_sheet(trainee.training_class, trainee, attended & ids,
                          {sid: r for sid, r in leave.items() if sid in ids}, now))
    return out


def class_rate(cls: TrainingClass, now: datetime | None = None) -> float | None:
    """The class's attendance rate: hours attended at held sessions by its expected
    trainees over those trainees times the held hours (None before any was held). Two
    queries."""
    now = now or utcnow()
    held_hours = sum(s.hours for s in held(cls.sessions, now))
    expected = db.session.scalar(select(func.count()).select_from(ClassTrainee).where(
        ClassTrainee.class_id == cls.id, ClassTrainee.status.in_(ATTENDING))) or 0
    if held_hours <= 0 or not expected:
        return None
    attended = db.session.scalar(
        select(func.coalesce(func.sum(ClassSession.hours), 0.0)).select_from(SessionAttendance)
        .join(ClassSession, ClassSession.id == SessionAttendance.session_id)
        .join(ClassTrainee, and_(ClassTrainee.class_id == ClassSession.class_id,
                                 ClassTrainee.user_id == SessionAttendance.user_id))
        .where(ClassSession.class_id == cls.id, ClassSession.starts_at <= now,
               ClassTrainee.status.in_(ATTENDING))) or 0.0
    return float(attended) / (held_hours * expected)


def over_limit(cls: TrainingClass) -> dict[int, float]:
    """{user id: leave hours} of the class's expected trainees whose leave passed the limit
    (one query): who the organiser should withdraw."""
    attended = exists().where(SessionAttendance.session_id == LeaveRequest.session_id,
                              SessionAttendance.user_id == LeaveRequest.user_id)
    rows = db.session.execute(
        select(LeaveRequest.user_id, func.sum(ClassSession.hours))
        .join(ClassSession, ClassSession.id == LeaveRequest.session_id)
        .join(ClassTrainee, and_(ClassTrainee.class_id == ClassSession.class_id,
                                 ClassTrainee.user_id == LeaveRequest.user_id))
        .where(ClassSession.class_id == cls.id, LeaveRequest.status == "approved",
               ClassTrainee.status.in_(ATTENDING), ~attended)
        .group_by(LeaveRequest.user_id)).all()
    return {uid: amount(hours) for uid, hours in rows if is_over(cls, float(hours or 0))}


# ---- words ---------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    """A whole number under 100 in Chinese numerals (7 → 七, 20 → 二十)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    if n >= 100:
        return str(n)
    return (_DIGITS[tens] if tens > 1 else "") + "十" + (_DIGITS[ones] if ones else "")


def share_text(share: float, plain: bool = False) -> str:
    """A share as people say it: 七分之一 in Chinese, 1/7 otherwise (and with `plain`)."""
    fraction = Fraction(share).limit_denominator(100)
    if chinese() and not plain:
        return f"{_chinese(fraction.denominator)}分之{_chinese(fraction.numerator)}"
    return f"{fraction.numerator}/{fraction.denominator}"


def over_text(cls: TrainingClass, leave_hours: float) -> str:
    """The withdrawal warning with its numbers, in one sentence."""
    return _("Leave of %(leave)s hours exceeds %(share)s of the class's %(hours)s hours "
             "(%(limit)s hours): the trainee is to be withdrawn.",
             leave=amount_text(leave_hours), share=share_text(cls.leave_limit),
             hours=amount_text(cls.hours), limit=amount_text(limit_hours(cls)))


def rule_text(cls: TrainingClass) -> str:
    """The leave rule of this class in one sentence."""
    return _("Leave may not exceed %(share)s of the class's %(hours)s hours (%(limit)s "
             "hours); a trainee whose granted leave goes beyond it is withdrawn and gets no "
             "credit.", share=share_text(cls.leave_limit), hours=amount_text(cls.hours),
             limit=amount_text(limit_hours(cls)))


def percent(rate: float | None) -> str:
    """A rate as a percentage ("—" when there is none yet)."""
    return "—" if rate is None else f"{rate * 100:.0f}%"


# ---- the class's own limit -----------------------------------------------------------------

LIMIT_LABEL = _l("Leave limit (share of the class's hours)")


def parse_share(text: str | None) -> float | None:
    """A share typed as a fraction ("1/7") or a decimal ("0.15") strictly between 0 and 1;
    None when it is not one."""
    raw = (text or "").strip().replace("／", "/")
    if not raw or len(raw) > 12:
        return None
    try:
        value = Fraction(raw)
    except (ValueError, ZeroDivisionError):
        return None
    return float(value) if 0 < value < 1 else None
