"""`exam`: a scheduled exam (such as a qualification exam, 任职资格考试).

Like a quiz, but sat once in a window (opens, closes) with a duration, by an audience (ranks,
an age limit), drawing from the district's shared question bank as well as its own file; an
administrator may grant a re-sit, and releases the results. Its questions are sealed: only its
authors read them (see `permissions.authors_exam`), and they cannot sit it. A pass is recorded as a
certificate-style result (number, date, score) in the learning record.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectMultipleField
from wtforms.validators import DataRequired, NumberRange, Optional

from lms.activities.base import SEALED, AssessmentSpec, AuthoringContext
from lms.activities.builtin.helpers import in_form, number
from lms.activities.builtin.quiz import Quiz, QuizForm
from lms.core.forms import select_choices

RANK_LABELS = {"division": _l("Division level"), "section": _l("Section level"),
               "subsection": _l("Below section level"), "none": _l("No rank")}


class ExamForm(QuizForm):
    attempts = None            # one sitting (re-sits are granted, not configured)
    time_limit_minutes = None  # the duration below
    duration_minutes = IntegerField(_l("Duration in minutes"),
                                    validators=[DataRequired(), NumberRange(min=1, max=600)])
    ranks = SelectMultipleField(_l("Who may sit it: ranks (none chosen: every rank)"),
                                choices=select_choices(RANK_LABELS.items()),
                                validators=[Optional()])
    max_age = IntegerField(_l("Who may sit it: under this age (empty: any age)"),
                           validators=[Optional(), NumberRange(min=18, max=70)])


class Exam(Quiz):
    key = "exam"
    name = _l("Exam")
    # The questions are read only by the exam's authors, and they do not sit it.
    capabilities = Quiz.capabilities | {SEALED}
    fields = (*Quiz.fields, "duration_minutes", "ranks", "max_age")
    template_folder = Path(__file__).parent / "templates"

    def validate_config(self, raw, ctx: AuthoringContext, origin: str) -> dict[str, Any]:
        # An exam is a quiz sat once, its duration being the quiz's time limit.
        duration = number(raw, "duration_minutes", ctx, origin, default=None, low=1, high=600)
        if not duration:
            ctx.problem(_("An exam needs its duration in minutes.") if in_form(ctx) else
                        _("An exam needs its duration (duration_minutes)."), file=origin)
        config = super().validate_config(
            {**raw, "attempts": 1, "time_limit_minutes": duration,
             "review": raw.get("review") or "never"}, ctx, origin)
        if not config.get("opens_at") or not config.get("closes_at"):
            ctx.problem(_("An exam needs the time it opens and the time it closes.")
                        if in_form(ctx) else
                        _("An exam needs its window: opens_at and closes_at."), file=origin)
        ranks = raw.get("ranks") or []
        if not isinstance(ranks, list) or any(r not in RANK_LABELS for r in ranks):
            ctx.problem(_("ranks must be a list of: %(choices)s.",
                          choices=", ".join(RANK_LABELS)), file=origin)
            ranks = []
        max_age = number(raw, "max_age", ctx, origin, default=None, low=18, high=70)
        config.update(ranks=list(ranks), max_age=int(max_age) if max_age else None)
        return config

    def export(self, config, key):
        fields, files = super().export(config, key)
        fields.pop("attempts", None)
        fields["duration_minutes"] = fields.pop("time_limit_minutes", None)
        for name in ("ranks", "max_age"):
            if config.get(name):
                fields[name] = config[name]
        return fields, files

    def form_class(self):
        return ExamForm

    def form_data(self, config):
        return {**super().form_data(config), **_exam_fields(config)}

    def assessment(self, config) -> AssessmentSpec:
        spec = super().assessment(config)
        spec.audience = {"ranks": list(config.get("ranks") or []),
                         "max_age": config.get("max_age")}
        spec.held_results = True
        spec.certificate = True
        spec.shared_bank = True
        return spec

    def public_config(self, config):
        return {**super().public_config(config), **_exam_fields(config)}

    def learner_context(self, config, state):
        return {"exam": self.public_config(config), "rank_labels": RANK_LABELS}


def _exam_fields(config: dict[str, Any]) -> dict[str, Any]:
    """An exam's own settings as its form and learners see them (the duration is stored as
    the quiz's time limit)."""
    return {"duration_minutes": config.get("time_limit_minutes"),
            "ranks": config.get("ranks"), "max_age": config.get("max_age")}
