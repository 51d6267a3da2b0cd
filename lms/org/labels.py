"""Translatable labels for the organisation's coded values, and parsing them back."""
from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice

from lms.core.forms import select_choices

UNIT_KIND_LABELS = {
    "district": _l("District"),
    "street": _l("Street"),
    "department": _l("Department"),
    "community": _l("Community"),
    "office": _l("Office"),
}
RANK_LABELS = {
    "division": _l("Division level"),
    "section": _l("Section level"),
    "subsection": _l("Sub-section level"),
    "none": _l("No rank"),
}
EDUCATION_LABELS = {
    "doctorate": _l("Doctorate"),
    "master": _l("Master's degree"),
    "bachelor": _l("Bachelor's degree"),
    "college": _l("College diploma"),
    "secondary": _l("Secondary school"),
    "other": _l("Other"),
}
PARTY_LABELS = {
    "member": _l("Party member"),
    "probationary": _l("Probationary Party member"),
    "activist": _l("Party membership activist"),
    "league": _l("Youth League member"),
    "democratic": _l("Democratic party member"),
    "masses": _l("No party affiliation"),
}
TITLE_LABELS = {
    "none": _l("None"),
    "junior": _l("Junior title"),
    "mid": _l("Intermediate title"),
    "senior": _l("Senior title"),
}
GENDER_LABELS = {"male": _l("Male"), "female": _l("Female")}
ROLE_LABELS = {
    "learner": _l("Learner"),
    "lecturer": _l("Lecturer"),
    "unit_admin": _l("Unit administrator"),
    "org_admin": _l("Organisation department administrator"),
    "sysadmin": _l("System administrator"),
    "auditor": _l("Security auditor"),
}


def choices(labels: dict, blank: str | None = None) -> list[SelectChoice]:
    """WTForms choices from a label map, optionally led by a blank choice."""
    items = [(code, str(label)) for code, label in labels.items()]
    return select_choices(([("", blank)] if blank is not None else []) + items)


def label(labels: dict, code: str | None) -> str:
    """The label of a code, or the code itself when unknown."""
    if not code:
        return ""
    return str(labels.get(code, code))


def reverse(labels: dict) -> dict[str, str]:
    """Map codes and their Chinese and English labels (case-insensitive) back to codes."""
    out: dict[str, str] = {}
    for code, lazy in labels.items():
        out[code.lower()] = code
        for loc in ("zh_CN", "en"):
            with force_locale(loc):
                out[str(lazy).strip().lower()] = code
    return out
