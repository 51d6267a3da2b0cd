"""`survey`: a questionnaire (问卷) of ratings, choices and free text, answered once.

Used as a course's feedback activity and, outside any course, as a training class's
evaluation (the class evaluation calls `validate_config`, `take_answers`, `summarise` and the
templates `answer_form.html` and `summary.html` through the registry). Answers are final once
submitted: a learner sees them read-only afterwards. An anonymous survey never shows who
answered what in its results or their spreadsheet; the platform still knows who has answered,
which is what completes the activity.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import DataRequired

from lms.activities.base import (
    RESPONSE,
    ActivityType,
    Answered,
    AuthoringContext,
    LearnerState,
    LecturerView,
)
from lms.activities.builtin.helpers import flag, in_form, text
from lms.activities.forms import ActivityForm
from lms.core.timeutil import local_time, utcnow

KINDS = ("rating", "text", "choice")
# What an author may type for a kind in the form's lines (English or Chinese).
KIND_WORDS = {"rating": "rating", "评分": "rating", "text": "text", "问答": "text",
              "文字": "text", "choice": "choice", "单选": "choice", "选择": "choice"}
QUESTION_FIELDS = ("id", "kind", "text", "subject", "required", "options", "scale")
ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
DEFAULT_SCALE = 5
MAX_QUESTIONS = 100
MAX_TEXT = 2000          # characters of one free-text answer
TEXT_SHOWN = 500         # free-text answers kept per question in a summary (the rest counted)
# A form line: an optional number ("3."), the kind with an optional scale and "?" (may be left
# unanswered), a colon, the question, and for a choice its options after "|".
_REPORTED: dict[str, Any] = {}  # a form line whose problem is already reported
_LINE = re.compile(r"^\s*(?:(\d{1,3})\s*[.、．]\s*)?([^\s:：?？\d]+)\s*(\d{1,2})?"
                   r"\s*([?？])?\s*[:：]\s*(.*)$")


class SurveyForm(ActivityForm):
    intro = TextAreaField(_l("Introduction"), render_kw={"rows": 4, "data-markdown": "1"})
    anonymous = BooleanField(_l("Anonymous: results never show who answered what"),
                             default=True)
    questions_text = TextAreaField(
        _l("Questions, one per line"), validators=[DataRequired()],
        description=_l("rating: question (1 to 5; “rating 10:” for 1 to 10) · text: question "
                       "· choice: question | option | option. A “?” after the kind lets it "
                       "be left unanswered (text?: suggestions). A line “@name” groups the "
                       "questions below it under that name (a lecturer, “本班”); a line “@” "
                       "ends the group."),
        render_kw={"rows": 12})


def _scale(value: Any, n: int, ctx: AuthoringContext, origin: str) -> int:
    if value in (None, ""):
        return DEFAULT_SCALE
    if isinstance(value, bool) or not isinstance(value, int | str) \
            or not str(value).isdigit() or not 2 <= int(value) <= 10:
        ctx.problem(_("Question %(n)d: the scale must be a whole number from 2 to 10.", n=n),
                    file=origin)
        return DEFAULT_SCALE
    return int(value)


def _parse_lines(lines: str, ctx: AuthoringContext, origin: str) -> list[dict[str, Any]]:
    """Questions from the form's lines (see `SurveyForm.questions_text`). A numbered line
    keeps its number as its id (q3), so editing the list keeps earlier answers aligned."""
    questions: list[dict[str, Any]] = []
    subject = ""
    for line in lines.splitlines():
        if not line.strip():
            continue
        if line.strip().startswith("@"):
            subject = line.strip()[1:].strip()
            continue
        match = _LINE.match(line)
        n = len(questions) + 1
        if match is None:
            ctx.problem(_("Question %(n)d: write the kind, a colon and the question, e.g. "
                          "“rating: 课程内容是否实用”.", n=n), file=origin)
            questions.append(_REPORTED)
            continue
        number, word, scale, optional, rest = match.groups()
        parts = [p.strip() for p in re.split(r"[|｜]", rest)]
        question: dict[str, Any] = {"kind": KIND_WORDS.get(word.lower(), word),
                                    "text": parts[0], "required": not optional}
        if number:
            question["id"] = f"q{int(number)}"
        if subject:
            question["subject"] = subject
        if scale:
            question["scale"] = int(scale)
        if len(parts) > 1:
            question["options"] = [p for p in parts[1:] if p]
        questions.append(question)
    used = {q["id"] for q in questions if q.get("id")}
    number = 0
    for question in questions:
        if question is not _REPORTED and not question.get("id"):
            number += 1
            while f"q{number}" in used:
                number += 1
            question["id"] = f"q{number}"
            used.add(question["id"])
    return questions


def _question(raw: Any, n: int, seen: set[str], ctx: AuthoringContext,
              origin: str) -> dict[str, Any] | None:
    """One question checked; problems name its number."""
    if raw is _REPORTED:
        return None
    if not isinstance(raw, dict):
        ctx.problem(_("Question %(n)d must be a table of fields.", n=n), file=origin)
        return None
    unknown = set(raw) - set(QUESTION_FIELDS)
    if unknown:
        ctx.problem(_("Question %(n)d has unknown fields: %(f)s", n=n,
                      f=", ".join(sorted(unknown))), file=origin)
    qid = raw.get("id") if raw.get("id") not in (None, "") else f"q{n}"
    if not isinstance(qid, str) or not ID_RE.match(qid):
        ctx.problem(_("Question %(n)d: its id must be lower-case letters, digits or “_”, "
                      "starting with a letter (e.g. q1).", n=n), file=origin)
    elif qid in seen:
        ctx.problem(_("Question %(n)d: the id %(id)s is used twice.", n=n, id=qid),
                    file=origin)
    seen.add(str(qid))
    kind = raw.get("kind")
    if kind not in KINDS:
        ctx.problem(_("Question %(n)d: the kind must be rating, text or choice.", n=n),
                    file=origin)
    wording = text(raw, "text")
    if not wording:
        ctx.problem(_("Question %(n)d needs its text.", n=n), file=origin)
    elif len(wording) > 500:
        ctx.problem(_("Question %(n)d: the text is longer than 500 characters.", n=n),
                    file=origin)
    subject = raw.get("subject") or ""
    if not isinstance(subject, str) or len(subject) > 100:
        ctx.problem(_("Question %(n)d: the group name must be a text of at most 100 "
                      "characters.", n=n), file=origin)
        subject = ""
    required = raw.get("required", True)
    if not isinstance(required, bool):
        ctx.problem(_("Question %(n)d: required must be true or false.", n=n), file=origin)
        required = True
    question: dict[str, Any] = {"id": str(qid), "kind": kind, "text": wording,
                                "subject": subject.strip(), "required": required}
    if kind == "rating":
        question["scale"] = _scale(raw.get("scale"), n, ctx, origin)
    elif raw.get("scale") not in (None, ""):
        ctx.problem(_("Question %(n)d: only a rating has a scale.", n=n), file=origin)
    options = raw.get("options")
    if kind == "choice":
        if not isinstance(options, list) or not all(isinstance(o, str) and o.strip()
                                                    for o in options):
            options = []
        options = [o.strip() for o in options]
        if len(options) < 2 or len(set(options)) != len(options):
            ctx.problem(_("Question %(n)d: a choice needs at least two different options.",
                          n=n), file=origin)
        question["options"] = options
    elif options:
        ctx.problem(_("Question %(n)d: only a choice has options.", n=n), file=origin)
    return question


class Survey(ActivityType):
    key = "survey"
    name = _l("Survey")
    capabilities = frozenset({RESPONSE})
    fields = ("intro", "anonymous", "questions", "questions_text")
    template_folder = Path(__file__).parent / "templates"

    # ---- authored content ----------------------------------------------------------------
    def validate_config(self, raw, ctx: AuthoringContext, origin: str) -> dict[str, Any]:
        """The one check for a package's fields, the form's and a class evaluation's config:
        problems name the question by its number."""
        items = raw.get("questions")
        if items is None and isinstance(raw.get("questions_text"), str):
            items = _parse_lines(raw["questions_text"], ctx, origin)
        if not isinstance(items, list) or not items:
            ctx.problem(_("A survey needs at least one question.") if in_form(ctx) else
                        _("A survey needs at least one question (questions)."), file=origin)
            items = []
        if len(items) > MAX_QUESTIONS:
            ctx.problem(_("A survey has at most %(n)d questions.", n=MAX_QUESTIONS),
                        file=origin)
            items = items[:MAX_QUESTIONS]
        seen: set[str] = set()
        questions = [q for n, item in enumerate(items, start=1)
                     if (q := _question(item, n, seen, ctx, origin)) is not None]
        intro = text(raw, "intro")
        ctx.markdown(intro)
        return {"intro": intro, "anonymous": flag(raw, "anonymous", ctx, origin, default=True),
                "questions": questions}

    def render(self, config, ctx: AuthoringContext) -> str:
        return ctx.markdown(config.get("intro") or "")

    def export(self, config, key):
        questions = []
        for q in config.get("questions", []):
            item = {"id": q["id"], "kind": q["kind"], "text": q["text"]}
            if q.get("subject"):
                item["subject"] = q["subject"]
            if not q.get("required", True):
                item["required"] = False
            if q["kind"] == "rating" and q.get("scale", DEFAULT_SCALE) != DEFAULT_SCALE:
                item["scale"] = q["scale"]
            if q["kind"] == "choice":
                item["options"] = list(q.get("options", []))
            questions.append(item)
        fields: dict[str, Any] = {"anonymous": bool(config.get("anonymous", True)),
                                  "questions": questions}
        if config.get("intro"):
            fields["intro"] = config["intro"]
        return fields, {}

    def form_class(self):
        return SurveyForm

    def form_data(self, config):
        return {"intro": config.get("intro", ""),
                "anonymous": bool(config.get("anonymous", True)),
                "questions_text": question_lines(config.get("questions", []))}

    # ---- learners ------------------------------------------------------------------------
    def completion_rule(self, config):
        return {"kind": "response"}

    def completion_text(self, config):
        return _("Completion: submit the questionnaire.")

    def initial_state(self):
        return {}

    def public_config(self, config):
        return {"anonymous": bool(config.get("anonymous", True)),
                "questions": [dict(q) for q in config.get("questions", [])]}

    def learner_context(self, config, state):
        answered_at = state.get("answered_at")
        return {"survey": self.public_config(config),
                "answered": state.get("answers") if answered_at else None,
                "answered_at": datetime.fromisoformat(answered_at) if answered_at else None}

    def take_answers(self, config, state, data: Mapping[str, Any]) -> Answered:
        """Check every question (required ones answered, ratings within the scale, choices
        among the options, texts not too long). Answers are final: a second submission is
        refused."""
        if state.get("answered_at"):
            return Answered(state=dict(state), problems={"": _(
                "You have already submitted this questionnaire; answers cannot be changed.")})
        answers: dict[str, Any] = {}
        problems: dict[str, str] = {}
        for n, q in enumerate(config.get("questions", []), start=1):
            value, problem = _answer(q, n, data.get(q["id"]))
            if problem:
                problems[q["id"]] = problem
            elif value is not None:
                answers[q["id"]] = value
        if problems:
            return Answered(state=dict(state), problems=problems)
        return Answered(state={**state, "answers": answers,
                               "answered_at": utcnow().isoformat(timespec="seconds")},
                        completed=True)

    # ---- results -------------------------------------------------------------------------
    def summarise(self, config, states: Iterable[dict[str, Any]]) -> dict[str, Any]:
        """Per question, grouped by `subject` in the order the groups first appear: a rating's
        count, mean (2 decimals) and distribution over 1..scale; a choice's count per option;
        a text's answers (at most TEXT_SHOWN kept, `more` counts the rest), each with `by`
        when the survey is not anonymous and the state carries it."""
        questions = config.get("questions", [])
        tally = {q["id"]: _Tally(q) for q in questions}
        anonymous = bool(config.get("anonymous", True))
        respondents = 0
        for state in states:
            answers = state.get("answers")
            if not isinstance(answers, dict) or not state.get("answered_at"):
                continue
            respondents += 1
            by = None if anonymous else state.get("by")
            for qid, value in answers.items():
                if qid in tally:
                    tally[qid].add(value, by)
        groups: dict[str, list[dict[str, Any]]] = {}
        for n, q in enumerate(questions, start=1):
            groups.setdefault(q.get("subject") or "", []).append(tally[q["id"]].result(n))
        return {"respondents": respondents, "anonymous": anonymous,
                "groups": [{"subject": s, "questions": qs} for s, qs in groups.items()]}

    def lecturer_views(self) -> list[LecturerView]:
        return [LecturerView("results", _l("Questionnaire results"), _results_view,
                             "results.html", table=_results_table)]


def _answer(q: dict[str, Any], n: int, value: Any) -> tuple[Any, str | None]:
    """A learner's answer to question `n` as stored, or the problem with it."""
    if isinstance(value, str):
        value = value.strip()
    if value in (None, ""):
        if q.get("required", True):
            return None, _("Question %(n)d: an answer is required.", n=n)
        return None, None
    if q["kind"] == "rating":
        scale = int(q.get("scale", DEFAULT_SCALE))
        number = value if isinstance(value, int) and not isinstance(value, bool) else (
            int(value) if isinstance(value, str) and value.isdigit() else None)
        if number is None or not 1 <= number <= scale:
            return None, _("Question %(n)d: choose a rating from 1 to %(scale)d.", n=n,
                           scale=scale)
        return number, None
    if q["kind"] == "choice":
        if not isinstance(value, str) or value not in q.get("options", []):
            return None, _("Question %(n)d: choose one of the options.", n=n)
        return value, None
    if not isinstance(value, str):
        return None, _("Question %(n)d: write the answer as text.", n=n)
    if len(value) > MAX_TEXT:
        return None, _("Question %(n)d: write at most %(max)d characters.", n=n, max=MAX_TEXT)
    return value, None


