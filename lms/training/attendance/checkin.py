"""Taking attendance: a check-in code the organiser opens for a session (six random digits,
valid a set number of minutes, shown large and as a QR code), a trainee checking in with it,
and the roster the organiser marks.

A refused check-in writes nothing and names the problem in one sentence; each refusal counts
against the trainee's allowance (`LMS_CHECKIN_LIMIT`, default 10 per 15 minutes), so codes
cannot be found by trying them all.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from limits import parse
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.audit import services as audit
from lms.auth.models import User
from lms.core import allowances
from lms.core.timeutil import local_minute, utcnow
from lms.extensions import db
from lms.org import credit
from lms.training.attendance.errors import refuse
from lms.training.attendance.rates import ATTENDING
from lms.training.models import ClassSession, ClassTrainee, SessionAttendance, TrainingClass

CODE_DIGITS = 6
DEFAULT_MINUTES = 15
MAX_MINUTES = 240
MINUTES_LABEL = _l("Valid for (minutes)")


@dataclass
class CheckedIn:
    """A check-in that went through (`created` False: the trainee was already present)."""

    session: ClassSession
    created: bool


def _running(cls: TrainingClass) -> None:
    if cls.status != "running":
        raise refuse(_("Attendance is taken while the class is running; this class is not."),
                     code="not_running")


def code_open(session: ClassSession) -> bool:
    """Whether the session's code may be used now."""
    return bool(session.checkin_code and session.code_expires_at
                and session.code_expires_at > utcnow())


def open_code(session: ClassSession, minutes: int | None, *, actor_id: int) -> ClassSession:
    """Give the session a new random code valid `minutes` (1–240) from now; audit, commit.
    A code is never one still open on another session."""
    _running(session.training_class)
    if minutes is None or not 1 <= minutes <= MAX_MINUTES:
        raise refuse(_("%(field)s must be a whole number from 1 to %(n)d.",
                       field=MINUTES_LABEL, n=MAX_MINUTES), "minutes")
    now = utcnow()
    while True:
        code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
        taken = db.session.scalar(select(ClassSession.id).where(
            ClassSession.checkin_code == code, ClassSession.code_expires_at > now,
            ClassSession.id != session.id).limit(1))
        if taken is None:
            break
    session.checkin_code = code
    session.code_expires_at = (now + timedelta(minutes=minutes)).replace(microsecond=0)
    audit.log("class.attendance", actor=actor_id,
              detail={"class": session.class_id, "session": session.id, "step": "code.open",
                      "minutes": minutes})
    db.session.commit()
    return session


def close_code(session: ClassSession, *, actor_id: int) -> ClassSession:
    """End the session's code now (it then reads as expired); audit, commit."""
    if code_open(session):
        session.code_expires_at = utcnow().replace(microsecond=0)
        audit.log("class.attendance", actor=actor_id,
                  detail={"class": session.class_id, "session": session.id,
                          "step": "code.close"})
        db.session.commit()
    return session


# ---- checking in ---------------------------------------------------------------------------

def _limit():
    return parse(current_app.config["LMS_CHECKIN_LIMIT"])


def wait_seconds(user_id: int) -> int:
    """Seconds before the user may try a code again (0: now)."""
    return allowances.wait_seconds(_limit(), "training-checkin", str(user_id))


def _failed(user_id: int, message: str, code: str):
    allowances.hit(_limit(), "training-checkin", str(user_id))
    return refuse(message, "code", code)


