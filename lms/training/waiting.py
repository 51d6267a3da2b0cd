"""What training work waits for an administrator, counted in one query for the home page:
classes to review, call-ups of their cadres to answer, explanations and leave to decide."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from lms.extensions import db
from lms.org import permissions
from lms.org.models import Unit
from lms.training.models import (
    ClassSession,
    ClassTrainee,
    Explanation,
    LeaveRequest,
    TrainingClass,
)

OPEN = ("approved", "running")


@dataclass
class TrainingWaiting:
    review: int | None  # classes submitted for review (the organisation department only)
    callups: int  # call-ups of the user's cadres awaiting release or confirmation
    explanations: int  # explanations on the user's classes awaiting a decision
    leave: int  # leave requests on the user's classes awaiting a decision


def _count(stmt) -> object:
    return select(func.count()).select_from(stmt.subquery()).scalar_subquery()


def waiting() -> TrainingWaiting | None:
    """The counts for the signed-in user (None without `training.run`); one query."""
    if not permissions.can_anywhere("training.run"):
        return None
    run = permissions.unit_clause("training.run")
    reviewer = permissions.can_anywhere("training.manage")
    classes_run = select(TrainingClass.id).join(Unit, Unit.id == TrainingClass.unit_id).where(
        run, TrainingClass.status.in_(OPEN))
    parts = [
        _count(select(ClassTrainee.id).join(Unit, Unit.id == ClassTrainee.unit_id)
               .join(TrainingClass, TrainingClass.id == ClassTrainee.class_id)
               .where(run, TrainingClass.status.in_(OPEN),
                      ClassTrainee.status.in_(("awaiting_release", "assigned")))),
        _count(select(Explanation.id).join(ClassTrainee, ClassTrainee.id == Explanation.trainee_id)
               .where(Explanation.decision.is_(None),
                      ClassTrainee.class_id.in_(classes_run))),
        _count(select(LeaveRequest.id).join(ClassSession,
                                            ClassSession.id == LeaveRequest.session_id)
               .where(LeaveRequest.status == "pending",
                      ClassSession.class_id.in_(classes_run))),
    ]
    if reviewer:
        parts.append(_count(select(TrainingClass.id).join(Unit, Unit.id == TrainingClass.unit_id)
                            .where(permissions.unit_clause("training.manage"),
                                   TrainingClass.status == "submitted")))
    row = db.session.execute(select(*parts)).one()
    return TrainingWaiting(review=row[3] if reviewer else None, callups=row[0],
                           explanations=row[1], leave=row[2])