class _Tally:
    """What one question's answers add up to."""

    def __init__(self, q: dict[str, Any]) -> None:
        self.q = q
        self.count = 0
        self.total = 0
        self.values: dict[Any, int] = {}
        self.texts: list[dict[str, Any]] = []

    def add(self, value: Any, by: str | None) -> None:
        kind = self.q["kind"]
        if kind == "rating" and isinstance(value, int) and not isinstance(value, bool):
            self.total += value
        elif kind == "choice" and isinstance(value, str):
            pass
        elif kind == "text" and isinstance(value, str):
            if len(self.texts) < TEXT_SHOWN:
                self.texts.append({"text": value, "by": by} if by else {"text": value})
        else:
            return  # an answer that no longer fits the question (it was edited)
        self.count += 1
        if kind != "text":
            self.values[value] = self.values.get(value, 0) + 1

    def result(self, n: int) -> dict[str, Any]:
        q = self.q
        out: dict[str, Any] = {"id": q["id"], "number": n, "kind": q["kind"], "text": q["text"],
                               "required": q.get("required", True), "count": self.count}
        if q["kind"] == "rating":
            scale = int(q.get("scale", DEFAULT_SCALE))
            out["scale"] = scale
            out["mean"] = round(self.total / self.count, 2) if self.count else None
            out["distribution"] = [[v, self.values.get(v, 0)] for v in range(1, scale + 1)]
        elif q["kind"] == "choice":
            out["options"] = [[o, self.values.get(o, 0)] for o in q.get("options", [])]
        else:
            out["answers"] = self.texts
            out["more"] = self.count - len(self.texts)
        return out


