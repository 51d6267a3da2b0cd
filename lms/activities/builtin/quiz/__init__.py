"""`quiz`: fixed questions from a GIFT file and random draws from the course's question bank.

Attempts, scoring and grading belong to the assessment module, which asks `assessment()` for
the questions and rules of an attempt.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, TextAreaField
from wtforms.validators import NumberRange, Optional

from lms.activities.base import (
    GRADED,
    REVIEW_POLICIES,
    ActivityType,
    AssessmentSpec,
    AuthoringContext,
)
from lms.activities.builtin.helpers import flag, in_form, number, text
from lms.activities.builtin.quiz.gift import GiftErrors, parse_gift
from lms.activities.forms import ActivityForm
from lms.core.forms import select_choices
from lms.core.timeutil import from_local

REVIEW_LABELS = {"never": _l("Never"), "after_submit": _l("After the attempt is submitted"),
                 "after_close": _l("After the quiz closes")}
_TIME = "%Y-%m-%dT%H:%M"


class QuizForm(ActivityForm):
    gift = TextAreaField(_l("Questions (GIFT format)"), validators=[Optional()],
                         render_kw={"rows": 16, "class": "code"})
    draws = TextAreaField(
        _l("Random questions from the course's question bank"), validators=[Optional()],
        description=_l("One line per category: the category path, a colon, how many to draw "
                       "for each attempt. Example: 公文写作/格式: 5"),
        render_kw={"rows": 3})
    pass_score = IntegerField(_l("Pass score (%)"), default=60,
                              validators=[Optional(), NumberRange(min=0, max=100)])
    attempts = IntegerField(_l("Attempts allowed (0: unlimited)"), default=0,
                            validators=[Optional(), NumberRange(min=0, max=100)])
    time_limit_minutes = IntegerField(_l("Time limit in minutes"),
                                      validators=[Optional(), NumberRange(min=1, max=600)])
    shuffle_questions = BooleanField(_l("Shuffle the questions for each attempt"))
    shuffle_answers = BooleanField(
        _l("Shuffle the options of each question"), default=True,
        description=_l("Each attempt shows the options in an order of its own. True/false "
                       "keeps its order; an option such as “all of the above” stays last while "
                       "the options above it are shuffled; a question whose options name "
                       "others by letter (“A and B”) keeps its order."))
    review = SelectField(_l("Show the correct answers"), default="after_submit",
                         choices=select_choices(REVIEW_LABELS.items()))
    opens_at = DateTimeLocalField(_l("Opens at"), format=_TIME, validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes at"), format=_TIME, validators=[Optional()])


class Quiz(ActivityType):
    key = "quiz"
    name = _l("Quiz")
    capabilities = frozenset({GRADED})
    fields = ("questions", "gift", "draws", "pass_score", "attempts", "time_limit_minutes",
              "shuffle_questions", "shuffle_answers", "review", "opens_at", "closes_at")
    template_folder = Path(__file__).parent / "templates"

    def validate_config(self, raw, ctx: AuthoringContext, origin: str) -> dict[str, Any]:
        path = text(raw, "questions") or None
        gift = raw.get("gift") if isinstance(raw.get("gift"), str) else None
        if path:
            gift = ctx.read_text(path, origin=origin)
        draws = _draws(raw.get("draws"), ctx, origin)
        count = 0
        if gift and gift.strip():
            try:
                count = len([q for q in parse_gift(gift) if q.qtype != "description"])
            except GiftErrors as exc:
                for err in exc.errors:
                    ctx.problem(err.message, file=path or _("questions"), line=err.line)
        elif not draws:
            ctx.problem(_("A quiz needs its questions: write them, or draw them at random "
                          "from the course's question bank.") if in_form(ctx) else
                        _("A quiz needs its questions: a GIFT file (`questions`) or random "
                          "draws from the question bank (`draws`)."), file=origin)
        if count == 0 and not draws and gift and gift.strip():
            ctx.problem(_("The quiz has no questions."), file=path or origin)
        pass_score = number(raw, "pass_score", ctx, origin, default=60, high=100)
        attempts = number(raw, "attempts", ctx, origin, default=0, high=100)
        limit = number(raw, "time_limit_minutes", ctx, origin, default=None, low=1, high=600)
        review = raw.get("review") or "after_submit"
        if review not in REVIEW_POLICIES:
            ctx.problem(_("review must be one of: %(choices)s.",
                          choices=", ".join(REVIEW_POLICIES)), file=origin)
            review = "after_submit"
        opens_at = _moment(raw.get("opens_at"), "opens_at", ctx, origin)
        closes_at = _moment(raw.get("closes_at"), "closes_at", ctx, origin)
        if opens_at and closes_at and closes_at <= opens_at:
            ctx.problem(_("The quiz must close after it opens."), file=origin)
        if review == "after_close" and not closes_at:
            ctx.problem(_("Showing answers after the quiz closes needs a closing time."),
                        file=origin)
        return {"questions": path, "gift": gift or "", "draws": draws,
                "question_count": count + sum(d["count"] for d in draws),
                "pass_score": pass_score, "attempts": int(attempts or 0),
                "time_limit_minutes": int(limit) if limit else None,
                "shuffle_questions": flag(raw, "shuffle_questions", ctx, origin, default=False),
                # On unless the author turns it off (see lms.assessment.option_order).
                "shuffle_answers": flag(raw, "shuffle_answers", ctx, origin, default=True),
                "review": review,
                "opens_at": opens_at, "closes_at": closes_at}

    def export(self, config, key):
        path = config.get("questions") or f"quiz/{key}.gift"
        fields: dict[str, Any] = {"questions": path, "pass_score": config.get("pass_score", 60)}
        if config.get("attempts"):
            fields["attempts"] = config["attempts"]
        for name in ("time_limit_minutes", "draws", "shuffle_questions", "opens_at",
                     "closes_at"):
            if config.get(name):
                fields[name] = config[name]
        if not config.get("shuffle_answers", True):
            fields["shuffle_answers"] = False
        if config.get("review", "after_submit") != "after_submit":
            fields["review"] = config["review"]
        if not (config.get("gift") or "").strip():
            del fields["questions"]
            return fields, {}
        return fields, {path: config.get("gift") or ""}

    def form_class(self):
        return QuizForm

    def form_data(self, config):
        data = {k: config.get(k) for k in ("gift", "pass_score", "attempts",
                                           "time_limit_minutes", "shuffle_questions",
                                           "review")}
        data["shuffle_answers"] = config.get("shuffle_answers", True)
        data["draws"] = "\n".join(f"{d['category']}: {d['count']}"
                                  for d in config.get("draws") or [])
        for name in ("opens_at", "closes_at"):
            data[name] = datetime.strptime(config[name], _TIME) if config.get(name) else None
        return data

    def completion_rule(self, config):
        return {"kind": "pass", "pass_score": config.get("pass_score", 60)}

    def completion_text(self, config):
        return _("Completion: pass with %(n)d%%", n=int(config.get("pass_score", 60)))

    def is_complete(self, config, progress):
        # Scored on the server by the assessment module, which reports `passed`.
        return progress.get("passed") is True

    def assessment(self, config):
        return AssessmentSpec(
            questions=list(_questions(config.get("gift") or "")),
            draws=[(d["category"], d["count"]) for d in config.get("draws") or []],
            pass_score=float(config.get("pass_score", 60)),
            attempts=int(config.get("attempts") or 0),
            time_limit_minutes=config.get("time_limit_minutes"),
            opens_at=_utc(config.get("opens_at")), closes_at=_utc(config.get("closes_at")),
            shuffle_questions=bool(config.get("shuffle_questions")),
            shuffle_answers=bool(config.get("shuffle_answers", True)),
            review=config.get("review") or "after_submit")

    def public_config(self, config):
        # Never the GIFT source: it holds the answer key.
        return {k: config.get(k) for k in ("question_count", "pass_score", "attempts",
                                           "time_limit_minutes", "review", "opens_at",
                                           "closes_at")}

    def learner_context(self, config, state):
        return {"quiz": self.public_config(config)}


@lru_cache(maxsize=64)
def _questions(gift: str) -> tuple:
    """A quiz's fixed questions, parsed once per GIFT text (asking for the rules of an
    attempt, on every page that shows one, then costs no parsing). Read-only."""
    return tuple(parse_gift(gift)) if gift.strip() else ()


def _draws(value: Any, ctx: AuthoringContext, origin: str) -> list[dict[str, Any]]:
    """Draws as package fields give them ([{category, count}]) or as the form's lines
    ("path: count")."""
    if not value:
        return []
    items: list[tuple[Any, Any]] = []
    if isinstance(value, str):
        for line in value.replace("：", ":").splitlines():
            if line.strip():
                category, _sep, count = line.rpartition(":")
                items.append((category.strip(), count.strip()))
    elif isinstance(value, list):
        items = [(d.get("category"), d.get("count")) if isinstance(d, dict) else (None, None)
                 for d in value]
    else:
        items = [(None, None)]
    draws = []
    for category, count in items:
        try:
            n = int(count)
        except (TypeError, ValueError):
            n = 0
        if not isinstance(category, str) or not category or not 1 <= n <= 200:
            ctx.problem(_("Each draw needs a category path and a count from 1 to 200 "
                          "(e.g. 公文写作/格式: 5)."), file=origin)
            continue
        draws.append({"category": category.strip("/"), "count": n})
    return draws


def _moment(value: Any, name: str, ctx: AuthoringContext, origin: str) -> str | None:
    """A local date and time as stored ("YYYY-MM-DDTHH:MM"), from the form or a package."""
    if not value:
        return None
    if isinstance(value, datetime):
        return value.strftime(_TIME)
    try:
        return datetime.fromisoformat(str(value).strip().replace(" ", "T")).strftime(_TIME)
    except ValueError:
        ctx.problem(_("%(field)s must be a date and time like 2026-12-01 09:00.", field=name),
                    file=origin)
        return None


def _utc(value: str | None) -> datetime | None:
    return from_local(datetime.strptime(value, _TIME)) if value else None
