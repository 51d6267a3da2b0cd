"""The answer sheet's flags are saved with the draft answers; after submission the review marks
the learner's own choices right or wrong in words, with the right answer and the feedback the
source wrote; before submission no key or feedback reaches the page; without review the page
says why in one sentence."""
from __future__ import annotations

import json
import re

import pytest

from lms.assessment import attempts as engine
from lms.assessment.models import Attempt, AttemptAnswer
from lms.auth.models import User
from lms.catalog.models import Activity
from lms.extensions import db
from tests.test_attempts import _package

GIFT = """\
::单选::党政机关公文共有多少个文种？{
=十五种#反馈甲：条例规定十五种。
~十三种#反馈乙：少了两种。
~十八种#反馈丙：那是要素数。
####总体解析丁：见第一讲。
}

::判断::越级行文时应当抄送被越过的机关。{T#反馈戊：应当抄送。#反馈己：对。}

::填空::上级机关答复请示用什么文种？{=批复#反馈庚：正确。}
"""
FEEDBACK = ["反馈甲", "反馈乙", "反馈丙", "总体解析丁", "反馈戊", "反馈己", "反馈庚"]


@pytest.fixture
def quiz(app, tmp_path, make_unit, make_user, import_course):
    make_unit("QU", "青山区", "district")
    make_user("teacher", "lecturer", "QU", name="党校教师")
    make_user("learn", "learner", "QU", name="李学员")

    def build(**settings) -> int:
        import_course(_package(tmp_path, gift=GIFT, **settings))
        with app.app_context():
            return db.session.scalar(db.select(Activity.id).filter_by(key="quiz"))
    return build


def _slot(attempt: Attempt, name: str) -> dict:
    return next(s for s in attempt.slots if s["name"] == name)


def _start(app, client, auth, activity_id: int) -> tuple[int, str]:
    auth.login("learn")
    page = client.post(f"/activities/{activity_id}/attempt", follow_redirects=True)
    with app.app_context():
        return db.session.scalar(db.select(Attempt.id)), page.get_data(as_text=True)


def test_flags_are_saved_with_the_draft_and_shown_on_the_answer_sheet(app, quiz, auth, client):
    attempt_id, page = _start(app, client, auth, quiz())
    assert page.count('class="sheet-item"') == 3 and 'data-sheet-answered>0<' in page
    with app.app_context():
        single = _slot(db.session.get(Attempt, attempt_id), "单选")["slot"]
    url = f"/attempts/{attempt_id}/answers/{single}"
    assert client.put(url, json={"flagged": True}).status_code == 200  # a flag alone
    assert client.put(url, json={"flagged": "yes"}).status_code == 400
    with app.app_context():
        row = db.session.scalar(db.select(AttemptAnswer))
        assert row.flagged is True and row.response is None
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert re.search(rf'class="sheet-item is-flagged" data-sheet-slot="{single}"', page)
    assert f'name="flag{single}" value="1" data-flag checked' in page
    assert 'data-sheet-flagged>1<' in page
    # Without JavaScript: the form's Save carries the answers and every flag.
    client.post(f"/attempts/{attempt_id}", data={
        "flags-present": "1", f"q{single}": "1", "save": "1"})
    with app.app_context():
        row = db.session.scalar(db.select(AttemptAnswer))
        assert row.flagged is False and row.response == 1
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert re.search(rf'class="sheet-item is-answered" data-sheet-slot="{single}"', page)
    assert 'data-sheet-answered>1<' in page and 'data-sheet-flagged>0<' in page


def test_no_key_nor_feedback_before_submission(app, quiz, auth, client):
    activity_id = quiz()
    attempt_id, page = _start(app, client, auth, activity_id)
    with app.app_context():
        from lms.auth.services import create_token
        token = create_token(db.session.scalar(db.select(User).filter_by(username="learn")), "t")
    api = client.get(f"/api/v1/attempts/{attempt_id}",
                     headers={"Authorization": f"Bearer {token}"}).get_json()
    text = json.dumps(api, ensure_ascii=False)
    for secret in [*FEEDBACK, "批复", "data-correct", "data-feedback", "\"correct\"",
                   "fraction", "general_feedback"]:
        assert secret not in page, secret
        assert secret not in text, secret


