"""The Aiken parser: valid files (one and several questions, Chinese, both option styles, CRLF,
BOM, multi-line stems) and every malformed case refused with its line number."""
from __future__ import annotations

import pytest

from lms.activities.builtin.quiz.gift import Answer, GiftError, GiftErrors, Question
from lms.assessment.aiken import AikenError, AikenErrors, parse_aiken


def one(text: str) -> Question:
    questions = parse_aiken(text)
    assert len(questions) == 1
    return questions[0]


def refused(text: str) -> list[tuple[int, str]]:
    with pytest.raises(AikenErrors) as info:
        parse_aiken(text)
    return [(e.line, e.message) for e in info.value.errors]


def correct(q: Question) -> list[str]:
    return [a.text for a in q.answers if a.fraction == 1.0]


# --- valid files -------------------------------------------------------------------------------

def test_one_question():
    q = one("Which planet is closest to the Sun?\nA) Venus\nB) Mercury\nC) Mars\nANSWER: B\n")
    assert q.qtype == "multichoice"
    assert q.text == "Which planet is closest to the Sun?"
    assert q.name == "Which planet is closest to the Sun?"
    assert q.line == 1
    assert [a.text for a in q.answers] == ["Venus", "Mercury", "Mars"]
    assert [a.fraction for a in q.answers] == [0.0, 1.0, 0.0]
    assert q.answers[1] == Answer("Mercury", 1.0, text_format="plain", feedback_format="plain")


def test_several_questions_keep_order_and_first_lines():
    text = ("Two plus two?\nA. 3\nB. 4\nANSWER: B\n"
            "\n"
            "\n"
            "Colour of a clear daytime sky?\nA. Green\nB. Blue\nC. Red\nD. Black\nANSWER: B\n"
            "\n"
            "Largest ocean?\nA. Pacific\nB. Arctic\nANSWER: A")
    questions = parse_aiken(text)
    assert [q.line for q in questions] == [1, 7, 14]
    assert [correct(q) for q in questions] == [["4"], ["Blue"], ["Pacific"]]
    assert [len(q.answers) for q in questions] == [2, 4, 2]


def test_chinese_stem_and_options_keep_full_width_punctuation():
    q = one("“两学一做”学习教育中，“一做”指的是什么？\n"
            "A. 做合格党员\n"
            "B. 做好本职工作（岗位）\n"
            "C. 做表率：带头示范\n"
            "ANSWER: A\n")
    assert q.text == "“两学一做”学习教育中，“一做”指的是什么？"
    assert q.name == q.text
    assert [a.text for a in q.answers] == ["做合格党员", "做好本职工作（岗位）", "做表率：带头示范"]
    assert correct(q) == ["做合格党员"]


def test_parenthesis_style_and_no_space_or_tab_after_delimiter():
    q = one("第一次全国人口普查是哪一年？\nA)1953年\nB)\t1964年\nC) 1982年\nANSWER: A")
    assert [a.text for a in q.answers] == ["1953年", "1964年", "1982年"]
    assert correct(q) == ["1953年"]


def test_mixed_delimiters_in_one_question():
    q = one("Pick the even number.\nA) 7\nB. 8\nANSWER: B")
    assert [a.text for a in q.answers] == ["7", "8"]


def test_crlf_line_endings():
    text = ("Capital of France?\r\nA) Lyon\r\nB) Paris\r\nANSWER: B\r\n\r\n"
            "Is 1 odd?\r\nA) Yes\r\nB) No\r\nANSWER: A\r\n")
    questions = parse_aiken(text)
    assert [q.text for q in questions] == ["Capital of France?", "Is 1 odd?"]
    assert [q.line for q in questions] == [1, 6]
    assert all("\r" not in a.text for q in questions for a in q.answers)


def test_lone_cr_line_endings_count_as_lines():
    questions = parse_aiken("Q one?\rA) x\rB) y\rANSWER: A\r\rQ two?\rA) x\rB) y\rANSWER: B")
    assert [q.line for q in questions] == [1, 6]


def test_bom_at_start():
    q = one("\ufeff中国共产党成立于哪一年？\nA. 1919年\nB. 1921年\nANSWER: B\n")
    assert q.text == "中国共产党成立于哪一年？"
    assert q.line == 1


def test_surrounding_spaces_are_trimmed():
    q = one("   Which is a prime?   \n  A)  9  \n\tB.  11\t\n  ANSWER:   B   \n   \n")
    assert q.text == "Which is a prime?"
    assert [a.text for a in q.answers] == ["9", "11"]
    assert correct(q) == ["11"]


def test_answer_without_space_after_colon():
    assert correct(one("Pick A.\nA) this\nB) that\nANSWER:A")) == ["this"]


def test_multi_line_stem():
    q = one("\n\nRead the sentence below.\n“学而时习之，不亦说乎？”\nWho said it?\n"
            "A. 孟子\nB. 孔子\nANSWER: B")
    assert q.text == "Read the sentence below.\n“学而时习之，不亦说乎？”\nWho said it?"
    assert q.name == "Read the sentence below. “学而时习之，不亦说乎？” Who said it?"
    assert q.line == 3


def test_long_stem_name_is_cut_at_80_characters():
    stem = "x" * 50 + " " + "y" * 50
    q = one(f"{stem}\nA) a\nB) b\nANSWER: A")
    assert q.text == stem
    assert q.name == ("x" * 50 + " " + "y" * 50)[:80]


def test_markup_characters_stay_plain_text():
    q = one("Is 3 < 5 & 6 > 4?\nA) <yes>\nB) no\nANSWER: A")
    assert q.text == "Is 3 < 5 & 6 > 4?"
    assert q.name == "Is 3 < 5 & 6 > 4?"
    assert q.text_format == "plain"
    assert q.answers[0].text == "<yes>"


