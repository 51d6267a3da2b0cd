"""Moodle's Aiken question format: a parser, written from shared/formats/GIFT-AIKEN.md.

An Aiken question is a stem (one or more lines), then its options `A)` or `A.` (uppercase
letters in order A, B, C, ..., at least two), then `ANSWER: X` naming one of them; blank lines
separate questions. Moodle reads a stem of one line only, does not check the answer letter and
drops incomplete questions with no more than a warning; we refuse every such question with its
line number instead, and report every bad question of a file in one `AikenErrors`.

Pure Python: plain text in, the GIFT module's `Question` dataclasses out (single-answer
multiple choice, plain text), so that callers treat both formats alike.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lms.activities.builtin.quiz.gift import Answer, GiftError, GiftErrors, Question

_LINES = re.compile(r"\r\n|\r|\n")
# Moodle's option pattern: an uppercase letter, `)` or `.`, then an optional space or tab.
_OPTION = re.compile(r"([A-Z])[).][ \t]?")
# The same with a full-width delimiter, which Moodle does not read as an option.
_WIDE_OPTION = re.compile(r"[A-Z][）．。]")
_ANSWER = "ANSWER:"


class AikenError(GiftError):
    """One problem in an Aiken file, at a 1-based line."""


class AikenErrors(GiftErrors):
    """Every problem found in an Aiken file (one per refused question), in file order."""


@dataclass
class _Draft:
    """A question being read: its stem lines, options and answer line, with their line numbers."""

    first: int
    stem: list[str] = field(default_factory=list)
    options: list[tuple[int, str, str]] = field(default_factory=list)  # (line, letter, text)
    answer: tuple[int, str] | None = None  # (line, what follows `ANSWER:`)


def default_name(text: str) -> str:
    """The name of a question without one: its text on one line, cut at 80 characters, as the
    GIFT parser makes it (without its removal of HTML tags: Aiken text is plain, and `3 < 5`
    is not a tag)."""
    plain = " ".join(text.split())
    return plain[:80].rstrip() or "question"


def parse_aiken(text: str) -> list[Question]:
    """Parse an Aiken file. Raises AikenErrors listing every refused question, each with its
    line; a file without any question is refused too."""
    questions: list[Question] = []
    errors: list[AikenError] = []
    for block in _blocks(text):
        try:
            questions.append(_question(block))
        except AikenError as error:
            errors.append(error)
    if not questions and not errors:
        errors.append(AikenError(1, "the file holds no questions"))
    if errors:
        raise AikenErrors(errors)
    return questions


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Split the file at blank lines into blocks of (line number, trimmed line). A BOM at the
    start is dropped; lines end at LF, CRLF or a lone CR."""
    text = text.removeprefix("\ufeff")
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(_LINES.split(text), 1):
        line = line.strip()
        if line:
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _expected(draft: _Draft) -> str:
    return chr(ord("A") + len(draft.options))


def _read(block: list[tuple[int, str]]) -> _Draft:
    """Sort the lines of one block into stem, options and answer, refusing any line out of
    place."""
    draft = _Draft(block[0][0])
    for number, line in block:
        if draft.answer is not None:
            raise AikenError(number, "text after the ANSWER: line; put a blank line between "
                             "questions")
        if line.startswith(_ANSWER):
            if not draft.stem:
                raise AikenError(number, "ANSWER: line before any question text")
            draft.answer = (number, line[len(_ANSWER):].strip())
            continue
        option = _OPTION.match(line)
        if option:
            letter = option.group(1)
            if not draft.stem:
                raise AikenError(number, f"option {letter} before any question text (a question "
                                 "may not start like an option)")
            if any(letter == seen for _, seen, _ in draft.options):
                raise AikenError(number, f"option {letter} repeated")
            if letter != _expected(draft):
                raise AikenError(number, f"option {letter} out of order, expected "
                                 f"{_expected(draft)}")
            text = line[option.end():].strip()
            if not text:
                raise AikenError(number, f"option {letter} has no text")
            draft.options.append((number, letter, text))
            continue
        if line[:len(_ANSWER)].upper() == _ANSWER:
            raise AikenError(number, "the answer line must start with ANSWER: in capitals")
        if draft.options:
            hint = (" (options are written A) or A. with ASCII punctuation)"
                    if _WIDE_OPTION.match(line) else "")
            raise AikenError(number, f"expected option {_expected(draft)} or the ANSWER: line"
                             f"{hint}")
        draft.stem.append(line)
    return draft


def _question(block: list[tuple[int, str]]) -> Question:
    """Parse one block into a single-answer multiple-choice question."""
    draft = _read(block)
    if draft.answer is None:
        raise AikenError(draft.first, "question without an ANSWER: line")
    answer_line, letter = draft.answer
    if len(draft.options) < 2:
        hint = (" (options are written A) or A. with ASCII punctuation)"
                if any(_WIDE_OPTION.match(line) for line in draft.stem) else "")
        raise AikenError(draft.first, f"a question needs at least two options, found "
                         f"{len(draft.options)}{hint}")
    letters = [seen for _, seen, _ in draft.options]
    if not letter:
        raise AikenError(answer_line, "ANSWER: names no option")
    if len(letter) > 1:
        raise AikenError(answer_line, f"ANSWER: {letter} must name exactly one option")
    if letter not in letters:
        if letter.upper() in letters:
            raise AikenError(answer_line, f"ANSWER: {letter} must be the capital letter "
                             f"{letter.upper()}")
        raise AikenError(answer_line, f"ANSWER: {letter} is not one of the options "
                         f"{', '.join(letters)}")
    text = "\n".join(draft.stem)
    answers = [Answer(option, 1.0 if seen == letter else 0.0, text_format="plain",
                      feedback_format="plain")
               for _, seen, option in draft.options]
    return Question("multichoice", default_name(text), text, text_format="plain",
                    answers=answers, line=draft.first)
