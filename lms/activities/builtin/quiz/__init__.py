"""`quiz`: questions from a GIFT file. Attempts and grading belong to the assessment module."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from lms.activities.base import GRADED, ActivityType, AuthoringContext
from lms.activities.builtin.helpers import number, text
from lms.activities.builtin.quiz.gift import GiftErrors, parse_gift
from lms.activities.forms import ActivityForm


class QuizForm(ActivityForm):
    gift = TextAreaField(_l("Questions (GIFT format)"), validators=[DataRequired()],
                         render_kw={"rows": 16, "class": "code"})
    pass_score = IntegerField(_l("Pass score (%)"), default=60,
                              validators=[Optional(), NumberRange(min=0, max=100)])
    attempts = IntegerField(_l("Attempts allowed (0: unlimited)"), default=0,
                            validators=[Optional(), NumberRange(min=0, max=100)])
    time_limit_minutes = IntegerField(_l("Time limit in minutes"),
                                      validators=[Optional(), NumberRange(min=1, max=600)])


class Quiz(ActivityType):
    key = "quiz"
    name = _l("Quiz")
    capabilities = frozenset({GRADED})
    fields = ("questions", "gift", "pass_score", "attempts", "time_limit_minutes")
    template_folder = Path(__file__).parent / "templates"

    def validate_config(self, raw, ctx: AuthoringContext, origin: str) -> dict[str, Any]:
        path = text(raw, "questions") or None
        gift = raw.get("gift") if isinstance(raw.get("gift"), str) else None
        if path:
            gift = ctx.read_text(path, origin=origin)
        count = 0
        if not gift or not gift.strip():
            ctx.problem(_("A quiz needs its questions (the `questions` GIFT file)."), file=origin)
            gift = ""
        else:
            try:
                count = len([q for q in parse_gift(gift) if q.qtype != "description"])
            except GiftErrors as exc:
                for err in exc.errors:
                    ctx.problem(err.message, file=path or _("questions"), line=err.line)
            if count == 0 and gift.strip():
                ctx.problem(_("The quiz has no questions."), file=path or origin)
        pass_score = number(raw, "pass_score", ctx, origin, default=60, high=100)
        attempts = number(raw, "attempts", ctx, origin, default=0, high=100)
        limit = number(raw, "time_limit_minutes", ctx, origin, default=None, low=1, high=600)
        return {"questions": path, "gift": gift, "question_count": count,
                "pass_score": pass_score, "attempts": int(attempts or 0),
                "time_limit_minutes": int(limit) if limit else None}

    def export(self, config, key):
        path = config.get("questions") or f"quiz/{key}.gift"
        fields: dict[str, Any] = {"questions": path, "pass_score": config.get("pass_score", 60)}
        if config.get("attempts"):
            fields["attempts"] = config["attempts"]
        if config.get("time_limit_minutes"):
            fields["time_limit_minutes"] = config["time_limit_minutes"]
        return fields, {path: config.get("gift") or ""}

    def form_class(self):
        return QuizForm

    def form_data(self, config):
        return {k: config.get(k) for k in ("gift", "pass_score", "attempts",
                                           "time_limit_minutes")}

    def completion_rule(self, config):
        return {"kind": "pass", "pass_score": config.get("pass_score", 60)}

    def is_complete(self, config, progress):
        # Scored on the server by the assessment module, which reports `passed`.
        return progress.get("passed") is True

    def public_config(self, config):
        # Never the GIFT source: it holds the answer key.
        return {k: config.get(k) for k in ("question_count", "pass_score", "attempts",
                                           "time_limit_minutes")}

    def learner_context(self, config, state):
        return {"quiz": self.public_config(config)}
