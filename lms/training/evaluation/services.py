"""Class evaluation (培训质量评估): the questionnaire every class ends with, answered once by
each trainee who attended, summarised per class and per lecturer.

`TrainingClass.evaluation` holds {"text": the questionnaire as written, "config": the type's
config, "intro_html": its introduction rendered, "opened_at": ISO time, "opened_by": user
id}. Answers are kept as the type's state in `EvaluationResponse.answers`; results are read
from the answers alone (never with who gave them), so nobody sees who answered what.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from lms.activities.base import ActivityType, Problem
from lms.audit import services as audit
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org import permissions
from lms.org.models import Unit
from lms.progress.notices import notify
from lms.training.evaluation import survey
from lms.training.models import (
    ClassSession,
    ClassTrainee,
    EvaluationResponse,
    TrainingClass,
)

# Trainees who answer: those who attended (named or confirmed; at closing, not found absent).
ANSWERING = ("assigned", "confirmed")
# The questionnaire can be answered while the class runs and after it closes, until filed.
OPEN_STATUSES = ("running", "closed")
# The questionnaire can change until the class closes, and only before anyone answered.
FIXED_STATUSES = ("closed", "filed")
# A class's results show once this many trainees answered: no answer traces to its author.
MIN_SHOWN = 3


class Refused(ValueError):
    """A refused step; the message says why in one plain sentence."""


def setup(training_class: TrainingClass) -> dict[str, Any]:
    return training_class.evaluation or {}


def is_set_up(training_class: TrainingClass) -> bool:
    return bool(setup(training_class).get("config"))


def is_opened(training_class: TrainingClass) -> bool:
    return bool(setup(training_class).get("opened_at"))


def is_open(training_class: TrainingClass) -> bool:
    """Trainees may answer now."""
    return (is_set_up(training_class) and is_opened(training_class)
            and training_class.status in OPEN_STATUSES)


def response_count(training_class: TrainingClass) -> int:
    return db.session.scalar(select(func.count()).select_from(EvaluationResponse).where(
        EvaluationResponse.class_id == training_class.id)) or 0


def why_fixed(training_class: TrainingClass, answered: int) -> str | None:
    """Why the questionnaire can no longer change (None: it can)."""
    if training_class.status in FIXED_STATUSES:
        return _("The class has closed: its questionnaire can no longer change.")
    if answered:
        return _("Trainees have answered: the questionnaire can no longer change.")
    return None


def lecturers_of(training_class: TrainingClass) -> list[str]:
    """The class's lecturers: those its plan names, then those of its sessions (in order)."""
    names = [str(n).strip() for n in (training_class.lecturers or [])]
    names += db.session.scalars(
        select(ClassSession.lecturer).where(ClassSession.class_id == training_class.id,
                                            ClassSession.lecturer != "")
        .order_by(ClassSession.starts_at))
    return [n for n in dict.fromkeys(names) if n]


def draft_text(kind: ActivityType, training_class: TrainingClass) -> str:
    """The questionnaire's text to edit: the saved one, else the default for its lecturers."""
    if is_set_up(training_class):
        return setup(training_class).get("text") or survey.config_text(
            kind, setup(training_class)["config"])
    lecturers = lecturers_of(training_class)
    return survey.config_text(kind, survey.default_config(kind, lecturers)) \
        or survey.default_text(lecturers)


def save(kind: ActivityType, training_class: TrainingClass, text: str) -> list[Problem]:
    """Check and keep the questionnaire written as `text`; the problems when refused (then
    nothing is written). The caller commits."""
    reason = why_fixed(training_class, response_count(training_class))
    if reason:
        raise Refused(reason)
    base = setup(training_class).get("config") or survey.default_config(
        kind, lecturers_of(training_class))
    config, problems = survey.validate(kind, text, base)
    if problems:
        return problems
    training_class.evaluation = {**setup(training_class), "text": text, "config": config,
                                 "intro_html": survey.intro_html(kind, config)}
    audit.log("class.change", detail={"class_id": training_class.id,
                                      "evaluation": "questionnaire"})
    return []


def answering_clause(training_class: TrainingClass):
    """Trainees of the class who answer its questionnaire."""
    return (ClassTrainee.class_id == training_class.id) & ClassTrainee.status.in_(ANSWERING) \
        & or_(ClassTrainee.outcome.is_(None), ClassTrainee.outcome == "completed")


def open_evaluation(training_class: TrainingClass, actor_id: int) -> int:
    """Open the questionnaire to the trainees and notify those who have not answered;
    returns how many were notified. The caller commits."""
    if not is_set_up(training_class):
        raise Refused(_("Set up the questionnaire before opening it."))
    if training_class.status not in OPEN_STATUSES:
        raise Refused(_("The evaluation opens once the class runs, and closes when the class "
                        "is filed."))
    if is_opened(training_class):
        return 0
    training_class.evaluation = {**setup(training_class),
                                 "opened_at": utcnow().isoformat(), "opened_by": actor_id}
    answered = select(EvaluationResponse.user_id).where(
        EvaluationResponse.class_id == training_class.id)
    user_ids = list(db.session.scalars(select(ClassTrainee.user_id).where(
        answering_clause(training_class), ClassTrainee.user_id.not_in(answered))))
    with force_locale("zh_CN"):  # stored once, in the platform's language
        message = _("Please answer the evaluation of the training class “%(t)s”.",
                    t=training_class.title)
    audit.log("class.change", detail={"class_id": training_class.id, "evaluation": "open"})
    return notify(user_ids, "evaluation", message,
                  url_for("training.evaluate", class_id=training_class.id), actor_id=actor_id)


