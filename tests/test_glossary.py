"""Wording: Chinese punctuation in Chinese text, one translation per glossary term, one date format.

The glossary is `translations/glossary.toml`; its header says how a term is checked.
"""
from __future__ import annotations

import io
import re
import tokenize
import tomllib
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po"
GLOSSARY = tomllib.loads((ROOT / "translations/glossary.toml").read_text(encoding="utf-8"))

HAN = "\u3400-\u9fff"
CJK = re.compile(f"[{HAN}\u3000-\u303f\uff00-\uffef“”‘’…—]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd%]|\{\w*\}")
ASCII_MARKS = ":,;()!?"


def catalogue() -> list[tuple[str, str]]:
    with PO.open("rb") as fh:
        messages = [m for m in read_po(fh) if m.id and m.string]
    return [(m.id if isinstance(m.id, str) else m.id[0],
             m.string if isinstance(m.string, str) else m.string[0]) for m in messages]


# ---- (a) Chinese punctuation inside Chinese text -------------------------------------------
# Where an ASCII mark beside Chinese is right: the text shows a syntax to type.
PUNCTUATION_EXCEPTIONS = {
    "One line per category: the category path, a colon, how many to draw for each attempt. "
    "Example: 公文写作/格式: 5": "the example is the line an author types, colon included",
    "Each draw needs a category path and a count from 1 to 200 (e.g. 公文写作/格式: 5).":
        "the example is the line an author types, colon included",
    "too many unclosed or nested brackets ([, ( or <) to read as Markdown":
        "names the bracket characters themselves",
}


def ascii_marks_in_chinese(text: str) -> list[str]:
    """The ASCII marks of `text` next to a Chinese character, across spaces and placeholders,
    each with a little context; ASCII between ASCII characters (10:30, URLs, %(n)s) is fine."""
    plain = PLACEHOLDER.sub("\x00", text)
    found = []
    for at, char in enumerate(plain):
        if char not in ASCII_MARKS:
            continue
        left = plain[:at].rstrip(" \x00")
        right = plain[at + 1:].lstrip(" \x00")
        if (left and CJK.match(left[-1])) or (right and CJK.match(right[0])):
            found.append(plain[max(0, at - 8):at + 9].replace("\x00", "…"))
    return found


def test_catalogue_uses_chinese_punctuation_in_chinese_text():
    bad = {msgid: marks for msgid, msgstr in catalogue()
           if msgid not in PUNCTUATION_EXCEPTIONS and (marks := ascii_marks_in_chinese(msgstr))}
    assert bad == {}


def chinese_literals() -> list[tuple[str, str]]:
    """Chinese text written straight into templates and Python sources (not translated)."""
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "\x00", path.read_text("utf-8"),
                      flags=re.S)
        found += [(f"{path.relative_to(ROOT)}:{n}", line)
                  for n, line in enumerate(text.splitlines(), 1) if CJK.search(line)]
    for path in sorted((ROOT / "lms").rglob("*.py")):
        source = path.read_text("utf-8")
        pieces: list[tokenize.TokenInfo] = []  # one literal, however many lines it spans
        for token in [*tokenize.generate_tokens(io.StringIO(source).readline), None]:
            if token and token.type in (tokenize.NL, tokenize.COMMENT) and pieces:
                continue
            if token and token.type == tokenize.STRING:
                pieces.append(token)
                continue
            literal = " ".join(p.string for p in pieces)
            if pieces and all(p.string[:2].lower() in ('r"', "r'") for p in pieces):
                literal = ""  # a regular expression, not text anyone reads
            if CJK.search(literal):
                found.append((f"{path.relative_to(ROOT)}:{pieces[0].start[0]}", literal))
            pieces = []
    return found


def is_chinese_text(text: str) -> bool:
    """Mostly Chinese: as many Chinese characters as ASCII letters (an English docstring or
    message that names a Chinese word is English text)."""
    return len(re.findall(f"[{HAN}]", text)) >= len(re.findall("[A-Za-z]", text))


def test_chinese_in_templates_and_sources_uses_chinese_punctuation():
    literals = chinese_literals()
    assert any(where.startswith("lms/org/reference.py") for where, _ in literals)
    bad = [(where, text) for where, text in literals
           if is_chinese_text(text) and ascii_marks_in_chinese(text)]
    assert bad == []


# A translated label followed by an ASCII colon, or translated text in ASCII brackets, reads
# "状态: 草稿" on a Chinese page: `{{ colon() }}` and `|parens` write them in the page's language.
TEMPLATE_MARKS = re.compile(r"(?:\}\}|%\}):(?:\s|<|\{)|\(\{\{ _\(|\(\{\{[^}]*\b_\(\"[^}]*\}\}\)")


def test_templates_write_colons_and_brackets_in_the_page_language(app):
    bad = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if TEMPLATE_MARKS.search(line.replace("}}:{{ '%02d'", "")):  # the timer's 12:05
                bad.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:120]}")
    assert bad == []
    with app.test_request_context("/?lang=zh_CN"):
        page = app.jinja_env.from_string('{{ _("Status") }}{{ colon() }}{{ "<b>"|parens }}')
        assert page.render() == "状态：（&lt;b&gt;）"


@pytest.mark.parametrize(("text", "bad"), [
    ("开始时间：10:30，地址 https://a.b/c?d=1", False),
    ("%(n)s 学时（%(d)s 天）", False),
    ("导出为 xAPI (JSON)", False), ("版本 1.0.3, ASCII (a, b)", False),
    ("学时: 60", True), ("学时 , 天数", True), ("第 %(n)s 条(共 3 条)", True),
    ("%(field)s: 必须是数字", True),
])
def test_the_punctuation_check_itself(text, bad):
    assert bool(ascii_marks_in_chinese(text)) is bad


