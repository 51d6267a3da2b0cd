"""How an attempt is shown to its learner (page and API) and how a page's form is read."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from lms.activities.base import AssessmentSpec
from lms.assessment import attempts as engine
from lms.assessment.models import Attempt
from lms.catalog.models import Activity
from lms.core.timeutil import utcnow
from lms.extensions import db


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def attempt_view(attempt: Attempt, now: datetime | None = None) -> dict[str, Any]:
    """An attempt as its learner may see it now: questions without any key while it is open
    or while review is not allowed; after submission, the score; with review allowed, the
    correct responses and feedback. Comments from a grader are always shown."""
    now = now or utcnow()
    activity = db.session.get(Activity, attempt.activity_id)
    spec = engine.spec_for(activity)
    answers = engine.answers_of(attempt.id)
    review = engine.review_allowed(attempt, spec, now)
    questions = []
    for slot in attempt.slots:
        answer = answers.get(slot["slot"])
        item = engine.review_slot(slot, answer) if review else engine.public_slot(slot)
        item["response"] = answer.response if answer else None
        if attempt.status == "open":
            item["answered"] = answered(item["response"])
            item["flagged"] = bool(answer and answer.flagged)
        else:
            item["comment"] = answer.comment if answer else None
            item["graded"] = answer is None or answer.fraction is not None
        questions.append(item)
    body: dict[str, Any] = {
        "id": attempt.id, "activity_id": attempt.activity_id, "number": attempt.number,
        "status": attempt.status, "started_at": _iso(attempt.started_at),
        "deadline_at": _iso(attempt.deadline_at),
        "seconds_left": engine.seconds_left(attempt, now) if attempt.status == "open" else None,
        "submitted_at": _iso(attempt.submitted_at), "max_score": attempt.max_score,
        "review": review, "questions": questions,
    }
    if attempt.status != "open":
        held = spec is not None and spec.held_results and not engine.released(attempt.activity_id)
        body["held"] = held
        if not review:  # why the correct answers are not shown: a code the page words
            body["review_note"] = _review_note(spec, held)
            body["review_from"] = _iso(spec.closes_at) if spec is not None else None
        if held:  # an exam's results wait for their release
            body.update(score=None, passed=None, percent=None)
        else:
            body.update(score=attempt.score, passed=attempt.passed,
                        percent=engine.percent(attempt))
        if engine.results_visible(attempt, spec) and spec is not None and spec.certificate \
                and attempt.passed:
            body["certificate"] = engine.certificate_number(attempt)
    return body


def answered(response: Any) -> bool:
    """Whether a saved response answers its question (an empty text, list or pairing, or a
    cleared choice, does not)."""
    if isinstance(response, str):
        return bool(response.strip())
    if isinstance(response, list | dict):
        return bool(response)
    return response is not None


def flags_from_form(attempt: Attempt, form: MultiDict) -> dict[int, bool]:
    """The "mark for review" checkboxes an attempt page's form holds (`flag<slot>`); none when
    the form did not carry them (`flags-present`)."""
    if "flags-present" not in form:
        return {}
    return {slot["slot"]: f"flag{slot['slot']}" in form for slot in attempt.slots
            if slot["qtype"] != "description"}


def _review_note(spec: AssessmentSpec | None, held: bool) -> str:
    """Why a finished attempt shows no correct answers: `never` (the author's choice),
    `held` (an exam's results wait for their release) or `after_close` (shown once the quiz
    closes, at `closes_at`)."""
    if spec is None or spec.review == "never":
        return "never"
    if held:
        return "held"
    return "after_close"


def _option(value: str) -> bool:
    """Whether a form value can be an option's index: a few plain ASCII digits (`int` also
    reads '²'-like digits and would fail on them, or on thousands of digits)."""
    return value.isascii() and value.isdigit() and len(value) < 6


def responses_from_form(attempt: Attempt, form: MultiDict) -> dict[int, Any]:
    """The responses an attempt page's form holds (`q<slot>` fields), typed as the API's."""
    responses: dict[int, Any] = {}
    for slot in attempt.slots:
        n, qtype, name = slot["slot"], slot["qtype"], f"q{slot['slot']}"
        if qtype == "multiresponse":
            values = [v for v in form.getlist(name) if _option(v)]
            if values or f"{name}-present" in form:
                responses[n] = [int(v) for v in values]
        elif qtype == "matching":
            picked = {str(i): form.get(f"{name}-{i}", "") for i in range(len(slot["lefts"]))}
            picked = {k: v for k, v in picked.items() if v}
            if picked:
                responses[n] = picked
        elif name not in form:
            continue
        elif qtype == "multichoice":
            value = form.get(name, "")
            responses[n] = int(value) if _option(value) else None
        elif qtype == "truefalse":
            responses[n] = {"true": True, "false": False}.get(form.get(name, ""))
        elif qtype in ("shortanswer", "numerical", "essay"):
            responses[n] = form.get(name, "")
    return responses
