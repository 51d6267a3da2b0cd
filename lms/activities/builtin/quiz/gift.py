"""Moodle's GIFT question format: a parser and a writer, written from shared/formats/GIFT-AIKEN.md.

The parser reads GIFT as Moodle does, except where Moodle silently does something the author did
not mean (a question swallowed by `$CATEGORY:`, a non-numeric numerical answer, a
multiple-response question without a correct answer, cloze syntax, a second `{...}`, ...): such a
block is refused with its line number. Every bad block of a file is reported, in one `GiftErrors`.

Pure Python: plain text in, dataclasses out, and back with `dump_gift`.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal

QTYPES = ("multichoice", "multiresponse", "truefalse", "shortanswer", "numerical", "matching",
          "essay", "description")
FORMATS = ("moodle", "html", "plain", "markdown")
MAX_ANSWERS = 100  # answers (or matching pairs) of one question


class GiftError(ValueError):
    """One problem in a GIFT file, at a 1-based line."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


class GiftErrors(ValueError):
    """Every problem found in a GIFT file (one per refused block), in file order."""

    def __init__(self, errors: list[GiftError]) -> None:
        self.errors = sorted(errors, key=lambda e: e.line)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass
class Answer:
    """One answer. `fraction` is the grade, -1.0..1.0 (1.0 = 100 %); `feedback` is shown when
    the student gives this answer. Numerical answers keep their value in `text` and carry a
    `tolerance`; the numerical catch-all wrong answer is `*` with tolerance None."""

    text: str
    fraction: float
    feedback: str = ""
    tolerance: float | None = None
    text_format: str = "moodle"
    feedback_format: str = "moodle"


@dataclass
class Question:
    """One question. `line` (the first line of the question, after any comment lines above it)
    is where it came from, so it takes no part in comparisons. Matching keeps its pairs
    (left, right) in `pairs`, an empty left being an extra distractor answer; `pair_formats`
    holds the format of each left side."""

    qtype: str
    name: str
    text: str
    text_format: str = "moodle"
    answers: list[Answer] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    general_feedback: str = ""
    category: str | None = None
    idnumber: str | None = None
    tags: list[str] = field(default_factory=list)
    line: int = field(default=0, compare=False)
    general_feedback_format: str = "moodle"
    pair_formats: list[str] = field(default_factory=list)


# While a block is parsed, escaped characters stand as Unicode noncharacters, which never occur
# in text meant for interchange, so that they take no part in the parsing.
_ESCAPABLE = "~=#{}:"
_BACKSLASH = "\ufdd0"
_NEWLINE = "\ufdd1"
_HOLD = {ch: chr(0xFDD2 + i) for i, ch in enumerate(_ESCAPABLE)}
_RELEASE = str.maketrans({_BACKSLASH: "\\", _NEWLINE: "\n"} | {v: k for k, v in _HOLD.items()})
_NONCHAR = re.compile("[\ufdd0-\ufdef]")

_WEIGHT = re.compile(r"%(-?\d{1,2}\.?\d*)%")  # Moodle's pattern: %100% matches by backtracking
_WEIGHTISH = re.compile(r"%[-+]?[\d.]+%")  # looks like a weight, but is not one
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
_FORMAT = re.compile(r"\[(html|moodle|plain|markdown)\]")
_CLOZE = re.compile(r"\d*:[A-Za-z_]+:")
_DIRECTIVE = re.compile(r"\$(?:[A-Z][A-Z_]+|(?i:category)):")
_ID = re.compile(r"\[id:((?:\\.|[^\]\\])*)\]")
_TAG = re.compile(r"\[tag:((?:\\.|[^\]\\])*)\]")
_TRUEFALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}


def _hold(line: str) -> str:
    """Apply the escapes of one line: `\\\\` first, then `\\~ \\= \\# \\{ \\} \\:` and `\\n`."""
    line = line.replace("\\\\", _BACKSLASH)
    for ch, held in _HOLD.items():
        line = line.replace("\\" + ch, held)
    return line.replace("\\n", _NEWLINE)


def _release(text: str) -> str:
    """Turn held escapes back into the literal characters."""
    return text.translate(_RELEASE)


def _text(raw: str, default: str) -> tuple[str, str]:
    """Trimmed text and its format: a leading `[html]`/`[moodle]`/`[plain]`/`[markdown]` sets it,
    any other `[xyz]` stays in the text."""
    raw = raw.strip()
    found = _FORMAT.match(raw)
    if found:
        return _release(raw[found.end():].strip()), found.group(1)
    return _release(raw), default