# ---- (b) one translation per glossary term -------------------------------------------------
TERMS = sorted(GLOSSARY["term"], key=lambda t: -len(t["en"]))
EXCEPTIONS = {(e["msgid"], e["term"]): e["reason"] for e in GLOSSARY.get("exception", [])}
CODE = re.compile(r"`[^`]*`|\[\[?\w+\]?\]|\b\w+\.(?:toml|md|json|zip)\b|“flask [^”]*”")


def term_pattern(term: dict) -> re.Pattern:
    return re.compile(r"\b(?:" + term.get("match", re.escape(term["en"])) + r")\b", re.I)


def glossary_problems(msgid: str, msgstr: str) -> list[str]:
    """What a catalogue entry gets wrong against the glossary, in words."""
    problems = []
    text = CODE.sub(" ", PLACEHOLDER.sub(" ", msgid))
    for term in TERMS:  # longest first; a longer term's words are not checked again
        pattern = term_pattern(term)
        words = [m.group(0) for m in pattern.finditer(text)]
        text = pattern.sub(" ", text)
        if not words or (msgid, term["en"]) in EXCEPTIONS:
            continue
        if all(re.search(rf"\b{re.escape(w)}\b", msgstr) for w in words):
            continue  # kept in English: a key of a file format, a command
        if term.get("check", term["zh"]) not in msgstr:
            problems.append(f"{term['en']} → {term['zh']}")
        problems += [f"{term['en']} → {term['zh']}, not {v}" for v in term.get("avoid", [])
                     if v in msgstr]
    return problems


def test_glossary_is_well_formed():
    seen_en, seen_zh = set(), set()
    for term in GLOSSARY["term"]:
        assert term["en"] not in seen_en and term["zh"] not in seen_zh, term
        assert term_pattern(term).fullmatch(term["en"]), term
        assert term.get("check", term["zh"]) in term["zh"], term
        seen_en.add(term["en"])
        seen_zh.add(term["zh"])
    ids = {msgid for msgid, _ in catalogue()}
    for msgid, name in EXCEPTIONS:
        assert msgid in ids and name in seen_en, (msgid, name)
        assert EXCEPTIONS[msgid, name].strip(), "an exception says why"


def test_catalogue_keeps_one_translation_per_term():
    bad = {msgid: problems for msgid, msgstr in catalogue()
           if (problems := glossary_problems(msgid, msgstr))}
    assert bad == {}


def test_catalogue_never_uses_a_retired_translation():
    bad = {msgid: [w for w in GLOSSARY["never"] if w in msgstr] for msgid, msgstr in catalogue()
           if any(w in msgstr for w in GLOSSARY["never"])}
    assert bad == {}


def test_the_glossary_check_itself():
    assert glossary_problems("Reading notes to review", "待审核的读书笔记") == []
    assert glossary_problems("Submitted for review", "已提交审阅") == [
        "review → 审核", "review → 审核, not 审阅"]
    assert glossary_problems("Question bank", "题库") == []  # not a 试题
    assert glossary_problems("%(unit)s calls in %(what)s.", "%(unit)s调阅%(what)s。") == []
    assert glossary_problems("lecturers must be a list.", "lecturers 必须是列表。") == []


# ---- (c) one date format -------------------------------------------------------------------
DATE_CODE = re.compile(r"strftime|isoformat|datetimeformat\s*\(|format_date|format_datetime"
                       r"|\|\s*date\b|toLocale|Intl\.DateTimeFormat")


def test_templates_format_dates_through_one_filter():
    """Dates go through `|day` (YYYY-MM-DD) and times through `|datetimeformat`
    (YYYY-MM-DD HH:MM), both in the platform's time zone; nothing else formats a date."""
    bad = []
    for path in [*sorted((ROOT / "templates").rglob("*.html")),
                 *sorted((ROOT / "static/js").rglob("*.js"))]:
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if DATE_CODE.search(line):
                bad.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()[:120]}")
    assert bad == []


def test_sources_format_dates_in_one_place():
    """Python code writes dates with `local_day` / `local_minute` (lms/core/timeutil.py) or a
    date's own YYYY-MM-DD; no other format."""
    allowed = {"lms/core/timeutil.py": "the two formats themselves",
               "lms/activities/builtin/quiz/__init__.py": "a quiz's window as stored, not shown",
               "lms/records/record_data.py": "month names on the chart's axis (1月, Jan)"}
    bad = [f"{path.relative_to(ROOT)}:{n}" for path in sorted((ROOT / "lms").rglob("*.py"))
           if path.relative_to(ROOT).as_posix() not in allowed
           for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
           if re.search(r"strftime|format_datetime|format_date\b|babel\.dates", line)]
    assert bad == []


def test_the_two_date_filters(app):
    from datetime import date

    with app.test_request_context():
        env = app.jinja_env
        moment = datetime(2026, 3, 4, 17, 5)  # naive UTC; Asia/Shanghai is 8 hours ahead
        assert env.from_string("{{ m|day }}").render(m=moment) == "2026-03-05"
        assert env.from_string("{{ d|day }}").render(d=date(2026, 3, 4)) == "2026-03-04"
        assert env.from_string("{{ m|datetimeformat }}").render(m=moment) == "2026-03-05 01:05"
        assert env.from_string("{{ m|day }}{{ m|datetimeformat }}").render(m=None) == ""