def question_lines(questions: list[dict[str, Any]]) -> str:
    """The form's lines for stored questions (numbered, so their ids stay)."""
    lines, subject = [], ""
    for q in questions:
        if (q.get("subject") or "") != subject:
            subject = q.get("subject") or ""
            lines.append(f"@{subject}")
        number = q["id"][1:] if re.fullmatch(r"q\d{1,3}", q["id"]) else None
        head = f"{number}. " if number else ""
        scale = f" {q['scale']}" if q["kind"] == "rating" and q.get("scale", DEFAULT_SCALE) \
            != DEFAULT_SCALE else ""
        optional = "?" if not q.get("required", True) else ""
        options = "".join(f" | {o}" for o in q.get("options", [])) if q["kind"] == "choice" \
            else ""
        lines.append(f"{head}{q['kind']}{scale}{optional}: {q['text']}{options}")
    return "\n".join(lines)


def _with_names(config: dict[str, Any], states: Iterable[LearnerState]
                ) -> Iterable[dict[str, Any]]:
    """The stored states, each with who answered (`by`) unless the survey is anonymous."""
    anonymous = bool(config.get("anonymous", True))
    for s in states:
        if anonymous:
            yield s.state
        else:
            yield {**s.state, "by": f"{s.name}（{s.unit}）" if s.unit else s.name}