def trainee(training_class: TrainingClass, user_id: int) -> ClassTrainee | None:
    """The user's place in the class when they answer its questionnaire."""
    return db.session.scalar(select(ClassTrainee).where(answering_clause(training_class),
                                                        ClassTrainee.user_id == user_id))


def response_of(training_class: TrainingClass, user_id: int) -> EvaluationResponse | None:
    return db.session.scalar(select(EvaluationResponse).where(
        EvaluationResponse.class_id == training_class.id,
        EvaluationResponse.user_id == user_id))


class AlreadyAnswered(Refused):
    """The trainee answered before: the first answers are kept."""


def answer(kind: ActivityType, training_class: TrainingClass, user_id: int,
           data: dict[str, Any]) -> survey.Taken:
    """Keep a trainee's answers (once); returns what the type read, with its problems (then
    nothing is written). Commits."""
    if not is_open(training_class):
        raise Refused(_("The evaluation of this class is not open."))
    if response_of(training_class, user_id) is not None:
        raise AlreadyAnswered(_("You have already answered this evaluation: your first "
                                "answers are kept."))
    taken = survey.take(kind, setup(training_class)["config"], data)
    if taken.problems:
        return taken
    db.session.add(EvaluationResponse(class_id=training_class.id, user_id=user_id,
                                      answers=taken.state, submitted_at=utcnow()))
    try:
        db.session.commit()
    except IntegrityError:  # a second submission at the same moment
        db.session.rollback()
        raise AlreadyAnswered(_("You have already answered this evaluation: your first "
                                "answers are kept.")) from None
    return taken


def answers_of(training_class: TrainingClass) -> list[dict[str, Any]]:
    """Every answer given, without who gave it, in an order that tells nothing (not the
    order they came in)."""
    states = db.session.scalars(select(EvaluationResponse.answers).where(
        EvaluationResponse.class_id == training_class.id))
    return sorted((s or {} for s in states), key=lambda s: json.dumps(s, sort_keys=True))


def answering_count(training_class: TrainingClass) -> int:
    return db.session.scalar(select(func.count()).select_from(ClassTrainee)
                             .where(answering_clause(training_class))) or 0


# ---- per lecturer across classes -----------------------------------------------------------

@dataclass
class LecturerRow:
    """A lecturer's ratings over a year's classes: mean of every rating given to them."""

    name: str
    classes: set[int] = field(default_factory=set)
    responses: int = 0
    ratings: int = 0
    total: float = 0.0

    @property
    def mean(self) -> float | None:
        return self.total / self.ratings if self.ratings else None


def lecturer_table(year: int) -> list[LecturerRow]:
    """Each lecturer rated in the year's classes that the user may view, by name: classes,
    answers that rated them, and the mean rating (on the common scale of 5). Three queries:
    the classes, their sessions' lecturers, the answers."""
    classes = {cid: (setup_, names) for cid, setup_, names in db.session.execute(
        select(TrainingClass.id, TrainingClass.evaluation, TrainingClass.lecturers)
        .join(Unit, Unit.id == TrainingClass.unit_id)
        .where(TrainingClass.year == year, permissions.unit_clause("training.view"),
               TrainingClass.id.in_(select(EvaluationResponse.class_id))))}
    if not classes:
        return []
    lecturers = {cid: {str(n).strip() for n in (names or [])}
                 for cid, (_setup, names) in classes.items()}
    for cid, name in db.session.execute(
            select(ClassSession.class_id, ClassSession.lecturer)
            .where(ClassSession.class_id.in_(list(classes)), ClassSession.lecturer != "")):
        lecturers[cid].add(name.strip())
    rows: dict[str, LecturerRow] = {}
    for class_id, answers in db.session.execute(
            select(EvaluationResponse.class_id, EvaluationResponse.answers)
            .where(EvaluationResponse.class_id.in_(list(classes)))):
        config = (classes[class_id][0] or {}).get("config") or {}
        rated: set[str] = set()
        for name, value in survey.lecturer_ratings(config, answers or {}, lecturers[class_id]):
            row = rows.setdefault(name, LecturerRow(name))
            row.classes.add(class_id)
            row.ratings += 1
            row.total += value
            rated.add(name)
        for name in rated:
            rows[name].responses += 1
    return sorted(rows.values(), key=lambda r: r.name)


def opened_at(training_class: TrainingClass) -> datetime | None:
    raw = setup(training_class).get("opened_at")
    return datetime.fromisoformat(raw) if raw else None