def test_twenty_six_options():
    letters = [chr(ord("A") + i) for i in range(26)]
    lines = ["Pick the last letter."] + [f"{x}) option {x}" for x in letters] + ["ANSWER: Z"]
    q = one("\n".join(lines))
    assert len(q.answers) == 26
    assert correct(q) == ["option Z"]


# --- malformed files ---------------------------------------------------------------------------

def test_answer_names_a_letter_with_no_option():
    assert refused("Q?\nA) x\nB) y\nC) z\nANSWER: D\n") == [
        (5, "ANSWER: D is not one of the options A, B, C")]


def test_answer_names_two_letters():
    [(line, message)] = refused("Q?\nA) x\nB) y\nANSWER: AB")
    assert line == 4
    assert "exactly one" in message


def test_answer_with_lowercase_letter():
    [(line, message)] = refused("Q?\nA) x\nB) y\nANSWER: b")
    assert line == 4
    assert "capital letter B" in message


def test_empty_answer_line():
    assert refused("Q?\nA) x\nB) y\nANSWER:   ") == [(4, "ANSWER: names no option")]


def test_missing_answer_line_reports_question_start():
    assert refused("Fine?\nA) x\nB) y\nANSWER: A\n\nNo answer here?\nA) x\nB) y\n") == [
        (6, "question without an ANSWER: line")]


def test_next_question_without_blank_line():
    # Moodle would start a new question here and drop the open one; we refuse it.
    [(line, message)] = refused("First?\nA) x\nB) y\nSecond?\nA) x\nB) y\nANSWER: A")
    assert line == 4
    assert "expected option C or the ANSWER: line" in message


def test_options_out_of_order():
    assert refused("Q?\nA) x\nC) y\nB) z\nANSWER: A") == [
        (3, "option C out of order, expected B")]


def test_first_option_not_a():
    assert refused("第一题？\nB. 甲\nC. 乙\nANSWER: B") == [
        (2, "option B out of order, expected A")]


def test_option_repeated():
    assert refused("Q?\nA) x\nB) y\nB) z\nANSWER: B") == [(4, "option B repeated")]


def test_fewer_than_two_options():
    assert refused("\nOnly one?\nA) alone\nANSWER: A") == [
        (2, "a question needs at least two options, found 1")]


def test_answer_with_no_options():
    assert refused("No options?\nANSWER: A")[0][0] == 1


def test_full_width_delimiters_are_not_options():
    [(line, message)] = refused("哪一项正确？\nA）甲\nB）乙\nANSWER: A")
    assert line == 1
    assert "ASCII punctuation" in message


def test_option_line_before_any_stem():
    # A question text that starts like an option ("A. Lincoln ...") is refused, not misread.
    assert refused("Q?\nA) x\nB) y\nANSWER: A\n\nA. Lincoln was president in which century?\n"
                   "A) 18th\nB) 19th\nANSWER: B") == [
        (6, "option A before any question text (a question may not start like an option)")]


def test_stem_line_that_starts_like_an_option():
    assert refused("Name a fruit.\nE.g. one that is red.\nA) apple\nB) stone\nANSWER: A") == [
        (2, "option E out of order, expected A")]


def test_answer_line_before_any_stem():
    assert refused("ANSWER: A\n\nQ?\nA) x\nB) y\nANSWER: A") == [
        (1, "ANSWER: line before any question text")]


def test_text_after_answer_before_blank_line():
    [(line, message)] = refused("Q?\r\nA) x\r\nB) y\r\nANSWER: A\r\nAn afterthought\r\n")
    assert line == 5
    assert "after the ANSWER: line" in message


def test_lowercase_answer_line():
    # Moodle does not recognise `answer:` and starts a new question with it; we refuse the line.
    assert refused("Q?\nA) x\nB) y\nanswer: B") == [
        (4, "the answer line must start with ANSWER: in capitals")]


def test_option_without_text():
    assert refused("Q?\nA) x\nB)\nANSWER: A") == [(3, "option B has no text")]


@pytest.mark.parametrize("text", ["", "\n\n  \n", "\ufeff", "\r\n\r\n"])
def test_empty_file(text):
    assert refused(text) == [(1, "the file holds no questions")]


def test_line_numbers_after_bom_and_crlf():
    assert refused("\ufeffQ?\r\nA) x\r\nB) y\r\nANSWER: E\r\n")[0][0] == 4


def test_two_bad_questions_reported_together_in_file_order():
    text = ("Good one?\nA) x\nB) y\nANSWER: A\n"
            "\n"
            "Bad answer?\nA) x\nB) y\nANSWER: F\n"
            "\n"
            "Also good?\nA) x\nB) y\nANSWER: B\n"
            "\n"
            "Bad order?\nA) x\nD) y\nANSWER: A\n")
    with pytest.raises(AikenErrors) as info:
        parse_aiken(text)
    assert [e.line for e in info.value.errors] == [9, 18]
    assert str(info.value).splitlines() == [
        "line 9: ANSWER: F is not one of the options A, B",
        "line 18: option D out of order, expected B",
    ]


def test_errors_share_the_gift_error_shape():
    with pytest.raises(GiftErrors) as info:
        parse_aiken("Q?\nA) x\nANSWER: A")
    [error] = info.value.errors
    assert isinstance(error, AikenError)
    assert isinstance(error, GiftError)
    assert isinstance(error, ValueError)
    assert (error.line, str(error)) == (1, f"line 1: {error.message}")
