"""What the training figures count, defined once (the plan's "actual", money, the dashboard,
the API report and the year-end summary all use these clauses):

- a class is *held* once it has closed (closed or filed); it counts in the year it ends;
- a *trainee-time* (人次) is one trainee who completed a held class (withdrawn, absent and
  excused trainees are not counted);
- *funds* are the actual spending of held classes; planned money is the classes' planned
  spending and the plan's budget.
Classes approved or running are shown apart as "under way", never added to the held figures.
"""
from __future__ import annotations

from sqlalchemy import ColumnElement

from lms.training.models import ClassTrainee, TrainingClass

HELD = ("closed", "filed")
UNDER_WAY = ("approved", "running")


def held() -> ColumnElement[bool]:
    """Classes that count as held."""
    return TrainingClass.status.in_(HELD)


def under_way() -> ColumnElement[bool]:
    """Classes approved or running: not yet counted."""
    return TrainingClass.status.in_(UNDER_WAY)


def trained() -> ColumnElement[bool]:
    """Trainees that count as trainee-times (join `ClassTrainee` to a held class)."""
    return ClassTrainee.outcome == "completed"
