"""The GIFT parser and writer: each question type, the escapes and comments, the cases where we
refuse what Moodle silently misreads (with line numbers), round trips, and real files."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from lms.activities.builtin.quiz.gift import (
    Answer,
    GiftError,
    GiftErrors,
    Question,
    dump_gift,
    parse_gift,
)


def _corpus() -> Path:
    """The shared corpus beside the checkout (or at LMS_SHARED_DIR / /work/shared for clones)."""
    candidates = [Path(__file__).resolve().parents[1].parent / "shared"]
    if os.environ.get("LMS_SHARED_DIR"):
        candidates.insert(0, Path(os.environ["LMS_SHARED_DIR"]))
    candidates.append(Path("/work/shared"))
    for base in candidates:
        if (base / "corpora" / "gift").is_dir():
            return base / "corpora" / "gift"
    return candidates[0] / "corpora" / "gift"


CORPUS = _corpus()


def one(text: str) -> Question:
    questions = parse_gift(text)
    assert len(questions) == 1
    return questions[0]


def errors(text: str) -> list[GiftError]:
    with pytest.raises(GiftErrors) as caught:
        parse_gift(text)
    return caught.value.errors


def error(text: str) -> GiftError:
    found = errors(text)
    assert len(found) == 1, found
    return found[0]


def fractions(q: Question) -> list[float]:
    return [a.fraction for a in q.answers]


# Multiple choice


def test_multichoice_in_chinese():
    q = one("::公文::下列属于法定公文的是{=通知 ~便条 ~日记}")
    assert (q.qtype, q.name, q.text_format) == ("multichoice", "公文", "moodle")
    assert q.text == "下列属于法定公文的是"
    assert [a.text for a in q.answers] == ["通知", "便条", "日记"]
    assert fractions(q) == [1.0, 0.0, 0.0]
    assert q.line == 1 and q.category is None and q.idnumber is None and q.tags == []


def test_multichoice_on_separate_lines_with_feedback_and_formats_per_part():
    q = one("::Q2:: What's between orange and green?\n"
            "{\n"
            "    =yellow # right; good, it's yellow!\n"
            "    ~red # [html]wrong, <b>it's</b> yellow\n"
            "    ~[plain]blue # wrong\n"
            "}\n")
    assert q.qtype == "multichoice"
    assert [(a.text, a.fraction, a.feedback) for a in q.answers] == [
        ("yellow", 1.0, "right; good, it's yellow!"),
        ("red", 0.0, "wrong, <b>it's</b> yellow"),
        ("blue", 0.0, "wrong"),
    ]
    assert [(a.text_format, a.feedback_format) for a in q.answers] == [
        ("moodle", "moodle"), ("moodle", "html"), ("plain", "moodle")]


def test_format_inheritance_follows_the_question_text():
    q = one("[html]<p>Pick</p>{=[moodle]a#[plain]fine ~b#nope}")
    assert q.text == "<p>Pick</p>" and q.text_format == "html"
    assert [(a.text_format, a.feedback_format) for a in q.answers] == [
        ("moodle", "plain"), ("html", "html")]


def test_weighted_single_answer_multichoice():
    q = one("Difficult question.{~wrong ~%50%half credit =full credit}")
    assert q.qtype == "multichoice"
    assert fractions(q) == [0.0, 0.5, 1.0]


def test_multiresponse_with_mixed_weights_gives_exact_fractions():
    q = one("::colours:: What's between orange and green?{\n"
            "    ~%50%yellow # right\n"
            "    ~%-100%red # [html]wrong\n"
            "    ~%50%off-beige # right\n"
            "    ~%-100%[plain]blue # wrong\n"
            "}")
    assert q.qtype == "multiresponse"
    assert fractions(q) == [0.5, -1.0, 0.5, -1.0]
    assert q.answers[3].text == "blue" and q.answers[3].text_format == "plain"
    assert q.answers[1].feedback_format == "html"


def test_multiresponse_with_one_full_answer_and_negatives_stays_multiresponse():
    q = one("Which?{~%100%right ~%-50%wrong ~%-50%also wrong}")
    assert q.qtype == "multiresponse"
    assert fractions(q) == [1.0, -0.5, -0.5]


def test_thirds_add_up_to_100_within_tolerance():
    q = one("Which?{~%33.33333%a ~%33.33333%b ~%33.33333%c ~%-100%d}")
    assert q.qtype == "multiresponse"
    assert fractions(q)[0] == pytest.approx(1 / 3, abs=1e-6)


def test_weights_outside_moodle_list_are_accepted():
    assert fractions(one("Q{=a ~%33%b ~%35%c}")) == [1.0, 0.33, 0.35]


def test_multiresponse_whose_weights_do_not_add_up_is_refused():
    e = error("Q{~%33%a ~%33%b ~%33%c}")
    assert e.line == 1 and "99 %" in e.message


def test_multiresponse_without_a_positive_answer_is_refused():
    e = error("\n\nWhich year?{\n~1939\n~1941\n}")
    assert e.line == 3 and "no answer is marked correct" in e.message


def test_weight_outside_range_is_refused_at_its_line():
    e = error("Q{\n=a\n~%150%b\n}")
    assert e.line == 3 and "outside -100 %..100 %" in e.message


def test_malformed_weights():
    assert one("Q{=a ~%abc%b}").answers[1].text == "%abc%b"  # not weight-like: text, as in Moodle
    assert "malformed weight" in error("Q{=a ~%+5%b}").message
    e = error("Q{=%50%a ~b}")  # Moodle: 100 % with the text '%50%a'
    assert "'=' is always 100 %" in e.message


def test_empty_answers_are_dropped_and_two_remain_needed():
    q = one("Q{~=right ~~wrong}")
    assert [(a.text, a.fraction) for a in q.answers] == [("right", 1.0), ("wrong", 0.0)]
    e = error("::x::Q{~=only}")
    assert "at least 2 answers" in e.message and e.line == 1


def test_text_before_the_first_marker_is_refused():
    assert "before the first" in error("Q{stray ~a =b}").message


def test_missing_word_form():
    q = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert q.text == "Grant is _____ in Grant's tomb."
    assert q.name == "Grant is _____ in Grant's tomb."


# True/false


def test_truefalse_forms():
    for answer, correct in (("T", True), ("TRUE", True), ("F", False), ("FALSE", False)):
        q = one(f"::2-08 TSL::TSL is blablabla.{{{answer}}}")
        assert q.qtype == "truefalse" and q.name == "2-08 TSL"
        assert [(a.text, a.fraction) for a in q.answers] == [
            ("true", 1.0 if correct else 0.0), ("false", 0.0 if correct else 1.0)]


def test_truefalse_feedback_goes_wrong_first_then_right():
    q = one("::Q1:: 42 is the Absolute Answer.{\n"
            "FALSE#42 is the Ultimate Answer.#You gave the right answer.\n"
            "####[html]A <i>Hitchhiker's Guide</i> reference.}")
    true, false = q.answers
    assert (true.fraction, true.feedback) == (0.0, "42 is the Ultimate Answer.")
    assert (false.fraction, false.feedback) == (1.0, "You gave the right answer.")
    assert q.general_feedback == "A <i>Hitchhiker's Guide</i> reference."
    assert q.general_feedback_format == "html"
    q = one("党的基本路线是一个中心、两个基本点。{TRUE#错#对}")
    assert [(a.text, a.fraction, a.feedback) for a in q.answers] == [
        ("true", 1.0, "对"), ("false", 0.0, "错")]


def test_lowercase_true_is_a_short_answer():
    q = one("Is it?{true}")
    assert q.qtype == "shortanswer" and q.answers[0].text == "true"


def test_truefalse_with_three_feedbacks_is_refused():
    assert "at most two feedbacks" in error("Q{T#a#b#c}").message


def test_truefalse_split_over_two_lines_is_refused():
    e = error("::Q18::Fun?{\nTRUE\nFALSE\n}")
    assert e.line == 2 and "T, TRUE, F, FALSE" in e.message


# Short answer


def test_shortanswer_with_weights_and_wildcard():
    q = one("::Shortanswer::Which is the best animal?{\n"
            "    =Frog#Good!\n"
            "    =%50%Cat#What is it with cats?\n"
            "    =%0%*#Completely wrong\n"
            "}")
    assert q.qtype == "shortanswer"
    assert [(a.text, a.fraction, a.feedback) for a in q.answers] == [
        ("Frog", 1.0, "Good!"), ("Cat", 0.5, "What is it with cats?"),
        ("*", 0.0, "Completely wrong")]
    q = one("Animal?{=Frog =%50%Cat ####[html]<p>General</p>}")
    assert q.general_feedback == "<p>General</p>" and q.general_feedback_format == "html"
    assert q.text_format == "moodle"


def test_shortanswer_in_chinese_missing_word():
    q = one("中华人民共和国的首都是{=北京 =北京市}。")
    assert q.qtype == "shortanswer" and q.text == "中华人民共和国的首都是_____。"
    assert [a.text for a in q.answers] == ["北京", "北京市"]


def test_single_shortanswer_needs_no_equals_and_literal_equals_is_escaped():
    assert one("Two plus two equals {four}.").answers[0].text == "four"
    assert [a.text for a in one(r"Q{=a\=b}").answers] == ["a=b"]


# Numerical


def test_numerical_value_tolerance_range_and_several_answers():
    assert [(a.text, a.tolerance) for a in one("Born?{#1822}").answers] == [("1822", 0.0)]
    assert [(a.text, a.tolerance) for a in one("Pi?{#3.1415:0.0005}").answers] == [
        ("3.1415", 0.0005)]
    assert [(a.text, a.tolerance) for a in one("1 to 5?{#1..5}").answers] == [("3", 2.0)]
    assert [(a.text, a.tolerance) for a in one("-pi?{#-3.142..-3.141}").answers] == [
        ("-3.1415", 0.0005)]
    assert [(a.text, a.tolerance) for a in one("Minus one?{#-1}").answers] == [("-1", 0.0)]
    q = one("When?{#\n    =1822:0 #Right\n    =%50%1822:2 #Close\n}")
    assert q.qtype == "numerical"
    assert [(a.text, a.fraction, a.tolerance, a.feedback) for a in q.answers] == [
        ("1822", 1.0, 0.0, "Right"), ("1822", 0.5, 2.0, "Close")]
    assert one("中国共产党成立于哪一年？{#1921}").answers[0].text == "1921"


def test_numerical_catchall():
    q = one("::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}")
    assert [(a.text, a.fraction, a.tolerance, a.feedback) for a in q.answers] == [
        ("3", 1.0, 2.0, ""), ("*", 0.0, None, "Completely wrong")]


@pytest.mark.parametrize(("answers", "message"), [
    ("#abc", "value 'abc' is not a number"),
    ("#=*", "value '*' is not a number"),  # Moodle's typo turns this into the catch-all
    ("#3:two", "tolerance 'two' is not a number"),
    ("#1..x", "range maximum 'x' is not a number"),
    ("#5..1", "runs backwards"),
    ("#3:-1", "negative"),
    ("#3~5#wrong", "only '~#feedback'"),
    ("#", "without an answer value"),
])
def test_numerical_mistakes_are_refused(answers, message):
    e = error("::n::Q {" + answers + "}")
    assert message in e.message and e.line == 1


def test_numerical_error_names_the_answer_line():
    e = error("When?{#\n=1822:0\n=%50%18x22:2\n}")
    assert e.line == 3


# Matching


def test_matching_formats_follow_each_left_side_and_distractor():
    q = one("::Moodle activities::[html]Match the <b>activity</b>.{\n"
            "    =[html]Asynchronous discussions. -> Forum\n"
            "    =[moodle]A teacher asks a question. -> Choice\n"
            "    =[plain]A bank of record entries. -> Database\n"
            "    =[markdown]Pages anyone can edit. -> Wiki\n"
            "    = -> Chat\n"
            "}")
    assert q.qtype == "matching" and q.answers == []
    assert q.pairs == [
        ("Asynchronous discussions.", "Forum"), ("A teacher asks a question.", "Choice"),
        ("A bank of record entries.", "Database"), ("Pages anyone can edit.", "Wiki"), ("", "Chat")]
    assert q.pair_formats == ["html", "moodle", "plain", "markdown", "html"]


def test_matching_in_chinese_with_literal_hash_on_the_right():
    q = one("请将会议与其职能配对。{=党委会 -> 集体领导#好 =支部大会 -> 民主议事}")
    assert q.pairs == [("党委会", "集体领导#好"), ("支部大会", "民主议事")]


@pytest.mark.parametrize(("body", "line", "message"), [
    ("{\n=a -> 1\n=b 2\n=c -> 3\n}", 3, "without '->'"),
    ("{\n=a -> 1\n=b -> \n}", 3, "nothing on the right"),
    ("{=a -> 1 = -> 2}", 1, "at least 2 pairs"),
])
def test_matching_mistakes_are_refused(body, line, message):
    e = error("Match." + body)
    assert e.line == line and message in e.message


def test_matching_html_left_with_escaped_equals():
    q = one(r'Match.{=<span class\="x">a</span> -> 1 =b -> 2}')
    assert q.pairs[0] == ('<span class="x">a</span>', "1")


# Essay and description


def test_essay_with_comment_id_and_tags():
    q = one("// essay [id:E-1] [tag:writing]\n"
            "// [id:ignored] [tag:long\\]one]\n"
            "::Q8:: How are you? {}")
    assert (q.qtype, q.name, q.text, q.line) == ("essay", "Q8", "How are you?", 3)
    assert q.idnumber == "E-1" and q.tags == ["writing", "long]one"]


def test_tags_with_angle_brackets_are_refused():
    e = error("Text{}\n\n// [tag:<b>bold</b>]\nEssay{}")
    assert e.line == 3


def test_description_and_generated_name():
    q = one("::Description Title::You can use your pencil.")
    assert (q.qtype, q.name, q.text, q.answers) == ("description", "Description Title",
                                                     "You can use your pencil.", [])
    q = one("[html]<p>Read   <b>carefully</b></p>")
    assert q.name == "Read carefully" and q.text_format == "html"


def test_unknown_format_marker_stays_in_the_text():
    q = one("[xyz]Text{T}")
    assert q.text == "[xyz]Text" and q.text_format == "moodle"


def test_markdown_marker():
    q = one("[markdown]Who's buried in **Grant's tomb**?{=no one#excellent!}")
    assert q.text_format == "markdown" and q.answers[0].feedback_format == "markdown"


def test_unclosed_name_is_stripped_and_generated():
    q = one("::Unclosed name{T}")
    assert q.name == "Unclosed name" and q.text == "Unclosed name"


def test_escaped_colons_in_name():
    assert one(r"::a\:\:b::Text{T}").name == "a::b"


# Escapes, comments, structure


def test_escapes():
    q = one(r"Backslash \\ and \\~ tilde{=a \\ b ~c \~ d}")
    assert q.text == "Backslash \\ and \\~ tilde"  # `\\~`: backslash first, then the tilde
    assert q.qtype == "multichoice"  # ... which still splits the answers
    q = one(r"Escapes \~ \= \# \{ \} \: \q and\nnew line{=a\#b#fb\}}")
    assert q.text == "Escapes ~ = # { } : \\q and\nnew line"
    assert (q.answers[0].text, q.answers[0].feedback) == ("a#b", "fb}")


def test_multiline_html_with_escaped_braces_in_pre():
    q = one("::code::[html]<p>Look:</p>\n<pre>if (x) \\{\n    y();\n\\}</pre>{\n=yes\n~no}")
    assert q.text == "<p>Look:</p>\n<pre>if (x) {\n    y();\n}</pre>"
    assert q.text_format == "html"


def test_comments_and_double_slash_in_text():
    q = one("// heading\n"
            "See http://example.com // still text{\n// a comment inside braces\n=a\n~b}")
    assert q.text == "See http://example.com // still text"
    assert [a.text for a in q.answers] == ["a", "b"]
    assert q.line == 2


def test_comment_only_blocks_are_ignored():
    assert parse_gift("// nothing\n// here\n\n\n") == []
    assert parse_gift("") == []


def test_categories_apply_to_the_questions_that_follow():
    text = ("// switch\n$CATEGORY: $course$/top/Unit 1/Quiz A\n\n"
            "Q1{T}\n\n"
            "$CATEGORY:   $course$/top/单元 2  \n\n"
            "Q2{F}\n")
    assert [(q.name, q.category) for q in parse_gift(text)] == [
        ("Q1", "$course$/top/Unit 1/Quiz A"), ("Q2", "$course$/top/单元 2")]


def test_category_with_escaped_html_questions():
    text = ("$CATEGORY: $course$/Default\n\n"
            '::Greeting::[html]<a href\\="http\\://demo.example/x.mp3">Listen\\:</a>{\n'
            "\t~English#Sorry.\n\t=French#Yes!\n}\n")
    q = one(text)
    assert q.text == '<a href="http://demo.example/x.mp3">Listen:</a>'
    assert q.category == "$course$/Default"


def test_question_under_the_category_line_is_refused_at_its_line():
    e = error("\n$CATEGORY: $course$/top/A\n::Q1::Lost question{T}\n")
    assert e.line == 3 and "$CATEGORY:" in e.message


def test_unknown_directive_is_refused():
    e = error("$QUESTIONTITLE: History\n\nQ{T}")
    assert e.line == 1 and "$QUESTIONTITLE:" in e.message


def test_general_feedback_after_the_last_separator():
    q = one("Q{=a ~b ####first ####second}")
    assert q.general_feedback == "second"


def test_crlf_and_bom_read_like_lf():
    text = "// c\n::n::Q{\n=a#fb\n~b\n}\n\nSecond {T#w#r}\n"
    plain = parse_gift(text)
    windows = parse_gift("\ufeff" + text.replace("\n", "\r\n"))
    assert windows == plain
    assert [q.line for q in windows] == [2, 7]
    assert windows[0].answers[0].feedback == "fb"


# Brace errors and things that are not GIFT


@pytest.mark.parametrize(("text", "line", "message"), [
    ("Q\n{=a\n~b\n", 2, "never closed"),
    ("Q =a ~b}", 1, "without an opening"),
    ("Q } and {=a ~b}", 1, "without an opening"),
    ("Q {=a {~b}", 1, "second '{' inside"),
    ("Q{=Shall =shall}\nI {=tell} you", 2, "second {...}"),
    ("Q{=a#smile :} ~b}", 1, "'}' after the answer block"),
    ("Text\nis {1:MC:~=a~b} here", 2, "cloze"),
])
def test_not_gift_is_refused_with_its_line(text, line, message):
    e = error(text)
    assert e.line == line and message in e.message


def test_blank_line_inside_braces():
    found = errors("Q1{T}\n\nQ{\n=a\n\n~b\n}\n")
    assert [(e.line, "never closed" in e.message or "without an opening" in e.message)
            for e in found] == [(3, True), (7, True)]


def test_error_names_the_first_line_of_the_third_block():
    text = ("::a::A{\n=x ~y}\n"    # lines 1-2
            "\n"
            "::b::B{T}\n"          # line 4
            "\n\n"
            "::c::C{#abc}\n"       # line 7
            "\n"
            "::d::D{F}\n")
    e = error(text)
    assert e.line == 7
    assert str(e) == "line 7: value 'abc' is not a number"
    assert isinstance(e, ValueError)


def test_all_errors_are_collected_in_file_order():
    text = ("Bad{=a}x}\n\n"               # line 1
            "Good{T}\n\n"                 # line 3
            "Bad{~only}\n\n"              # line 5
            "Good{=a ~b}\n\n"             # line 7
            "// note\nBad{#x}\n\n"        # line 10
            "Bad {=a -> }\n")             # line 12
    with pytest.raises(GiftErrors) as caught:
        parse_gift(text)
    assert [e.line for e in caught.value.errors] == [1, 5, 10, 12]
    assert isinstance(caught.value, ValueError)
    assert str(caught.value).splitlines()[0].startswith("line 1: ")


# Round trips


ALL_TYPES = r"""// [id:mc-1] [tag:公文] [tag:a\]b]
::公文::下列属于法定公文的是{=通知#对 ~便条 ~%-50%日记#错\: 不是}

$CATEGORY: $course$/top/Unit 1

::mr::[html]<p>Pick <b>two</b></p>{
~%50%[plain]a~b
~%50%c\=d
~%-100%e\{f\}
####[moodle]Because.
}

::tf::Grant is buried in Grant's tomb.{FALSE#No one is.#[markdown]**Right**}

::tf2::The sun rises in the east.{T}

::sa::Two plus two equals {=four =%50%4#digits \~ ok? =*#no}.

::num::[html]When was Grant born?{#
=1822:0#Right
=%50%1820..1824#Close
~#Wrong
####General
}

::match::Match the countries.{
=Canada -> Ottawa
=[html]<span class\="it">Italy</span> -> Rome\#1
= -> Paris
}

::essay:: How are you? {####[html]<p>Think</p>}

::desc::[markdown]Read **carefully**\nthen answer.

Unnamed question with a backslash \\ and a tab	here{T}
"""


def test_round_trip_of_every_type_from_gift():
    questions = parse_gift(ALL_TYPES)
    assert [q.qtype for q in questions] == [
        "multichoice", "multiresponse", "truefalse", "truefalse", "shortanswer", "numerical",
        "matching", "essay", "description", "truefalse"]
    written = dump_gift(questions)
    assert parse_gift(written) == questions
    assert dump_gift(parse_gift(written)) == written
    assert r"class\=" in written  # the '=' inside an HTML attribute is escaped on export
    assert r"backslash \\ and" in written  # a backslash is doubled again on export
    assert questions[0].category is None and questions[1].category == "$course$/top/Unit 1"
    assert questions[-1].category == "$course$/top/Unit 1"
    assert (questions[0].idnumber, questions[0].tags) == ("mc-1", ["公文", "a]b"])


def test_round_trip_of_questions_built_in_code():
    tricky = "a ~ b = c # d { e } f : g\nsecond line \\ and [html] inside"
    questions = [
        Question("multichoice", "mc", tricky, answers=[
            Answer(tricky, 1.0, tricky), Answer("%50%", 0.0), Answer("[html]x", 0.25)]),
        Question("multichoice", "all right", "Q", answers=[Answer("a", 1.0), Answer("b", 1.0)]),
        Question("multiresponse", "mr", "Q", "html", answers=[
            Answer("a", 1 / 3 * 0.999999, "", None, "html", "html"),
            Answer("b", 0.6666667, "", None, "plain", "html"),
            Answer("c", -1.0, "no", None, "html", "markdown")],
            general_feedback_format="html"),
        Question("truefalse", "tf", "Q", answers=[Answer("true", 0.0, "w"),
                                                  Answer("false", 1.0, "r", None, "moodle",
                                                         "html")]),
        Question("shortanswer", "sa", "Q", answers=[Answer("北京", 1.0), Answer("*", 0.0, "no")],
                 general_feedback="gf"),
        Question("numerical", "num", "Q", answers=[
            Answer("1822", 1.0, "", 0.0), Answer("-3.5", 0.5, "half", 0.25),
            Answer("*", 0.0, "wrong")]),
        Question("matching", "match", "Q", pairs=[("a = b", "x # y"), ("c", "[html]d"), ("", "e")],
                 pair_formats=["moodle", "html", "moodle"], category="$course$/top/B",
                 idnumber="m]1", tags=["t"]),
        Question("essay", "essay", "Write.", category="$course$/top/B"),
        Question("description", "desc", "$CATEGORY: not a category", category="$course$/top/B"),
    ]
    assert parse_gift(dump_gift(questions)) == questions


def test_dump_escapes_and_refuses_what_gift_cannot_say():
    written = dump_gift([Question("description", "n:1", "a~b=c#d{e}f:g\nh\\i\r")])
    assert written == "::n\\:1::a\\~b\\=c\\#d\\{e\\}f\\:g\\nh\\\\i\n"
    with pytest.raises(ValueError, match="->"):
        dump_gift([Question("matching", "m", "Q", pairs=[("a->b", "c"), ("d", "e")])])
    assert dump_gift([]) == ""


def test_line_takes_no_part_in_equality():
    assert one("Q{T}") == one("\n\n\nQ{T}")


# Real files written elsewhere, read where they lie


def _corpus() -> list[Path]:
    return sorted(CORPUS.glob("*.gift"))


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as handle:
        return handle.read()


# Files that parse, with the number of questions each gives.
PARSES = {
    "bigdata-EJM_BIDA_UD1.gift": 4,
    "bigdata-PDR_SIBD_UD1.gift": 3,
    "gl02-EM-U5-p34-Voc.gift": 6,
    "gl02-U3-p32-GR-Present_perfect_vs_past_simple.gift": 31,
    "gl02-U5-p52-Reading-The_death_of_cooking.gift": 15,
    "gl02-U5-p57-Review.gift": 34,
    "gl02-U7-p79-Review-3.gift": 7,
    "jfsanchez-preguntas.gift": 4,
    "jfsanchez-preguntasSBD.gift": 5,  # CRLF
    "mckizzle-test.gift": 4,
    "moodle-examples.gift": 43,
    "moodle-fixture-questions-in-category.gift": 4,
    "moodle-fixture-questions.gift": 9,
    "pegjs-TFTwoFeedback.gift": 3,
    "pegjs-description1.gift": 2,
    "pegjs-escapeAll.gift": 1,
    "pegjs-giftFormatPhpExamples.gift": 10,
    "pegjs-markdown.gift": 4,
    "pegjs-mcHTMLComment.gift": 1,
    "pegjs-multiLineFeedback1.gift": 2,
    "pegjs-numerical1.gift": 10,
    "pegjs-shortAnswerNotMatching.gift": 2,
    "pegjs-symbolsAll.gift": 1,
    "pegjs-tag_id_and_two_tags.gift": 1,
    "pegjs-totara_moodle_match.gift": 1,
    "pegjs-totara_moodle_numerical.gift": 1,
    "yohanesgultom-example.gift": 2,  # mixed CRLF and LF
    "zavlab1-Test1.gift": 20,
    "zavlab1-orig_test.gift": 20,
}

CATEGORY_SWALLOW = "a question right under the $CATEGORY: line"
# Files we refuse: (line, part of the message) for every error, in file order.
REFUSED = {
    # Cloze {1:MC:...} / {1:SA:...} inside GIFT questions.
    "gl02-EM-U4-p32_33-Review.gift": [(4, "cloze"), (11, "cloze"), (17, "cloze")],
    "gl02-U4-p47-Review.gift": [(4, "cloze"), (11, "cloze"), (32, "cloze")],
    # `{=Shall=shall} I {=tell} you`: a second {...} after the answer block.
    "gl02-U6-p61-GR-Future_forms.gift": [(14, "second {...}")],
    # Question 18: TRUE and FALSE on two lines, which Moodle reads as one short answer.
    "gl02-questions.gift": [(71, "T, TRUE, F, FALSE")],
    # `$QUESTIONTITLE:` does not exist; four multiple-response questions with no correct answer.
    "lobosmr-preguntas.gift": [(5, "unknown directive $QUESTIONTITLE:")] + [
        (line, "no answer is marked correct") for line in (8, 16, 24, 32)],
    # A damaged export: stray '}line.substring(1' after an answer block and on its own.
    "zavlab1-test.gift": [(47, "'}' after the answer block"), (51, "without an opening '{'")],
}


def _vlad_expected(text: str) -> list[tuple[int, str]]:
    """vlad-pm-questions (CRLF): blocks that start with a `$CATEGORY:` line and go on with
    questions (refused at their second line), and a blank line inside the braces of question 6
    (lines 43 and 50)."""
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(text.replace("\r", "").split("\n"), 1):
        if line.strip():
            blocks[-1].append((number, line))
        elif blocks[-1]:
            blocks.append([])
    swallowed = [block[1][0] for block in blocks
                 if len(block) > 1 and block[0][1].startswith("$CATEGORY:")]
    return sorted([(line, CATEGORY_SWALLOW) for line in swallowed]
                  + [(43, "never closed"), (50, "without an opening '{'")])


def test_the_corpus_is_there_and_every_file_is_expected():
    names = {path.name for path in _corpus()}
    assert len(names) >= 30
    assert names == set(PARSES) | set(REFUSED) | {"vlad-pm-questions.gift"}


@pytest.mark.parametrize("path", _corpus(), ids=lambda path: path.name)
def test_corpus_file(path: Path):
    text = _read(path)
    line_count = text.count("\n") + 1
    try:
        questions = parse_gift(text)
    except GiftErrors as caught:
        found = caught.errors
        assert found
        assert all(1 <= e.line <= line_count for e in found)
        if path.name == "vlad-pm-questions.gift":
            expected = _vlad_expected(text)
            assert len(expected) > 20
        else:
            expected = REFUSED[path.name]
        assert [e.line for e in found] == [line for line, _ in expected]
        for e, (_, part) in zip(found, expected, strict=True):
            assert part in e.message
        return
    assert path.name in PARSES, f"{path.name} should have been refused"
    assert len(questions) == PARSES[path.name] > 0
    assert all(1 <= q.line <= line_count for q in questions)
    assert parse_gift(dump_gift(questions)) == questions


def test_corpus_moodle_fixture_details():
    questions = parse_gift(_read(CORPUS / "moodle-fixture-questions.gift"))
    assert [q.qtype for q in questions] == [
        "essay", "matching", "multichoice", "multiresponse", "numerical", "shortanswer",
        "truefalse", "truefalse", "truefalse"]
    numerical = questions[4]
    assert [(a.text, a.fraction, a.tolerance) for a in numerical.answers] == [
        ("3", 1.0, 2.0), ("*", 0.0, None)]
    true, false = questions[6].answers
    assert (true.fraction, true.feedback) == (0.0, "42 is the Ultimate Answer.")
    assert (false.fraction, false.feedback) == (1.0, "You gave the right answer.")


def test_corpus_category_and_ids():
    questions = parse_gift(_read(CORPUS / "moodle-fixture-questions-in-category.gift"))
    assert {q.category for q in questions} == {"$course$/Default for New Features"}
    essay = parse_gift(_read(CORPUS / "pegjs-tag_id_and_two_tags.gift"))[0]
    assert (essay.idnumber, essay.tags) == ("393", ["fred", "barney-wilma"])
    russian = parse_gift(_read(CORPUS / "zavlab1-orig_test.gift"))
    assert {q.category for q in russian} == {"$course$/По умолчанию для БД"}
