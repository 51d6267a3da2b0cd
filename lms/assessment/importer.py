"""Importing questions into the bank (GIFT, Aiken, spreadsheets) and exporting them as GIFT.

A file is parsed whole first; any problem and nothing is written (every problem is reported
with its line, or for a spreadsheet its row and column). Then its categories and questions are
written in one transaction.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import PurePath

from flask_babel import gettext as _
from sqlalchemy import Select, insert, select
from sqlalchemy.orm import contains_eager

from lms.activities.builtin.quiz.gift import Answer, GiftErrors, dump_gift, parse_gift
from lms.activities.builtin.quiz.gift import Question as ParsedQuestion
from lms.assessment.aiken import parse_aiken
from lms.assessment.import_errors import QuestionImportError
from lms.assessment.models import Question, QuestionCategory
from lms.assessment.xlsx import parse_sheet
from lms.core.timeutil import utcnow
from lms.extensions import db

FORMATS = ("gift", "aiken", "xlsx")  # xlsx: a spreadsheet, .xlsx or .csv
DEFAULT_CATEGORY = "默认"
_SUFFIXES = {".gift": "gift", ".aiken": "aiken", ".xlsx": "xlsx", ".csv": "xlsx"}


def format_for(filename: str, chosen: str | None = None) -> str:
    """The format named, or the one the file's suffix says; QuestionImportError when neither."""
    fmt = chosen or _SUFFIXES.get(PurePath(filename).suffix.lower())
    if fmt not in FORMATS:
        raise QuestionImportError([(None, _(
            "Say which format the file is in (gift, aiken or xlsx)."))])
    return fmt


def parse(text: str, fmt: str) -> list[ParsedQuestion]:
    """Parse a whole text file (gift or aiken); QuestionImportError with every problem and
    its line."""
    parser = parse_aiken if fmt == "aiken" else parse_gift
    try:
        questions = parser(text)  # both parsers drop a byte-order mark
    except GiftErrors as exc:  # AikenErrors is one too
        raise QuestionImportError([(e.line, e.message) for e in exc.errors]) from exc
    if not questions:
        raise QuestionImportError([(None, _("The file holds no questions."))])
    return questions


Progress = Callable[[int, int], None]


def import_questions(text: str, fmt: str, course_id: int | None,
                     actor_id: int | None = None, **how) -> int:
    """Import every question of a text file (gift or aiken) into a course's bank (None: the
    shared bank). `how`: `commit` and `progress`, as for `save_questions`."""
    return save_questions(parse(text, fmt), course_id, actor_id, source=fmt, **how)


def import_file(data: bytes, filename: str, fmt: str, course_id: int | None,
                actor_id: int | None = None, **how) -> int:
    """Import an uploaded file in any format: a spreadsheet (.xlsx or .csv) for xlsx, UTF-8
    text otherwise. All or nothing; QuestionImportError with every problem. `how`:
    `commit` and `progress`, as for `save_questions`."""
    if fmt == "xlsx":
        return save_questions(parse_sheet(data, filename), course_id, actor_id, source="xlsx",
                              **how)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QuestionImportError([(None, _("The file is not UTF-8 text."))]) from exc
    return import_questions(text, fmt, course_id, actor_id, **how)


def save_questions(questions: list[ParsedQuestion], course_id: int | None,
                   actor_id: int | None = None, source: str = "gift", *, commit: bool = True,
                   progress: Progress | None = None) -> int:
    """Write parsed questions and their categories (created when missing) into a course's
    bank (None: the shared bank) in one transaction; `source` is the format they came in.
    Values the database cannot hold are a QuestionImportError naming the question's line.
    `commit=False` flushes and leaves the commit to the caller (a job, with its done mark);
    `progress(questions checked, questions)` is told per question."""
    problems = []
    for n, q in enumerate(questions, 1):
        problems += _storable(q)
        if progress:
            progress(n, len(questions))
    if problems:
        raise QuestionImportError(problems)
    paths = {q.category or DEFAULT_CATEGORY for q in questions}
    try:
        existing = dict(db.session.execute(
            select(QuestionCategory.path, QuestionCategory.id).where(
                QuestionCategory.course_id == course_id,  # None: IS NULL, the shared bank
                QuestionCategory.path.in_(paths))).all())
        new = [QuestionCategory(course_id=course_id, path=path)
               for path in sorted(paths - set(existing))]
        if new:
            db.session.add_all(new)
            db.session.flush()  # one flush gives every new category its id
            existing.update((row.path, row.id) for row in new)
        now = utcnow()
        db.session.execute(insert(Question), [{
            "course_id": course_id, "category_id": existing[q.category or DEFAULT_CATEGORY],
            "qtype": q.qtype, "name": q.name[:255], "text": q.text,
            "text_format": q.text_format, "body": _body(q), "tags": list(q.tags),
            "idnumber": q.idnumber, "source": source, "created_by": actor_id, "created_at": now,
        } for q in questions])
        if commit:
            db.session.commit()
        else:
            db.session.flush()
    except Exception:
        db.session.rollback()
        raise
    return len(questions)


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _storable(q: ParsedQuestion) -> list[tuple[int | None, str]]:
    """Why the question cannot be stored as it is (too long a category path or ID number, a
    NUL character, which PostgreSQL refuses in text), as (line, message) pairs."""
    line = q.line or None
    problems = []
    if len(q.category or "") > 255:
        problems.append((line, _("The category path is longer than %(n)d characters.", n=255)))
    if len(q.idnumber or "") > 100:
        problems.append((line, _("The ID number is longer than %(n)d characters.", n=100)))
    texts = [q.name, q.text, q.category, q.idnumber, *q.tags, *_strings(_body(q))]
    if any("\x00" in t for t in texts if t):
        problems.append((line, _("The question contains a NUL character; remove it.")))
    return problems


def _body(q: ParsedQuestion) -> dict:
    return {"answers": [asdict(a) for a in q.answers], "pairs": [list(p) for p in q.pairs],
            "pair_formats": list(q.pair_formats), "general_feedback": q.general_feedback,
            "general_feedback_format": q.general_feedback_format}


def bank_select(course_id: int | None) -> Select:
    """The questions of a course's bank (None: the shared bank) with their categories, in
    category order: one join, which also loads each question's category."""
    return (select(Question).join(Question.category).options(contains_eager(Question.category))
            .where(Question.course_id == course_id)  # None: IS NULL, the shared bank
            .order_by(QuestionCategory.path, Question.id))


def export_gift(course_id: int | None) -> str:
    """A course's bank (None: the shared bank) as a GIFT file, categories included."""
    return dump_gift([as_parsed(q) for q in db.session.scalars(bank_select(course_id))])


def as_parsed(q: Question) -> ParsedQuestion:
    """A bank question in the GIFT reader's shape (for export, and for an attempt's paper)."""
    return ParsedQuestion(
        qtype=q.qtype, name=q.name, text=q.text, text_format=q.text_format,
        answers=[Answer(**a) for a in q.body.get("answers", [])],
        pairs=[tuple(p) for p in q.body.get("pairs", [])],
        pair_formats=list(q.body.get("pair_formats", [])),
        general_feedback=q.body.get("general_feedback", ""),
        general_feedback_format=q.body.get("general_feedback_format", "moodle"),
        category=q.category.path, idnumber=q.idnumber, tags=list(q.tags or []))