def test_the_review_marks_own_choices_and_shows_the_source_feedback(app, quiz, auth, client):
    attempt_id, _page = _start(app, client, auth, quiz())
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        single, truth, blank = (_slot(attempt, n) for n in ("单选", "判断", "填空"))
        wrong = single["order"].index(1)  # 十三种, wherever this paper showed it
    client.post(f"/attempts/{attempt_id}", data={
        f"q{single['slot']}": str(wrong), f"q{truth['slot']}": "true",
        f"q{blank['slot']}": "批复", "submit": "1"})
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    section = html[html.index(f'id="slot-{single["slot"]}"'):]
    section = section[:section.index("</section>")]
    assert 'data-verdict="wrong"' in section and "回答错误" in section
    chosen = re.search(r'data-chosen="wrong">(.*?)</li>', section, re.S).group(1)
    assert "十三种" in chosen and "您的选择，错误" in chosen and "反馈乙" in chosen
    right = next(li for li in re.findall(r"<li>(.*?)</li>", section, re.S) if "十五种" in li)
    assert "正确答案" in right and "反馈甲" in right and "您的选择" not in right
    assert "反馈丙" not in section  # an option neither chosen nor right: its feedback waits
    assert "总体解析丁" in section and "解析：" in section
    assert "反馈己" in html and "反馈戊" not in html  # true/false: the response's feedback
    assert "反馈庚" in html and html.count('data-verdict="right"') == 2


def test_without_review_the_page_says_why_in_one_sentence(app, quiz, auth, client):
    attempt_id, _page = _start(app, client, auth, quiz(review="never"))
    client.post(f"/attempts/{attempt_id}", data={"submit": "1"})
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    note = re.search(r"<p data-review-note>(.*?)</p>", html, re.S).group(1).strip()
    assert note == "出题人设置为不显示正确答案。"
    for secret in [*FEEDBACK, "data-correct", "data-verdict"]:
        assert secret not in html, secret


def test_after_close_names_when_the_answers_show(app, quiz, auth, client):
    activity_id = quiz(review="after_close", closes_at="2099-12-01 09:00")
    attempt_id, _page = _start(app, client, auth, activity_id)
    client.post(f"/attempts/{attempt_id}", data={"submit": "1"})
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    note = re.search(r"<p data-review-note>(.*?)</p>", html, re.S).group(1).strip()
    assert note.startswith("测验于 2099-12-01") and note.endswith("关闭后显示正确答案。")
    with app.app_context():
        assert engine.review_allowed(db.session.get(Attempt, attempt_id),
                                     engine.spec_for(db.session.get(Activity, activity_id))) \
            is False


def test_the_spreadsheet_explanation_reaches_the_review_and_aiken_brings_none(app):
    import random

    from lms.assessment.aiken import parse_aiken
    from lms.assessment.xlsx import COLUMNS, parse_sheet
    from lms.org.tabular import xlsx_bytes

    sheet = xlsx_bytes([c.zh for c in COLUMNS], [[
        "单选", "", "下列哪一项属于法定公文种类？", "简报", "通知", "工作总结", *[""] * 5, "B",
        "通知是十五种法定公文之一。", ""]])
    aiken = "下列哪一项属于法定公文种类？\nA. 简报\nB. 通知\nANSWER: B\n"
    with app.test_request_context():
        (from_sheet,), (from_aiken,) = parse_sheet(sheet, "bank.xlsx"), parse_aiken(aiken)
        for question, explanation in ((from_sheet, "通知是十五种法定公文之一。"),
                                      (from_aiken, "")):
            slot = engine._slot(1, question, None, random.Random(0), True)
            chosen = slot["order"].index(1)
            shown = engine.review_slot(slot, AttemptAnswer(response=chosen, fraction=1.0))
            assert shown["feedback"] == explanation
            option = shown["options"][chosen]
            assert option["chosen"] and option["right"] and "通知" in option["html"]
