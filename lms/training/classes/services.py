"""A class's plan from draft to approval: who may see and change it, the lifecycle steps
(each a `ClassEvent`, an audit row and notices), and the history.

Steps: draft → submitted → returned (→ submitted again) | approved. Editing is open while
the class is a draft or returned; submitting needs a class plan; returning needs a comment;
the organisation department returns or approves, and never a class it submitted itself (four
eyes). Every function commits its own transaction or writes nothing.
"""
from __future__ import annotations

from datetime import datetime

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, func, select
from sqlalchemy.orm import selectinload

from lms.audit.services import log
from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org import permissions
from lms.org.models import Unit
from lms.progress.notices import notify
from lms.training.classes import people
from lms.training.classes.validation import ClassData, Invalid, label
from lms.training.models import ClassEvent, ClassSpending, ClassTrainee, TrainingClass

EDITABLE = ("draft", "returned")
MAX_COMMENT = 4000
# Fields copied from checked data onto the class.
_FIELDS = ("title", "unit_id", "organiser_kind", "organiser_name", "category", "form",
           "audience", "starts_on", "ends_on", "days", "hours", "venue", "lecturers",
           "capacity", "plan_text", "plan_html", "plan_item_id")


class ClassError(Exception):
    """A step that cannot be taken on the class as it stands: `code` and a message that says
    why (`forbidden` when the user lacks the authority, otherwise the class's state)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# ---- who may do what -----------------------------------------------------------------------

def is_trainee(training_class: TrainingClass, user=None) -> bool:
    user = user or current_user
    return db.session.scalar(select(exists().where(
        ClassTrainee.class_id == training_class.id, ClassTrainee.user_id == user.id))) or False


def concerns_my_unit(training_class: TrainingClass, user=None) -> bool:
    """True when a cadre of a unit the user runs training for is called up to the class (so
    their administrator reads the plan before releasing, confirming or explaining)."""
    clause = permissions.unit_clause("training.run", user)
    return db.session.scalar(select(
        select(ClassTrainee.id).join(Unit, Unit.id == ClassTrainee.unit_id)
        .where(ClassTrainee.class_id == training_class.id, clause).exists())) or False


def can_view(training_class: TrainingClass, user=None) -> bool:
    """Administrators over the class's unit, its trainees, and the administrators of a
    trainee's unit."""
    return (permissions.can("training.view", training_class.unit, user)
            or is_trainee(training_class, user) or concerns_my_unit(training_class, user))


def can_manage_plan(training_class: TrainingClass, user=None) -> bool:
    """The organiser's administrators (`training.run` over the class's unit)."""
    return permissions.can("training.run", training_class.unit, user)


def can_edit(training_class: TrainingClass, user=None) -> bool:
    return training_class.status in EDITABLE and can_manage_plan(training_class, user)


def submitter_id(training_class: TrainingClass) -> int | None:
    """Who submitted the class last (the four eyes of its review)."""
    return db.session.scalar(select(ClassEvent.actor_id).where(
        ClassEvent.class_id == training_class.id, ClassEvent.action == "submit")
        .order_by(ClassEvent.at.desc(), ClassEvent.id.desc()).limit(1))


def review_refusal(training_class: TrainingClass, user=None) -> str | None:
    """Why the user may not return or approve the class (None: they may). Only meaningful
    for holders of `training.manage` over it."""
    user = user or current_user
    if training_class.status != "submitted":
        return _("Only a class submitted for review can be returned or approved.")
    if not permissions.can("training.manage", training_class.unit, user):
        return _("Only the organisation department over the class's unit reviews it.")
    if submitter_id(training_class) == user.id:
        return _("You submitted this class: another administrator of the organisation "
                 "department reviews it (four eyes).")
    return None


# ---- drafts ---------------------------------------------------------------------------------

def _audit(training_class: TrainingClass, action: str, **detail) -> None:
    log("class.change", detail={"class": training_class.id, "title": training_class.title,
                                "action": action, "status": training_class.status, **detail})


def _event(training_class: TrainingClass, action: str, actor: User, from_status: str,
           comment: str = "") -> None:
    db.session.add(ClassEvent(class_id=training_class.id, actor_id=actor.id, action=action,
                              from_status=from_status, to_status=training_class.status,
                              comment=comment, at=utcnow()))


def create_class(data: ClassData, actor: User) -> TrainingClass:
    """A new draft class of a unit in the actor's `training.run` scope (checked again here)."""
    unit = db.session.get(Unit, data.unit_id)
    if unit is None or not permissions.can("training.run", unit, actor):
        raise Invalid({"unit_id": _("%(field)s: choose a unit in your scope.",
                                    field=label("unit_id"))})
    training_class = TrainingClass(year=data.year, status="draft", created_by=actor.id,
                                   created_at=utcnow())
    for name in _FIELDS:
        setattr(training_class, name, getattr(data, name))
    db.session.add(training_class)
    db.session.flush()
    _event(training_class, "create", actor, "")
    _audit(training_class, "create")
    db.session.commit()
    return training_class


