"""Questions from a spreadsheet (.xlsx or .csv): one row per question, all or nothing.

Columns (Chinese headers, English ones accepted): 题型 type, 分类 category ("a/b"), 题目 question,
选项A..选项H options, 答案 answer, 解析 feedback, 标签 tags. Rows become the GIFT module's
`Question` dataclasses, plain text, built as the GIFT reader builds the same types:

- 单选 single choice: the answer's option 100 %, the others 0 % (`multichoice`);
- 多选 multiple choice: k correct options share 100 % (1/k each), every wrong one takes -1/k
  (`multiresponse`);
- 判断 true/false: the answers "true" and "false", the right one 100 % (`truefalse`);
- 填空 fill in the blank: every accepted answer 100 % (`shortanswer`);
- 简答 essay: no answer (`essay`).

Every row is checked; any problem and the whole file is refused, each problem with its row
(1 is the header) and column.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import gettext as _

from lms.activities.builtin.quiz.gift import Answer
from lms.activities.builtin.quiz.gift import Question as ParsedQuestion
from lms.assessment.aiken import default_name
from lms.assessment.import_errors import QuestionImportError
from lms.org.tabular import (
    Column,
    TableError,
    cell_text,
    column_title,
    read_rows,
    records,
    xlsx_bytes,
)

LETTERS = "ABCDEFGH"
COLUMNS = [
    Column("type", "题型", "Type", True),
    Column("category", "分类", "Category"),
    Column("question", "题目", "Question", True),
    *(Column(f"option_{x.lower()}", f"选项{x}", f"Option {x}") for x in LETTERS),
    Column("answer", "答案", "Answer"),
    Column("feedback", "解析", "Feedback"),
    Column("tags", "标签", "Tags"),
]
OPTIONS = [f"option_{x.lower()}" for x in LETTERS]
# How a type may be written in the 题型 column (compared after NFKC and case folding).
TYPES = {
    **dict.fromkeys(("单选", "单选题", "单项选择", "单项选择题", "single", "multichoice"),
                    "multichoice"),
    **dict.fromkeys(("多选", "多选题", "多项选择", "多项选择题", "multiple", "multiresponse"),
                    "multiresponse"),
    **dict.fromkeys(("判断", "判断题", "truefalse", "true/false"), "truefalse"),
    **dict.fromkeys(("填空", "填空题", "fill-in", "fill in", "shortanswer"), "shortanswer"),
    **dict.fromkeys(("简答", "简答题", "问答", "问答题", "essay"), "essay"),
}
TRUTH = {
    **dict.fromkeys(("对", "正确", "是", "√", "✓", "t", "true", "y", "yes"), True),
    **dict.fromkeys(("错", "错误", "否", "×", "✗", "f", "false", "n", "no"), False),
}
_LETTER_SEPARATORS = re.compile(r"[\s,，、;；]+")
_ANSWER_SEPARATORS = re.compile(r"[|｜\n]")
_TAG_SEPARATORS = re.compile(r"[,，;；\n]")
FORMAT = "plain"  # spreadsheet cells hold plain text
MAX_PATH = 255
MAX_TAG = 64


@dataclass
class SheetProblem:
    """One problem: the sheet row (1 is the header, None the whole file), the column's header
    in the reader's language ("" for none) and the message."""

    row: int | None
    column: str
    message: str


class SheetImportError(QuestionImportError):
    """A refused spreadsheet; `cells` holds every problem with its row and column."""

    def __init__(self, cells: list[SheetProblem]) -> None:
        self.cells = cells
        super().__init__([(p.row, f"{p.column}: {p.message}" if p.column else p.message)
                          for p in cells])

    @property
    def rows(self) -> list[tuple[int | None, str, str]]:
        """Every problem as (row, column header, message)."""
        return [(p.row, p.column, p.message) for p in self.cells]


def _text(value: object) -> str:
    if isinstance(value, bool):  # a TRUE or FALSE cell, such as a true/false answer
        return "true" if value else "false"
    return cell_text(value)


def _key(value: object) -> str:
    return unicodedata.normalize("NFKC", _text(value)).casefold()


def parse_sheet(data: bytes, filename: str) -> list[ParsedQuestion]:
    """Every question of a sheet, in row order; SheetImportError listing every problem."""
    try:
        rows = read_rows(data, filename)
        found = list(records(rows, COLUMNS))
    except TableError as exc:
        raise SheetImportError([SheetProblem(None, "", str(exc))]) from exc
    questions: list[ParsedQuestion] = []
    problems: list[SheetProblem] = []
    for number, rec in found:
        question, bad = _row(number, rec)
        problems.extend(bad)
        if question is not None:
            questions.append(question)
    if problems:
        raise SheetImportError(problems)
    if not questions:
        raise SheetImportError([SheetProblem(None, "", _("The file holds no questions."))])
    return questions


