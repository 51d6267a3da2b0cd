"""The kinds of notice, and their names in the inbox's filter and in e-mail subjects."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

# Every kind of notice, in the order the inbox's filter lists them.
LABELS = {
    "assignment": _l("Course assignments"),
    "reminder": _l("Reminders"),
    "class_trainee": _l("Call-ups to training classes"),
    "class_plan": _l("Training class plans"),
    "explanation": _l("Explanations of absence from a class"),
    "leave": _l("Leave requests"),
    "attendance": _l("Attendance"),
    "evaluation": _l("Class evaluations"),
    "claim": _l("Claims of learning"),
    "reading_note": _l("Reading notes"),
    "reading_call": _l("Reading notes called in"),
    "study_plan": _l("Study plans and appraisals"),
    "record": _l("Learning records"),
    "other": _l("Other"),
}
KINDS = tuple(LABELS)


def label(kind: str) -> str:
    """The name of a kind (an unknown one, from older data, reads as "Other")."""
    return str(LABELS.get(kind, LABELS["other"]))
