"""The questionnaire type that class evaluations use, reached through the activity registry.

Which type is configured (`LMS_EVALUATION_TYPE`, "survey" by default), not hard-coded: the
class side only calls the type's contract (`validate_config`, `take_answers`, `summarise`)
and includes its `answer_form.html` and `summary.html` partials. What this module reads
inside a config or an answer (the questionnaire's text, the rating questions about each
lecturer) is kept here, in one place.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.activities.base import RESPONSE, ActivityType, PlainContext, Problem
from lms.activities.registry import registry

# The raw field holding the questionnaire's text (the type's form lines).
SOURCE_FIELD = "questions_text"
ORIGIN = "evaluation"
# Ratings of every scale are compared on this one.
RATING_SCALE = 5


def type_key() -> str:
    return current_app.config["LMS_EVALUATION_TYPE"]


def kind() -> ActivityType | None:
    """The configured questionnaire type, or None when it is not installed (or is not a type
    that takes answers)."""
    found = registry().get(type_key())
    return found if found is not None and found.supports(RESPONSE) else None


def template(kind_: ActivityType, name: str) -> str:
    """A partial of the type (served from its template folder)."""
    return f"activity-{kind_.key}/{name}"


def validate(kind_: ActivityType, text: str, base: dict[str, Any] | None = None
             ) -> tuple[dict[str, Any], list[Problem]]:
    """The config of the questionnaire written as `text` (keeping the other settings of
    `base`, e.g. its introduction), and its problems (none: valid)."""
    ctx = PlainContext(in_form=True)
    raw = {k: v for k, v in kind_.form_data(base).items() if k != "questions"} if base else {}
    config = kind_.validate_config({**raw, SOURCE_FIELD: text}, ctx, ORIGIN)
    return config, ctx.problems


def intro_html(kind_: ActivityType, config: dict[str, Any]) -> str:
    """The questionnaire's introduction as sanitised HTML (rendered once, when saved)."""
    return kind_.render(config, PlainContext(in_form=True))


def config_text(kind_: ActivityType, config: dict[str, Any]) -> str:
    """The questionnaire's text for editing (the type's form lines of a config)."""
    return str(kind_.form_data(config).get(SOURCE_FIELD) or "")


def default_text(lecturers: list[str]) -> str:
    """A default questionnaire in the form lines, for a type that offers none of its own:
    the class as a whole, each lecturer, suggestions (stored in Chinese, the platform's
    language)."""
    with force_locale("zh_CN"):
        lines = ["rating: " + _("How relevant and useful was the training content?"),
                 "rating: " + _("How well was the class organised and run?")]
        for name in lecturers:
            lines += ["@" + name,
                      "rating: " + _("Teaching content"),
                      "rating: " + _("Teaching method and interaction")]
        lines += ["@", "text?: " + _("Your comments and suggestions on the class")]
    return "\n".join(lines) + "\n"


def default_config(kind_: ActivityType, lecturers: list[str]) -> dict[str, Any]:
    """The default questionnaire's config for a class's lecturers: the type's own
    (`evaluation_config(lecturers)` in its module) when it offers one."""
    own = getattr(importlib.import_module(type(kind_).__module__), "evaluation_config", None)
    if callable(own):
        return own(lecturers)
    config, _problems = validate(kind_, default_text(lecturers))
    return config


@dataclass
class Taken:
    """Answers read by the type: the state to store, the problems by question id ("" for
    the whole), and whether complete."""

    state: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    completed: bool = False


def take(kind_: ActivityType, config: dict[str, Any], data: dict[str, Any]) -> Taken:
    """A trainee's answers read and checked by the type."""
    result = kind_.take_answers(config, {}, data)
    return Taken(state=dict(result.state or {}),
                 problems={str(k): str(v) for k, v in dict(result.problems or {}).items()},
                 completed=bool(result.completed))


def summarise(kind_: ActivityType, config: dict[str, Any], states: list[dict]) -> Any:
    """The type's summary of the answers (rendered by its `summary.html`)."""
    return kind_.summarise(config, states)


def lecturer_ratings(config: dict[str, Any], state: dict[str, Any],
                     lecturers: set[str]) -> list[tuple[str, float]]:
    """The ratings one answer gives the class's lecturers: (lecturer, rating on the common
    scale) per answered rating question grouped under a lecturer's name."""
    answers = state.get("answers") or {}
    found = []
    for question in config.get("questions") or []:
        subject = (question.get("subject") or "").strip()
        value = answers.get(question.get("id"))
        if question.get("kind") != "rating" or subject not in lecturers \
                or not isinstance(value, int | float) or isinstance(value, bool):
            continue
        scale = question.get("scale") or RATING_SCALE
        found.append((subject, float(value) * RATING_SCALE / scale))
    return found
