"""The cohort of an online special class: enrolled in the bundle's courses when the class
starts, complete when every course was completed by the class's last day."""
from __future__ import annotations

from lms.training.models import TrainingClass


def enrol_cohort(training_class: TrainingClass) -> int:
    """Enrol the class's attending trainees in each of its courses (called when it starts);
    returns how many enrolments were made. Not built yet: enrols nobody."""
    return 0


def cohort_completed(training_class: TrainingClass) -> set[int]:
    """The user ids of trainees who completed every course of the class by its last day.
    Not built yet: nobody."""
    return set()