def update_class(training_class: TrainingClass, data: ClassData, actor: User) -> None:
    """Save a draft's or a returned class's fields."""
    if not can_edit(training_class, actor):
        raise ClassError("not_editable", _("Only a draft or a returned class can be changed."))
    unit = db.session.get(Unit, data.unit_id)
    if unit is None or not permissions.can("training.run", unit, actor):
        raise Invalid({"unit_id": _("%(field)s: choose a unit in your scope.",
                                    field=label("unit_id"))})
    changed = [n for n in _FIELDS if getattr(training_class, n) != getattr(data, n)]
    for name in _FIELDS:
        setattr(training_class, name, getattr(data, name))
    training_class.year = data.year
    _audit(training_class, "edit", fields=[n for n in changed if n != "plan_html"])
    db.session.commit()


# ---- the review -----------------------------------------------------------------------------

def _link(training_class: TrainingClass) -> str:
    return url_for("training.class_detail", class_id=training_class.id)


def _tell(user_ids: set[int], training_class: TrainingClass, message: str,
          actor: User) -> None:
    notify(user_ids - {actor.id}, "class_plan", message, _link(training_class),
           actor_id=actor.id)


def submit(training_class: TrainingClass, actor: User) -> None:
    """Submit a draft or a returned class for review; tells the organisation department."""
    if not can_manage_plan(training_class, actor):
        raise ClassError("forbidden", _("Only the class's unit submits it."))
    if training_class.status not in EDITABLE:
        raise ClassError("wrong_status", _("Only a draft or a returned class can be "
                                           "submitted."))
    if not training_class.plan_text.strip():
        raise Invalid({"plan_text": _("%(field)s: write the class plan before submitting.",
                                      field=label("plan_text"))})
    before = training_class.status
    training_class.status, training_class.submitted_at = "submitted", utcnow()
    _event(training_class, "submit", actor, before)
    _audit(training_class, "submit")
    with force_locale("zh_CN"):
        message = _("The class “%(t)s” of %(unit)s was submitted for review.",
                    t=training_class.title, unit=training_class.unit.name)
    _tell(people.reviewers(training_class.unit), training_class, message, actor)
    db.session.commit()


def _decided(training_class: TrainingClass, actor: User, action: str, comment: str,
             message: str) -> None:
    before = training_class.status
    _event(training_class, action, actor, before, comment)
    _audit(training_class, action, comment=comment)
    told = people.runners(training_class.unit)
    submitter = submitter_id(training_class)
    if submitter:
        told.add(submitter)
    _tell(told, training_class, message, actor)
    db.session.commit()


def _check_review(training_class: TrainingClass, actor: User) -> None:
    if not permissions.can("training.manage", training_class.unit, actor):
        raise ClassError("forbidden", _("Only the organisation department over the class's "
                                        "unit reviews it."))
    refusal = review_refusal(training_class, actor)
    if refusal:
        four_eyes = training_class.status == "submitted"
        raise ClassError("four_eyes" if four_eyes else "wrong_status", refusal)


def _comment(comment: object, *, required: bool) -> str:
    text = comment.strip() if isinstance(comment, str) else ""
    if required and not text:
        raise Invalid({"comment": _("%(field)s: say what to change when returning a class.",
                                    field=label("comment"))})
    if len(text) > MAX_COMMENT:
        raise Invalid({"comment": _("%(field)s must be at most %(n)d characters.",
                                    field=label("comment"), n=MAX_COMMENT)})
    return text


def return_class(training_class: TrainingClass, actor: User, comment: object) -> None:
    """Return a submitted class with comments (required); tells the unit and the submitter."""
    _check_review(training_class, actor)
    text = _comment(comment, required=True)
    training_class.status = "returned"
    with force_locale("zh_CN"):
        message = _("The class “%(t)s” was returned: %(comment)s", t=training_class.title,
                    comment=text)
    _decided(training_class, actor, "return", text, message)


def approve(training_class: TrainingClass, actor: User, comment: object = "") -> None:
    """Approve a submitted class; tells the unit and the submitter."""
    _check_review(training_class, actor)
    text = _comment(comment, required=False)
    training_class.status = "approved"
    training_class.approved_at, training_class.approved_by = utcnow(), actor.id
    with force_locale("zh_CN"):
        message = _("The class “%(t)s” was approved: call up its cadres.",
                    t=training_class.title)
    _decided(training_class, actor, "approve", text, message)


# ---- reading --------------------------------------------------------------------------------

def history(training_class: TrainingClass) -> list[ClassEvent]:
    """The class's steps, oldest first, with their actors (two queries)."""
    return list(db.session.scalars(
        select(ClassEvent).where(ClassEvent.class_id == training_class.id)
        .options(selectinload(ClassEvent.actor)).order_by(ClassEvent.at, ClassEvent.id)))


def last_event(events: list[ClassEvent], action: str) -> ClassEvent | None:
    found = [e for e in events if e.action == action]
    return found[-1] if found else None


def planned_total_fen(training_class: TrainingClass) -> int:
    """The class's planned spending over every heading (the money tab owns the headings)."""
    return db.session.scalar(select(func.coalesce(func.sum(ClassSpending.planned_fen), 0))
                             .where(ClassSpending.class_id == training_class.id)) or 0


def status_since(training_class: TrainingClass, events: list[ClassEvent]) -> datetime | None:
    """When the class reached its current status (its last step's time)."""
    steps = [e for e in events if e.to_status == training_class.status]
    return steps[-1].at if steps else None