def _results_view(activity, config, states: Iterable[LearnerState]) -> dict[str, Any]:
    return {"summary": Survey().summarise(config, _with_names(config, states))}


def _results_table(activity, config, states: Iterable[LearnerState]
                   ) -> tuple[list[str], Iterable[list[Any]]]:
    """One row per submitted questionnaire, one column per question (and, unless anonymous,
    who answered and when)."""
    questions = config.get("questions", [])
    anonymous = bool(config.get("anonymous", True))
    heads = [f"{n}. {q['subject']}：{q['text']}" if q.get("subject") else f"{n}. {q['text']}"
             for n, q in enumerate(questions, start=1)]
    headers = ([] if anonymous else [_("Full name"), _("Unit"), _("Submitted at")]) + heads

    def rows():
        for s in states:
            answers = s.state.get("answers")
            if not isinstance(answers, dict) or not s.state.get("answered_at"):
                continue
            who = [] if anonymous else [s.name, s.unit or "",
                                        local_time(datetime.fromisoformat(s.state["answered_at"]))]
            yield who + [answers.get(q["id"]) for q in questions]

    return headers, rows()


def evaluation_config(lecturers: list[str]) -> dict[str, Any]:
    """The default questionnaire of a training class's evaluation: the class as a whole
    (overall, content, organisation, venue and services), each lecturer's teaching, and
    suggestions. Stored content, written in Chinese like the platform's other content; it
    passes `Survey.validate_config` unchanged (with `lms.activities.base.PlainContext`)."""
    whole = "本班"
    questions: list[dict[str, Any]] = [
        {"id": "q1", "kind": "rating", "text": "对本期培训班的总体评价", "subject": whole,
         "required": True, "scale": DEFAULT_SCALE},
        {"id": "q2", "kind": "rating", "text": "培训内容的针对性和实用性", "subject": whole,
         "required": True, "scale": DEFAULT_SCALE},
        {"id": "q3", "kind": "rating", "text": "培训组织管理", "subject": whole,
         "required": True, "scale": DEFAULT_SCALE},
        {"id": "q4", "kind": "rating", "text": "培训场地和后勤服务", "subject": whole,
         "required": True, "scale": DEFAULT_SCALE},
    ]
    for name in dict.fromkeys(n.strip() for n in lecturers if n and n.strip()):
        questions.append({"id": f"q{len(questions) + 1}", "kind": "rating",
                          "text": "授课效果", "subject": name[:100], "required": True,
                          "scale": DEFAULT_SCALE})
    questions.append({"id": f"q{len(questions) + 1}", "kind": "text", "text": "意见和建议",
                      "subject": "", "required": False})
    return {"intro": "请对本期培训班作出评估。问卷不记名，结果仅用于改进培训工作。",
            "anonymous": True, "questions": questions}