def check_in(user: User, code: str | None, session: ClassSession | None = None) -> CheckedIn:
    """Check `user` in with a code: it must be the open code of a session (of `session`,
    when given) of a running class where the user is an expected trainee. Raises `Refused`
    (field "code") naming the problem, writing nothing but a count against the user's
    allowance."""
    wait = wait_seconds(user.id)
    if wait:
        raise refuse(_("Too many codes were refused; try again in %(n)d seconds.", n=wait),
                     "code", "too_many")
    code = (code or "").strip()
    if not (len(code) == CODE_DIGITS and code.isascii() and code.isdigit()):
        raise _failed(user.id, _("A check-in code is %(n)d digits.", n=CODE_DIGITS),
                      "wrong_code")
    now = utcnow()
    found = db.session.execute(
        select(ClassSession, ClassTrainee.status)
        .join(TrainingClass, TrainingClass.id == ClassSession.class_id)
        .outerjoin(ClassTrainee, (ClassTrainee.class_id == ClassSession.class_id)
                   & (ClassTrainee.user_id == user.id))
        .where(ClassSession.checkin_code == code, TrainingClass.status == "running",
               *([ClassSession.id == session.id] if session is not None else []))
        .order_by(ClassSession.code_expires_at.desc())).all()
    mine = [(s, st) for s, st in found if st in ATTENDING]
    live = [s for s, _st in mine if s.code_expires_at and s.code_expires_at > now]
    if live:
        opened = live[0]
        already = db.session.scalar(select(SessionAttendance.id).where(
            SessionAttendance.session_id == opened.id,
            SessionAttendance.user_id == user.id))
        if already is not None:
            return CheckedIn(opened, False)
        db.session.add(SessionAttendance(session_id=opened.id, user_id=user.id,
                                         method="code", at=now))
        audit.log("class.attendance", actor=user.id, target=user.id,
                  detail={"class": opened.class_id, "session": opened.id,
                          "step": "checkin", "method": "code"})
        try:
            db.session.commit()
        except IntegrityError:  # the same trainee's other device, a moment earlier
            db.session.rollback()
            return CheckedIn(opened, False)
        return CheckedIn(opened, True)
    if mine:
        attended = db.session.scalar(select(SessionAttendance.session_id).where(
            SessionAttendance.user_id == user.id,
            SessionAttendance.session_id.in_([s.id for s, _st in mine])).limit(1))
        if attended is not None:  # the same code again after it expired: nothing to do
            return CheckedIn(next(s for s, _st in mine if s.id == attended), False)
        raise _failed(user.id, _("This check-in code has expired (at %(at)s); ask the organiser "
                                 "for the new one.", at=local_minute(mine[0][0].code_expires_at)),
                      "expired")
    if any(st is None or st not in ATTENDING for _s, st in found):
        raise _failed(user.id, _("This check-in code is not for a class you attend."),
                      "other_class")
    raise _failed(user.id, _("This check-in code is wrong; check the digits and try again."),
                  "wrong_code")


# ---- the roster ----------------------------------------------------------------------------

def mark_roster(session: ClassSession, present: Iterable[int], *, actor: User,
                among: Iterable[int] | None = None) -> tuple[int, int]:
    """Mark the session's expected trainees present (`present`, user ids) or absent (the
    others), method "roster"; a check-in by code is never undone by the roster. With
    `among` (the user ids a page of the roster showed) only those are touched. Trainees the
    organiser may not credit (four eyes) are left as they are. Audits and commits; returns
    (marked present, marked absent)."""
    _running(session.training_class)
    if session.starts_at > utcnow():
        raise refuse(_("The session “%(title)s” has not started yet; mark its roster once it "
                       "has.", title=session.title), code="not_started")
    trainees = list(db.session.scalars(select(ClassTrainee).where(
        ClassTrainee.class_id == session.class_id, ClassTrainee.status.in_(ATTENDING))))
    if among is not None:
        shown = set(among)
        trainees = [t for t in trainees if t.user_id in shown]
    refused = credit.refusals([t.user_id for t in trainees], actor)
    wanted = set(present)
    rows = {a.user_id: a for a in db.session.scalars(select(SessionAttendance).where(
        SessionAttendance.session_id == session.id))}
    added = removed = 0
    for trainee in trainees:
        uid = trainee.user_id
        if uid in refused:
            continue
        row = rows.get(uid)
        if uid in wanted and row is None:
            db.session.add(SessionAttendance(session_id=session.id, user_id=uid,
                                             method="roster", marked_by=actor.id))
            added += 1
        elif uid not in wanted and row is not None and row.method == "roster":
            db.session.delete(row)
            removed += 1
    if added or removed:
        audit.log("class.attendance", actor=actor.id,
                  detail={"class": session.class_id, "session": session.id, "step": "roster",
                          "present": added, "absent": removed})
    db.session.commit()
    return added, removed