def _row(number: int, rec: dict) -> tuple[ParsedQuestion | None, list[SheetProblem]]:
    """One row as a question, or the problems that keep it from being one."""
    problems: list[SheetProblem] = []

    def bad(key: str, message: str) -> None:
        problems.append(SheetProblem(number, column_title(COLUMNS, key), message))

    raw_type = _text(rec.get("type"))
    qtype = TYPES.get(_key(raw_type))
    if not raw_type:
        bad("type", _("This field is required."))
    elif qtype is None:
        bad("type", _("Unknown question type: %(v)s", v=raw_type))
    text = _text(rec.get("question"))
    if not text:
        bad("question", _("This field is required."))
    category = _category(rec.get("category"), bad)
    tags = _tags(rec.get("tags"), bad)
    options = [_text(rec.get(key)) for key in OPTIONS]
    answer = _text(rec.get("answer"))
    answers: list[Answer] = []
    if qtype in ("multichoice", "multiresponse"):
        answers = _choices(qtype, options, answer, bad)
    elif qtype is not None:
        filled = [LETTERS[i] for i, o in enumerate(options) if o]
        if filled:
            bad(f"option_{filled[0].lower()}", _("This question type takes no options."))
        if qtype == "truefalse":
            answers = _truefalse(rec.get("answer"), bad)
        elif qtype == "shortanswer":
            answers = _accepted(answer, bad)
        elif answer:
            bad("answer", _("An essay question takes no answer: put a model answer in the "
                            "feedback column."))
    if problems or qtype is None:
        return None, problems
    return ParsedQuestion(
        qtype=qtype, name=default_name(text), text=text, text_format=FORMAT, answers=answers,
        general_feedback=_text(rec.get("feedback")), category=category, tags=tags, line=number,
        general_feedback_format=FORMAT), []


def _category(value: object, bad) -> str | None:
    parts = [p.strip() for p in _text(value).split("/")]
    parts = [p for p in parts if p]
    if not parts:
        return None
    path = "/".join(parts)
    if len(path) > MAX_PATH:
        bad("category", _("Too long."))
    return path


def _tags(value: object, bad) -> list[str]:
    tags: list[str] = []
    for tag in (t.strip() for t in _TAG_SEPARATORS.split(_text(value))):
        if not tag or tag in tags:
            continue
        if "<" in tag or ">" in tag or len(tag) > MAX_TAG:
            bad("tags", _("Not a valid tag: %(v)s", v=tag))
        tags.append(tag)
    return tags


def _choices(qtype: str, options: list[str], answer: str, bad) -> list[Answer]:
    """The options of a choice question, weighted by the letters of the answer."""
    count = max((i + 1 for i, o in enumerate(options) if o), default=0)
    gaps = [LETTERS[i] for i in range(count) if not options[i]]
    for letter in gaps:
        bad(f"option_{letter.lower()}", _("Fill in the options in order, without gaps."))
    if count < 2:
        bad("option_a", _("A choice question needs at least 2 options."))
    letters = _letters(answer)
    if not answer:
        bad("answer", _("This field is required."))
        return []
    if letters is None or any(x not in LETTERS[:count] for x in letters):
        bad("answer", _("Give the letters of the correct options (A to %(last)s), such as "
                        "%(example)s.", last=LETTERS[max(count, 1) - 1],
                        example="A" if qtype == "multichoice" else "AC"))
        return []
    if qtype == "multichoice" and len(letters) != 1:
        bad("answer", _("A single-choice question has exactly one correct option."))
        return []
    if gaps or count < 2:
        return []
    k = len(letters)
    right, wrong = (1.0, 0.0) if qtype == "multichoice" else (1 / k, -1 / k)
    return [Answer(options[i], right if LETTERS[i] in letters else wrong, "", None, FORMAT,
                   FORMAT) for i in range(count)]


def _letters(answer: str) -> list[str] | None:
    """The answer's letters in order ("ACD", "A,C,D", "a、c"), or None if it is not letters."""
    joined = _LETTER_SEPARATORS.sub("", unicodedata.normalize("NFKC", answer)).upper()
    if not joined or not joined.isascii() or not joined.isalpha():
        return None
    return sorted(set(joined))


def _truefalse(value: object, bad) -> list[Answer]:
    truth = TRUTH.get(_key(value))
    if truth is None:
        bad("answer", _("Write 对 or 错 (true or false)."))
        return []
    return [Answer("true", 1.0 if truth else 0.0, "", None, FORMAT, FORMAT),
            Answer("false", 0.0 if truth else 1.0, "", None, FORMAT, FORMAT)]


def _accepted(answer: str, bad) -> list[Answer]:
    texts: list[str] = []
    for text in (t.strip() for t in _ANSWER_SEPARATORS.split(answer)):
        if text and text not in texts:
            texts.append(text)
    if not texts:
        bad("answer", _("Give at least one accepted answer; separate several with |."))
    elif any("->" in t for t in texts):
        bad("answer", _("An accepted answer may not contain \"->\"."))
    return [Answer(t, 1.0, "", None, FORMAT, FORMAT) for t in texts]


EXAMPLES = [
    ["单选", "公文写作/格式", "下列哪一项属于法定公文种类？", "通知", "简报", "工作总结", "", "",
     "", "", "", "A", "《党政机关公文处理工作条例》规定的 15 种公文包括通知。", "公文，基础"],
    ["多选", "公文写作/格式", "下列哪些属于法定公文种类？", "通知", "简报", "请示", "工作总结",
     "", "", "", "", "AC", "", "公文"],
]


def template_bytes() -> bytes:
    """The import template: the header row, two example rows and a sheet of notes."""
    notes = [
        [_("Column"), _("Required"), _("Allowed values")],
        ["题型", _("yes"), "单选、多选、判断、填空、简答"],
        ["分类", _("no"), _("A path such as 公文写作/格式")],
        ["题目", _("yes"), ""],
        ["选项A–选项H", _("no"), _("Single and multiple choice: at least two options, in "
                                 "order")],
        ["答案", _("no"), _("Single choice: one letter; multiple choice: letters such as ACD; "
                           "true/false: 对 or 错; fill in the blank: accepted answers separated "
                           "by |; essay: empty")],
        ["解析", _("no"), _("An explanation of the answer (general feedback)")],
        ["标签", _("no"), _("Separated by commas")],
    ]
    return xlsx_bytes([c.zh for c in COLUMNS], EXAMPLES, notes, sheet=_("Question bank"))
