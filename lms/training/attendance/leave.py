"""Leave from a session: a trainee asks (with a reason), the class's organiser grants or
refuses (with a reply); notices both ways. Leave granted beyond the class's limit flags the
trainee for withdrawal, which the organiser confirms (`withdraw`)."""
from __future__ import annotations

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.audit import services as audit
from lms.auth.models import User
from lms.core.i18n import chinese
from lms.core.numbers import amount_text
from lms.core.timeutil import local_minute, utcnow
from lms.extensions import db
from lms.progress.notices import notify
from lms.training.attendance import people, rates
from lms.training.attendance.errors import refuse
from lms.training.models import (
    ClassSession,
    ClassTrainee,
    LeaveRequest,
    SessionAttendance,
    TrainingClass,
)

MAX_TEXT = 2000
# Leave is asked for and decided while the class is approved or running.
LEAVE_STATUSES = ("approved", "running")
REASON_LABEL = _l("Reason")
REPLY_LABEL = _l("Reply")


def _text(value: str | None, label, field: str, required: bool) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise refuse(_("%(field)s must be text.", field=label), field)
    if required and not text:
        raise refuse(_("%(field)s is required.", field=label), field)
    if len(text) > MAX_TEXT:
        raise refuse(_("%(field)s must be at most %(n)d characters.", field=label, n=MAX_TEXT),
                     field)
    return text


def trainee_of(cls_id: int, user_id: int) -> ClassTrainee | None:
    return db.session.scalar(select(ClassTrainee).where(
        ClassTrainee.class_id == cls_id, ClassTrainee.user_id == user_id))


def _my_classes_link() -> str:
    return url_for("training.my_classes")


def _sessions_link(cls: TrainingClass) -> str:
    return url_for("training.class_sessions", class_id=cls.id)


def request_leave(session: ClassSession, user: User, reason: str | None) -> LeaveRequest:
    """The trainee asks for leave from a session not yet over; the class's organisers are
    told. Refused (naming why, nothing written) for a session already attended or over, a
    class closed, or someone not expected at the class."""
    cls = session.training_class
    if cls.status not in LEAVE_STATUSES:
        raise refuse(_("The class is closed: leave can no longer be asked for."),
                     code="closed")
    trainee = trainee_of(cls.id, user.id)
    if trainee is None or trainee.status not in rates.ATTENDING:
        raise refuse(_("You are not expected at this class, so there is no leave to ask for."),
                     code="not_trainee")
    text = _text(reason, REASON_LABEL, "reason", required=True)
    if db.session.scalar(select(SessionAttendance.id).where(
            SessionAttendance.session_id == session.id,
            SessionAttendance.user_id == user.id)) is not None:
        raise refuse(_("You attended the session “%(title)s”: leave cannot be asked for it.",
                       title=session.title), "session", "attended")
    if session.ends_at <= utcnow():
        raise refuse(_("The session “%(title)s” is over: leave is asked for before a session "
                       "or while it runs.", title=session.title), "session", "over")
    leave = db.session.scalar(select(LeaveRequest).where(
        LeaveRequest.session_id == session.id, LeaveRequest.user_id == user.id))
    if leave is not None and leave.status != "refused":
        raise refuse(_("You have already asked for leave from “%(title)s”.",
                       title=session.title), "session", "duplicate")
    if leave is None:
        leave = LeaveRequest(session_id=session.id, user_id=user.id, reason=text)
        db.session.add(leave)
    else:  # asked again after a refusal
        leave.reason, leave.status, leave.requested_at = text, "pending", utcnow()
        leave.decided_by = leave.decided_at = None
        leave.reply = ""
    db.session.flush()
    audit.log("class.leave", actor=user.id, target=user.id,
              detail={"class": cls.id, "session": session.id, "leave": leave.id,
                      "step": "request"})
    with force_locale("zh_CN"):
        message = _("%(name)s asks for leave from “%(session)s” (%(at)s) of the class "
                    "“%(title)s”: %(reason)s", name=user.name, session=session.title,
                    at=local_minute(session.starts_at), title=cls.title, reason=text)
    notify(people.organisers(cls), "leave", message, _sessions_link(cls), actor_id=user.id)
    db.session.commit()
    return leave