@dataclass
class _Block:
    """The lines of one block, comment lines apart, escapes held, and where each line came from."""

    text: str
    starts: list[int]
    numbers: list[int]
    comments: list[tuple[int, str]]

    @property
    def first(self) -> int:
        return self.numbers[0]

    def line(self, pos: int) -> int:
        """The file line of offset `pos` in the block text."""
        return self.numbers[max(bisect_right(self.starts, pos) - 1, 0)]

    def line_of(self, piece: str, pos: int) -> int:
        """The file line where `piece`, found at offset `pos`, has its first visible character."""
        return self.line(pos + len(piece) - len(piece.lstrip()) if piece.strip() else pos)


def _blocks(text: str, errors: list[GiftError]) -> list[_Block]:
    """Split the file into blocks at blank lines; drop comment lines, keeping them aside."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "")
    blocks: list[_Block] = []
    kept: list[tuple[int, str]] = []
    comments: list[tuple[int, str]] = []

    def close() -> None:
        if kept:
            starts, pos = [], 0
            for _, line in kept:
                starts.append(pos)
                pos += len(line) + 1
            blocks.append(_Block("\n".join(line for _, line in kept), starts,
                                 [number for number, _ in kept], list(comments)))
        kept.clear()
        comments.clear()

    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            close()
        elif line.strip().startswith("//"):
            comments.append((number, line))
        elif _NONCHAR.search(line):
            errors.append(GiftError(number, "a Unicode noncharacter (U+FDD0..U+FDEF)"))
        else:
            kept.append((number, _hold(line)))
    close()
    return blocks


def parse_gift(text: str) -> list[Question]:
    """Parse a GIFT file. Raises GiftErrors listing every refused block, each with its line."""
    questions: list[Question] = []
    errors: list[GiftError] = []
    category: str | None = None
    for block in _blocks(text, errors):
        head = block.text.lstrip()
        try:
            if head.startswith("$CATEGORY:"):
                category = _release(head.split("\n", 1)[0][len("$CATEGORY:"):].strip())
                _check_category(block, category)
                continue
            directive = _DIRECTIVE.match(head)
            if directive:
                raise GiftError(block.first, f"unknown directive {directive.group(0)} (GIFT "
                                "knows only $CATEGORY:)")
            question = _question(block)
        except GiftError as error:
            errors.append(error)
            continue
        question.category = category
        questions.append(question)
    if errors:
        raise GiftErrors(errors)
    return questions


def _check_category(block: _Block, category: str) -> None:
    if not category:
        raise GiftError(block.first, "$CATEGORY: without a category path")
    if len(block.numbers) > 1:
        raise GiftError(block.numbers[1], "a question right under the $CATEGORY: line would "
                        "become part of the category name: put a blank line between them")


def _meta(block: _Block) -> tuple[str | None, list[str]]:
    """The idnumber (first `[id:]` wins) and tags from the comment lines of a block."""
    idnumber: str | None = None
    tags: list[str] = []
    for number, line in block.comments:
        for found in _ID.finditer(line):
            value = found.group(1).replace("\\]", "]").strip()
            if idnumber is None and value:
                idnumber = value
        for found in _TAG.finditer(line):
            value = found.group(1).replace("\\]", "]").strip()
            if "<" in value or ">" in value:
                raise GiftError(number, f"tag {value!r} may not contain '<' or '>'")
            if value:
                tags.append(value)
    return idnumber, tags


def _default_name(text: str) -> str:
    plain = " ".join(re.sub(r"<[^>]*>", " ", text).split())
    return plain[:80].rstrip() or "question"


def _question(block: _Block) -> Question:
    """Parse one question block: `[::NAME::][[format]]TEXT{ANSWERS}[TEXT]`."""
    t = block.text
    pos = len(t) - len(t.lstrip())
    name = ""
    if t.startswith("::", pos):
        end = t.find("::", pos + 2)
        if end >= 0:
            name = _release(t[pos + 2:end].strip())
            pos = end + 2
        else:
            pos += 2  # no closing `::`: Moodle just strips the opening one
    idnumber, tags = _meta(block)
    start, finish = t.find("{", pos), t.find("}", pos)
    if start < 0 and finish < 0:
        text, text_format = _text(t[pos:], "moodle")
        return Question("description", name or _default_name(text), text, text_format,
                        idnumber=idnumber, tags=tags, line=block.first,
                        general_feedback_format=text_format)
    if finish < 0:
        raise GiftError(block.line(start), "'{' is never closed (a blank line inside the braces "
                        "ends the question; escape a literal brace as \\{)")
    if start < 0 or finish < start:
        raise GiftError(block.line(finish), "'}' without an opening '{' (escape a literal "
                        "brace as \\})")
    if _CLOZE.match(t[start + 1:].lstrip()):
        raise GiftError(block.line(start), "cloze syntax {1:MC:...} is not GIFT (Moodle reads "
                        "it as an ordinary answer block)")
    inner = t.find("{", start + 1, finish)
    if inner >= 0:
        raise GiftError(block.line(inner), "a second '{' inside the answer block")
    after = t[finish + 1:]
    stray = min((k for k in (after.find("{"), after.find("}")) if k >= 0), default=-1)
    if stray >= 0:
        what = "a second {...} after the answer block" if after[stray] == "{" else "a '}' after " \
            "the answer block (a '}' inside feedback must be escaped as \\})"
        raise GiftError(block.line(finish + 1 + stray), f"{what}: Moodle would read it as text")
    before = t[pos:start]
    raw_text = before if not after.strip() else before + "_____" + after  # missing-word form
    text, text_format = _text(raw_text, "moodle")
    question = Question("essay", name or _default_name(text), text, text_format,
                        idnumber=idnumber, tags=tags, line=block.first,
                        general_feedback_format=text_format)
    section, offset = t[start + 1:finish], start + 1
    separator = section.rfind("####")
    if separator >= 0:
        question.general_feedback, question.general_feedback_format = _text(
            section[separator + 4:], text_format)
        section = section[:separator]
    _answers(block, question, section, offset)
    return question


def _answers(block: _Block, q: Question, section: str, offset: int) -> None:
    """Detect the type from the answer section and fill in the answers."""
    body = section.strip()
    offset += len(section) - len(section.lstrip())
    if body.count("~") + body.count("=") > MAX_ANSWERS:  # no question needs more; parse none
        raise GiftError(block.line(offset), f"more than {MAX_ANSWERS} answers in one question")
    head = body.split("#", 1)[0].strip()
    if not body:
        q.qtype = "essay"
    elif body[0] == "#":
        q.qtype = "numerical"
        q.answers = _numerical(block, body[1:], offset + 1, q.text_format)
    elif "~" in body:
        q.qtype, q.answers = _multichoice(block, body, offset, q.text_format)
    elif "=" in body and "->" in body:
        q.qtype = "matching"
        q.pairs, q.pair_formats = _matching(block, body, offset, q.text_format)
    elif head in _TRUEFALSE:
        q.qtype = "truefalse"
        q.answers = _truefalse(block, body, offset, q.text_format)
    else:
        q.qtype = "shortanswer"
        q.answers = _shortanswer(block, body, offset, q.text_format)


def _split(text: str, offset: int, separators: str) -> list[tuple[str, str, int]]:
    """Split at any of `separators`: (separator before the piece or "", piece, its offset)."""
    pieces, separator, begin = [], "", 0
    for k, ch in enumerate(text):
        if ch in separators:
            pieces.append((separator, text[begin:k], offset + begin))
            separator, begin = ch, k + 1
    pieces.append((separator, text[begin:], offset + begin))
    return pieces


def _weight(text: str, line: int) -> tuple[float | None, str]:
    """A leading `%N%` weight as a fraction (None if there is none) and the rest."""
    found = _WEIGHT.match(text)
    if found:
        percent = float(found.group(1))
        if not -100 <= percent <= 100:
            raise GiftError(line, f"weight {found.group(0)} is outside -100 %..100 %")
        return percent / 100, text[found.end():]
    malformed = _WEIGHTISH.match(text)
    if malformed:
        raise GiftError(line, f"malformed weight {malformed.group(0)}")
    return None, text


def _leading(block: _Block, pieces: list[tuple[str, str, int]], what: str) -> None:
    _, piece, pos = pieces[0]
    if piece.strip():
        raise GiftError(block.line_of(piece, pos), f"text before the first {what} in the "
                        "answer block")


def _multichoice(block: _Block, body: str, offset: int, fmt: str) -> tuple[str, list[Answer]]:
    pieces = _split(body, offset, "~=")
    _leading(block, pieces, "'~' or '='")
    answers: list[Answer] = []
    single = False
    for separator, piece, pos in pieces[1:]:
        if not piece.strip():
            continue  # `~=x` or `~~x`: an empty answer, dropped as Moodle does
        line = block.line_of(piece, pos)
        rest = piece.strip()
        if separator == "=":
            single = True
            fraction = 1.0
            if _WEIGHTISH.match(rest):
                raise GiftError(line, "a weight after '=' is not a weight in multiple choice "
                                "('=' is always 100 %): write ~%N%answer")
        else:
            weight, rest = _weight(rest, line)
            fraction = 0.0 if weight is None else weight
        raw, _, raw_feedback = rest.partition("#")
        text, text_format = _text(raw, fmt)
        if not text:
            raise GiftError(line, "an answer without text")
        feedback, feedback_format = _text(raw_feedback, fmt)
        answers.append(Answer(text, fraction, feedback, None, text_format, feedback_format))
    if len(answers) < 2:
        raise GiftError(block.first, f"multiple choice needs at least 2 answers, found "
                        f"{len(answers)}")
    if single:
        return "multichoice", answers
    positive = sum(a.fraction for a in answers if a.fraction > 0) * 100
    if positive == 0:
        raise GiftError(block.first, "no answer is marked correct: mark it with '=' (or give "
                        "%weights that add up to 100 % for multiple response)")
    if abs(positive - 100) > 0.01 + 1e-9:
        raise GiftError(block.first, f"the positive weights of this multiple-response question "
                        f"add up to {positive:g} %, not 100 %")
    return "multiresponse", answers


def _matching(block: _Block, body: str, offset: int,
              fmt: str) -> tuple[list[tuple[str, str]], list[str]]:
    pieces = _split(body, offset, "=")
    _leading(block, pieces, "'='")
    pairs: list[tuple[str, str]] = []
    formats: list[str] = []
    for _, piece, pos in pieces[1:]:
        line = block.line_of(piece, pos)
        left, arrow, right = piece.partition("->")
        if not arrow:
            raise GiftError(line, "a matching pair without '->'")
        right = _release(right.strip())
        if not right:
            raise GiftError(line, "a matching pair with nothing on the right of '->'")
        text, text_format = _text(left, fmt)
        pairs.append((text, right))
        formats.append(text_format)
    if sum(1 for left, _ in pairs if left) < 2:
        raise GiftError(block.first, "matching needs at least 2 pairs")
    return pairs, formats


def _truefalse(block: _Block, body: str, offset: int, fmt: str) -> list[Answer]:
    head, _, rest = body.partition("#")
    wrong, _, right = rest.partition("#")
    if "#" in right:
        raise GiftError(block.line(offset), "true/false takes at most two feedbacks "
                        "(#for a wrong response#for a right one); escape a literal # as \\#")
    correct = _TRUEFALSE[head.strip()]
    wrong_text, wrong_format = _text(wrong, fmt)
    right_text, right_format = _text(right, fmt)
    true = Answer("true", 1.0, right_text, None, fmt, right_format) if correct else \
        Answer("true", 0.0, wrong_text, None, fmt, wrong_format)
    false = Answer("false", 0.0, wrong_text, None, fmt, wrong_format) if correct else \
        Answer("false", 1.0, right_text, None, fmt, right_format)
    return [true, false]


def _shortanswer(block: _Block, body: str, offset: int, fmt: str) -> list[Answer]:
    answers: list[Answer] = []
    for _, piece, pos in _split(body, offset, "="):
        if not piece.strip():
            continue
        line = block.line_of(piece, pos)
        weight, rest = _weight(piece.strip(), line)
        raw, _, raw_feedback = rest.partition("#")
        text, text_format = _text(raw, fmt)
        if not text:
            raise GiftError(line, "an answer without text")
        if "\n" in text:
            words = text.split()
            hint = ("write exactly one of T, TRUE, F, FALSE" if all(w in _TRUEFALSE for w in words)
                    else "a typed answer is a single line")
            raise GiftError(line, f"a short answer spread over several lines: {hint}")
        feedback, feedback_format = _text(raw_feedback, fmt)
        answers.append(Answer(text, 1.0 if weight is None else weight, feedback, None,
                              text_format, feedback_format))
    if not answers:
        raise GiftError(block.first, "short answer needs at least one answer")
    return answers


def _number(held: str, line: int, what: str) -> Decimal:
    text = _release(held.strip())
    if not _NUMBER.fullmatch(text):
        raise GiftError(line, f"{what} {text!r} is not a number")
    return Decimal(text)


def _plain(number: Decimal) -> str:
    """A Decimal written without exponent or trailing zeros."""
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _numerical(block: _Block, body: str, offset: int, fmt: str) -> list[Answer]:
    catchall: Answer | None = None
    tilde = body.find("~")
    if tilde >= 0:
        head, _, raw_feedback = body[tilde + 1:].partition("#")
        if head.strip():
            raise GiftError(block.line(offset + tilde), "in a numerical question '~' starts the "
                            "catch-all wrong answer: only '~#feedback' may follow it")
        feedback, feedback_format = _text(raw_feedback, fmt)
        catchall = Answer("*", 0.0, feedback, None, fmt, feedback_format)
        body = body[:tilde]
    answers: list[Answer] = []
    for _, piece, pos in _split(body, offset, "="):
        if not piece.strip():
            continue
        line = block.line_of(piece, pos)
        weight, rest = _weight(piece.strip(), line)
        raw, _, raw_feedback = rest.partition("#")
        value = raw.strip()  # escapes still held: an escaped ':' is no separator
        if value.find("..") > 0:  # `..` or `:` at position 0 is no separator (as in Moodle)
            low_text, high_text = value.split("..", 1)
            low = _number(low_text, line, "range minimum")
            high = _number(high_text, line, "range maximum")
            if low > high:
                raise GiftError(line, f"range {_release(value)} runs backwards")
            text, tolerance = _plain((low + high) / 2), float((high - low) / 2)
        elif value.find(":") > 0:
            value_text, tolerance_text = value.split(":", 1)
            text = _release(value_text.strip())
            _number(value_text, line, "value")
            tolerance = float(_number(tolerance_text, line, "tolerance"))
            if tolerance < 0:
                raise GiftError(line, f"tolerance {_release(tolerance_text.strip())} is negative")
        else:
            text, tolerance = _release(value), 0.0
            _number(value, line, "value")
        feedback, feedback_format = _text(raw_feedback, fmt)
        answers.append(Answer(text, 1.0 if weight is None else weight, feedback, tolerance,
                              fmt, feedback_format))
    if not answers:
        raise GiftError(block.first, "numerical question without an answer value")
    return answers + ([catchall] if catchall else [])


# Writing


def _escape(text: str) -> str:
    """Escape for GIFT: backslash, `~ = # { } :`, newlines as `\\n`; CRs are dropped."""
    text = text.replace("\r", "").replace("\\", "\\\\")
    for ch in _ESCAPABLE:
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", "\\n")


def _part(text: str, text_format: str, default: str) -> str:
    """Escaped text with a format marker when it differs from the inherited one (or when the
    text itself starts like a marker)."""
    marker = text_format != default or _FORMAT.match(text.strip())
    return (f"[{text_format}]" if marker else "") + _escape(text)


def _percent(fraction: float) -> str:
    """The shortest percentage that reads back as exactly `fraction`."""
    for digits in range(12):
        text = f"{fraction * 100:.{digits}f}"
        if float(text) / 100 == fraction:
            return text
    return repr(fraction * 100)


def _weighted(a: Answer, default: float) -> str:
    """`%N%` when the weight is not the default, or when the text starts like a weight."""
    if a.fraction != default or _WEIGHTISH.match(a.text.strip()):
        return f"%{_percent(a.fraction)}%"
    return ""


def _feedback(a: Answer, fmt: str) -> str:
    if a.feedback or a.feedback_format != fmt:
        return "#" + _part(a.feedback, a.feedback_format, fmt)
    return ""


def _float(number: float) -> str:
    text = repr(float(number))
    return text[:-2] if text.endswith(".0") else text


def _answer_lines(q: Question) -> list[str]:
    """The lines between the braces (general feedback apart)."""
    fmt = q.text_format
    if q.qtype == "essay":
        return []
    if q.qtype == "truefalse":
        by_text = {a.text: a for a in q.answers}
        if set(by_text) != {"true", "false"} or len(q.answers) != 2:
            raise ValueError(f"{q.name}: true/false needs the answers 'true' and 'false'")
        true, false = by_text["true"], by_text["false"]
        right, wrong = (true, false) if true.fraction > false.fraction else (false, true)
        feedbacks = ""
        if right.feedback or wrong.feedback or {right.feedback_format,
                                                 wrong.feedback_format} != {fmt}:
            feedbacks = (f"#{_part(wrong.feedback, wrong.feedback_format, fmt)}"
                         f"#{_part(right.feedback, right.feedback_format, fmt)}")
        return [("TRUE" if right is true else "FALSE") + feedbacks]
    if q.qtype == "matching":
        formats = q.pair_formats or [fmt] * len(q.pairs)
        lines = []
        for (left, right), left_format in zip(q.pairs, formats, strict=True):
            if "->" in left:
                raise ValueError(f"{q.name}: a matching left side cannot contain '->'")
            shown = _part(left, left_format, fmt) if left else ""
            lines.append(f"={shown} -> {_escape(right)}")
        return lines
    if q.qtype == "numerical":
        lines = ["#"]
        catchalls = [a for a in q.answers if a.text == "*"]
        for a in q.answers:
            if a.text == "*":
                continue
            if not _NUMBER.fullmatch(a.text):
                raise ValueError(f"{q.name}: numerical value {a.text!r} is not a number")
            lines.append(f"={_weighted(a, 1.0)}{a.text}:{_float(a.tolerance or 0.0)}"
                         f"{_feedback(a, fmt)}")
        if len(catchalls) > 1 or any(a.fraction != 0 for a in catchalls):
            raise ValueError(f"{q.name}: only one catch-all '*' answer, weighted 0, is possible")
        lines += [f"~{_feedback(a, fmt) or '#'}" for a in catchalls]
        return lines
    if q.qtype == "shortanswer":
        lines = [f"={_weighted(a, 1.0)}{_part(a.text, a.text_format, fmt)}{_feedback(a, fmt)}"
                 for a in q.answers]
        if any("->" in line for line in lines):
            raise ValueError(f"{q.name}: Moodle would read a short answer holding '->' as "
                             "matching")
        return lines
    if q.qtype in ("multichoice", "multiresponse"):
        lines = []
        for a in q.answers:
            text = _part(a.text, a.text_format, fmt) + _feedback(a, fmt)
            if q.qtype == "multichoice" and a.fraction == 1.0 and not _WEIGHTISH.match(
                    a.text.strip()):
                lines.append("=" + text)
            else:
                lines.append(f"~{_weighted(a, 0.0)}{text}")
        if q.qtype == "multichoice":
            marked = [k for k, line in enumerate(lines) if line.startswith("=")]
            if not marked:
                raise ValueError(f"{q.name}: single-answer multiple choice needs a 100 % answer")
            if len(marked) == len(lines):  # a '~' keeps it multiple choice
                lines[-1] = "~%100%" + lines[-1][1:]
        return lines
    raise ValueError(f"{q.name}: unknown question type {q.qtype!r}")


def _bracketed(value: str) -> str:
    return value.replace("]", "\\]")


def _dump_question(q: Question) -> str:
    lines = []
    meta = ([f"[id:{_bracketed(q.idnumber)}]"] if q.idnumber else []) + \
        [f"[tag:{_bracketed(tag)}]" for tag in q.tags]
    if meta:
        lines.append("// " + " ".join(meta))
    head = f"::{_escape(q.name)}::{_part(q.text, q.text_format, 'moodle')}"
    if q.qtype == "description":
        return "\n".join([*lines, head])
    inside = _answer_lines(q)
    if q.general_feedback or q.general_feedback_format != q.text_format:
        inside.append("####" + _part(q.general_feedback, q.general_feedback_format,
                                     q.text_format))
    if not inside:
        return "\n".join([*lines, head + "{}"])
    return "\n".join([*lines, head + "{", *inside, "}"])


def dump_gift(questions: list[Question]) -> str:
    """Write questions as GIFT, with a `$CATEGORY:` block wherever the category changes.

    `parse_gift(dump_gift(qs)) == qs` for questions that GIFT can express; raises ValueError for
    one it cannot (say, a matching left side holding '->').
    """
    blocks = []
    category: str | None = None
    for q in questions:
        if q.category is not None and q.category != category:
            blocks.append(f"$CATEGORY: {_escape(q.category)}")
            category = q.category
        blocks.append(_dump_question(q))
    return "\n\n".join(blocks) + "\n" if blocks else ""
