"""Scoring one response to one question, on the server only.

A response is what the attempt page (or the API) sends for a question, in the shape its type
takes; `grade` returns the fraction of the question's mark earned, 0..1, or None when a person
grades it (essay). Malformed responses earn 0, never an error.

Rules, as learners are told them:

- single choice: the chosen option's weight (negative weights count as 0).
- multiple choice with several answers: each correct option chosen earns its weight; each
  wrong option chosen deducts its stated negative weight or, when the author stated none, as
  much as the largest correct weight; the total is kept between 0 and 100 %. Choosing every
  option therefore never earns full marks.
- true/false: all or nothing.
- fill in the blank: the best weight among the accepted answers that equal the response,
  ignoring case, full-width/half-width differences and spaces around it (NFKC, casefold).
- numerical: the best weight among answers within their tolerance (or range).
- matching: the share of pairs matched correctly.
"""
from __future__ import annotations

import math
import unicodedata
from typing import Any

from lms.core.params import finite_number

MANUAL = frozenset({"essay"})
UNSCORED = frozenset({"description"})


def normalise(text: str) -> str:
    """Text as fill-in answers are compared: NFKC (full-width to half-width), case-folded,
    inner runs of spaces made one, surrounding spaces removed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def _index(value: Any, size: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        i = int(value)
    except ValueError:
        return None
    return i if 0 <= i < size else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return finite_number(value)  # an int too large for a float is no answer either
    if isinstance(value, str):
        text = normalise(value).replace(",", "")
        try:
            number = float(text)
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def grade(qtype: str, body: dict, response: Any) -> float | None:
    """The fraction (0..1) of the mark that `response` earns; None for a person to grade."""
    if qtype in MANUAL:
        return None
    if response is None or qtype in UNSCORED:
        return 0.0
    answers = body.get("answers", [])
    if qtype == "multichoice":
        i = _index(response, len(answers))
        return _clamp(answers[i]["fraction"]) if i is not None else 0.0
    if qtype == "multiresponse":
        if not isinstance(response, list):
            return 0.0
        chosen = {i for i in (_index(v, len(answers)) for v in response) if i is not None}
        top = max((a["fraction"] for a in answers), default=1.0)
        total = 0.0
        for i in chosen:
            weight = answers[i]["fraction"]
            total += weight if weight != 0 else -top
        return _clamp(total)
    if qtype == "truefalse":
        if not isinstance(response, bool):
            return 0.0
        chosen = "true" if response else "false"
        return next((_clamp(a["fraction"]) for a in answers if a["text"] == chosen), 0.0)
    if qtype == "shortanswer":
        if not isinstance(response, str) or not response.strip():
            return 0.0
        given = normalise(response)
        return max((_clamp(a["fraction"]) for a in answers if normalise(a["text"]) == given),
                   default=0.0)
    if qtype == "numerical":
        given = _number(response)
        if given is None:
            return 0.0
        best = 0.0
        for a in answers:
            if a.get("tolerance") is None:  # the catch-all wrong answer
                continue
            value = _number(a["text"])
            if value is not None and abs(given - value) <= a["tolerance"] + 1e-9:
                best = max(best, _clamp(a["fraction"]))
        return best
    if qtype == "matching":
        pairs = [p for p in body.get("pairs", []) if p[0]]
        if not isinstance(response, dict) or not pairs:
            return 0.0
        right = sum(1 for i, (_left, answer) in enumerate(pairs)
                    if isinstance(response.get(str(i)), str) and response[str(i)] == answer)
        return right / len(pairs)
    return 0.0


def matched_answer(qtype: str, body: dict, response: Any) -> dict | None:
    """The answer of a true/false, fill-in or numerical question that a response met (the
    best one; for numerical, the catch-all wrong answer when none did): whose feedback the
    review shows."""
    answers = body.get("answers", [])
    if qtype == "truefalse" and isinstance(response, bool):
        chosen = "true" if response else "false"
        return next((a for a in answers if a["text"] == chosen), None)
    if qtype == "shortanswer" and isinstance(response, str) and response.strip():
        given = normalise(response)
        met = [a for a in answers if normalise(a["text"]) == given]
        return max(met, key=lambda a: a["fraction"], default=None)
    if qtype == "numerical" and response is not None:
        given = _number(response)
        met = [a for a in answers if given is not None and a.get("tolerance") is not None
               and (value := _number(a["text"])) is not None
               and abs(given - value) <= a["tolerance"] + 1e-9]
        if met:
            return max(met, key=lambda a: a["fraction"])
        return next((a for a in answers if a.get("tolerance") is None), None)
    return None


def correct_response(qtype: str, body: dict) -> Any:
    """The response that earns full marks, in the same shape as a learner's (for review)."""
    answers = body.get("answers", [])
    if qtype == "multichoice":
        return max(range(len(answers)), key=lambda i: answers[i]["fraction"], default=None)
    if qtype == "multiresponse":
        return [i for i, a in enumerate(answers) if a["fraction"] > 0]
    if qtype == "truefalse":
        return next((a["text"] == "true" for a in answers if a["fraction"] >= 1), None)
    if qtype in ("shortanswer", "numerical"):
        return [a["text"] for a in answers if a["fraction"] >= 1 and a["text"] != "*"]
    if qtype == "matching":
        return {str(i): right for i, (left, right) in
                enumerate(p for p in body.get("pairs", []) if p[0])}
    return None