def decide_leave(leave: LeaveRequest, grant: bool, reply: str | None, *,
                 actor: User) -> LeaveRequest:
    """The organiser grants or refuses a pending request with a reply; the trainee is told
    (and, when the leave passes the class's limit, told that too). Audits and commits."""
    session = leave.session
    cls = session.training_class
    if cls.status not in LEAVE_STATUSES:
        raise refuse(_("The class is closed: leave can no longer be decided."), code="closed")
    if leave.status != "pending":
        raise refuse(_("This request has already been decided."), code="decided")
    text = _text(reply, REPLY_LABEL, "reply", required=not grant)
    leave.status = "approved" if grant else "refused"
    leave.reply, leave.decided_by, leave.decided_at = text, actor.id, utcnow()
    db.session.flush()
    audit.log("class.leave", actor=actor.id, target=leave.user_id,
              detail={"class": cls.id, "session": session.id, "leave": leave.id,
                      "step": leave.status})
    over = rates.over_limit(cls).get(leave.user_id) if grant else None
    with force_locale("zh_CN"):
        if grant:
            message = _("Your leave from “%(session)s” of the class “%(title)s” was granted.",
                        session=session.title, title=cls.title)
        else:
            message = _("Your leave from “%(session)s” of the class “%(title)s” was refused: "
                        "%(reply)s", session=session.title, title=cls.title, reply=text)
        sep = "" if chinese() else " "
        if text and grant:
            message += sep + text
        if over is not None:
            message += sep + rates.over_text(cls, over)
    notify([leave.user_id], "leave", message, _my_classes_link(), actor_id=actor.id)
    db.session.commit()
    return leave


def withdraw(trainee: ClassTrainee, *, actor: User) -> ClassTrainee:
    """Withdraw (退学) a trainee whose granted leave passed the class's limit: status
    withdrawn, no credit at closing. The trainee and their unit's administrators are told.
    Refused when the leave is within the limit."""
    cls = trainee.training_class
    if cls.status not in LEAVE_STATUSES:
        raise refuse(_("The class is closed: its trainees no longer change."), code="closed")
    if trainee.status not in rates.ATTENDING:
        raise refuse(_("%(name)s is not among the trainees expected at the class.",
                       name=trainee.user.name), code="not_trainee")
    hours = rates.over_limit(cls).get(trainee.user_id)
    if hours is None:
        raise refuse(_("%(name)s's leave is within the class's limit (%(limit)s hours): "
                       "there is no ground to withdraw them.", name=trainee.user.name,
                       limit=amount_text(rates.limit_hours(cls))), code="within_limit")
    trainee.status, trainee.withdrawn_at = "withdrawn", utcnow()
    audit.log("class.trainees", actor=actor.id, target=trainee.user_id,
              detail={"class": cls.id, "trainee": trainee.id, "step": "withdraw",
                      "leave_hours": hours})
    with force_locale("zh_CN"):
        reason = rates.over_text(cls, hours)
        mine = _("You were withdrawn from the class “%(title)s”: %(reason)s",
                 title=cls.title, reason=reason)
        theirs = _("%(name)s was withdrawn from the class “%(title)s”: %(reason)s",
                   name=trainee.user.name, title=cls.title, reason=reason)
    notify([trainee.user_id], "attendance", mine, _my_classes_link(), actor_id=actor.id)
    notify(set(people.nearest_admins(trainee.unit)) - {trainee.user_id, actor.id}, "attendance",
           theirs, "", actor_id=actor.id)
    db.session.commit()
    return trainee
