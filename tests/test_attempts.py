"""Quiz attempts: the paper holds no key, answers are saved before the deadline only, a
submit scores once, the pass completes the activity, essays wait for a lecturer's grade."""
from __future__ import annotations

import json
import random
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from lms.assessment import attempts as engine
from lms.assessment import scoring
from lms.assessment.models import Attempt, AttemptAnswer
from lms.auth.models import User
from lms.catalog.models import Activity, ActivityState
from lms.core.timeutil import utcnow
from lms.extensions import db

GIFT = """\
::单选::党政机关公文共有多少个文种？{=十五种#对 ~十三种#错 ~十八种}

::多选::请示的要求有哪些？{~%50%一文一事 ~%50%只主送一个上级机关 ~%-100%同时抄送下级机关}

::判断::越级行文时应当抄送被越过的机关。{T}

::填空::公文落款处用阿拉伯数字标注年月日的要素称为？{=成文日期 =日期}

::数值::一页公文一般排多少行（±1）？{#22:1}

::配对::把文种与用途配对。{=决定->重要事项 =函->不相隶属机关 =纪要->会议情况}
"""
ESSAY = "\n::论述::结合工作实际，谈谈如何提高公文质量。{}\n"
# The learner's correct responses by slot, in key terms (original option indices).
KEYS = {"单选": 0, "多选": [0, 1], "判断": True, "填空": "成文日期", "数值": "22",
        "配对": {"0": "重要事项", "1": "不相隶属机关", "2": "会议情况"}}
# Every piece of the key a page or JSON must not carry before review.
SECRETS = ["fraction", "#对", "重要事项->", "成文日期", "\"22\"", "general_feedback", "order",
           "\"correct\"", "data-correct", "tolerance"]


def _package(tmp: Path, *, gift: str = GIFT, **settings) -> Path:
    folder = tmp / "quiz-course"
    (folder / "quiz").mkdir(parents=True, exist_ok=True)
    (folder / "quiz" / "q.gift").write_text(gift, encoding="utf-8")
    extra = "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in settings.items())
    (folder / "course.toml").write_text(f"""\
[course]
slug = "ceshi"
title = "测验课程"
summary = "测验"
category = "业务知识"
hours = 1.0
lecturers = ["teacher"]
version = 1

[[activities]]
key = "quiz"
type = "quiz"
title = "单元测验"
hours = 0.5
questions = "quiz/q.gift"
{extra}""", encoding="utf-8")
    return folder


@pytest.fixture
def quiz(app, tmp_path, make_unit, make_user, import_course):
    """Import the quiz course with chosen settings; returns the activity id."""
    make_unit("QU", "青山区", "district")
    make_user("teacher", "lecturer", "QU", name="党校教师")
    make_user("learn", "learner", "QU", name="李学员")
    make_user("other", "learner", "QU", name="王学员")

    def build(**settings) -> int:
        gift = settings.pop("gift", GIFT)
        import_course(_package(tmp_path, gift=gift, **settings))
        with app.app_context():
            return db.session.scalar(db.select(Activity.id).filter_by(key="quiz"))
    return build


def _user(name: str) -> User:
    return db.session.scalar(db.select(User).filter_by(username=name))


def _answer_all(attempt: Attempt, now=None) -> None:
    """Save the correct response to every slot, translated to this paper's positions."""
    responses = {}
    for slot in attempt.slots:
        key = KEYS.get(slot["name"])
        if key is None:
            continue
        responses[slot["slot"]] = engine._to_paper(slot, key)
    engine.save_answers(attempt, responses, now)


# ---- scoring rules -------------------------------------------------------------------------

def test_fill_in_ignores_case_width_and_spaces():
    body = {"answers": [{"text": "CPU", "fraction": 1.0}, {"text": "中央处理器", "fraction": 0.5}]}
    for given in ("cpu", " ＣＰＵ ", "Cpu\u3000"):
        assert scoring.grade("shortanswer", body, given) == 1.0
    assert scoring.grade("shortanswer", body, "中央处理器") == 0.5
    assert scoring.grade("shortanswer", body, "GPU") == 0.0


def test_multiple_response_partial_credit_rule():
    body = {"answers": [{"text": "a", "fraction": 0.5}, {"text": "b", "fraction": 0.5},
                        {"text": "c", "fraction": 0.0}, {"text": "d", "fraction": -1.0}]}
    assert scoring.grade("multiresponse", body, [0, 1]) == 1.0
    assert scoring.grade("multiresponse", body, [0]) == 0.5
    # A wrong option without a stated penalty costs as much as the largest correct weight:
    # choosing everything never earns full marks.
    assert scoring.grade("multiresponse", body, [0, 1, 2]) == 0.5
    assert scoring.grade("multiresponse", body, [0, 1, 2, 3]) == 0.0
    assert scoring.grade("multiresponse", body, [0, 3]) == 0.0  # never below zero


def test_numerical_tolerance_and_matching_share():
    body = {"answers": [{"text": "22", "fraction": 1.0, "tolerance": 1.0}]}
    assert scoring.grade("numerical", body, "２３") == 1.0
    assert scoring.grade("numerical", body, "24") == 0.0
    pairs = {"pairs": [["a", "1"], ["b", "2"], ["", "3"]]}
    assert scoring.grade("matching", pairs, {"0": "1", "1": "3"}) == 0.5


# ---- the paper and its key ------------------------------------------------------------------

def test_the_attempt_page_and_json_carry_no_key(app, quiz, auth, client):
    activity_id = quiz(shuffle_answers=True, shuffle_questions=True)
    auth.login("learn")
    page = client.post(f"/activities/{activity_id}/attempt", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "党政机关公文共有多少个文种" in html
    with app.app_context():
        attempt_id = db.session.scalar(db.select(Attempt.id))
        from lms.auth.services import create_token
        token = create_token(_user("learn"), "t")
    api = client.get(f"/api/v1/attempts/{attempt_id}",
                     headers={"Authorization": f"Bearer {token}"})
    started = client.post(f"/api/v1/quizzes/{activity_id}/attempts",
                          headers={"Authorization": f"Bearer {token}"})
    assert started.status_code == 200 and started.get_json()["id"] == attempt_id  # resumed
    for text in (html, api.get_data(as_text=True), started.get_data(as_text=True)):
        for secret in SECRETS:
            assert secret not in text, secret
    # The matching rights are offered, but never in the key's order next to their lefts.
    body = api.get_json()
    kinds = {q["type"] for q in body["questions"]}
    assert kinds == {"multichoice", "multiresponse", "truefalse", "shortanswer", "numerical",
                     "matching"}
    assert "score" not in body and body["status"] == "open"


def test_option_values_are_paper_positions_not_key_positions(app, quiz):
    activity_id = quiz(shuffle_answers=True)
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        seen = set()
        for seed in range(12):  # the correct option (key index 0) moves about the paper
            spec = engine.spec_for(activity)
            paper = engine.build_paper(spec, activity.course_id, random.Random(seed))
            seen.add(paper[0]["order"].index(0))
        assert len(seen) > 1


# ---- saving, deadlines, submitting ------------------------------------------------------------

def test_answers_resume_and_a_full_score_passes_and_completes(app, quiz):
    activity_id = quiz()
    with app.app_context():
        learner, activity = _user("learn"), db.session.get(Activity, activity_id)
        attempt = engine.start_or_resume(learner, activity)
        _answer_all(attempt)
        again = engine.start_or_resume(learner, activity)  # a reload resumes
        assert again.id == attempt.id and len(engine.answers_of(attempt.id)) == 6
        result = engine.finish(attempt)
        assert (result.score, result.max_score, result.passed) == (6.0, 6.0, True)
        state = db.session.scalar(db.select(ActivityState).filter_by(
            user_id=learner.id, activity_id=activity_id))
        assert state.completed_at is not None and state.passed and state.score == 100.0


def test_a_submission_after_the_deadline_counts_only_answers_saved_in_time(app, quiz):
    activity_id = quiz(time_limit_minutes=10)
    with app.app_context():
        learner, activity = _user("learn"), db.session.get(Activity, activity_id)
        start = utcnow()
        attempt = engine.start_or_resume(learner, activity, now=start)
        assert attempt.deadline_at == start + timedelta(minutes=10)
        first = attempt.slots[0]
        engine.save_answers(attempt, {1: engine._to_paper(first, 0)},
                            now=start + timedelta(minutes=9))
        late = start + timedelta(minutes=11)
        with pytest.raises(engine.AttemptError) as refused:
            engine.save_answers(attempt, {3: True}, now=late)
        assert refused.value.code == "closed"
        result = engine.finish(attempt, now=late)
        assert result.score == 1.0 and result.passed is False
        assert set(engine.answers_of(attempt.id)) == {1}


def test_a_late_answer_through_the_api_is_refused(app, quiz, client):
    activity_id = quiz(time_limit_minutes=5)
    with app.app_context():
        from lms.auth.services import create_token
        token = create_token(_user("learn"), "t")
    headers = {"Authorization": f"Bearer {token}"}
    started = client.post(f"/api/v1/quizzes/{activity_id}/attempts", headers=headers)
    assert started.status_code == 201
    attempt_id = started.get_json()["id"]
    truefalse = next(q["id"] for q in started.get_json()["questions"]
                     if q["type"] == "truefalse")
    ok = client.put(f"/api/v1/attempts/{attempt_id}/answers/{truefalse}", headers=headers,
                    json={"response": True})
    assert ok.status_code == 200
    with app.app_context():  # the clock runs out just after that save
        saved = db.session.scalar(db.select(AttemptAnswer.saved_at))
        db.session.execute(db.update(Attempt).values(deadline_at=saved))
        db.session.commit()
    late = client.put(f"/api/v1/attempts/{attempt_id}/answers/1", headers=headers,
                      json={"response": 0})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "closed"
    done = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers).get_json()
    assert done["score"] == 1.0 and done["max_score"] == 6.0 and done["passed"] is False
    again = client.post(f"/api/v1/attempts/{attempt_id}/submit", headers=headers).get_json()
    assert again["score"] == 1.0


def test_bad_answers_and_other_learners_attempts_are_refused(app, quiz, client):
    activity_id = quiz()
    with app.app_context():
        from lms.auth.services import create_token
        mine = create_token(_user("learn"), "t")
        theirs = create_token(_user("other"), "t")
    started = client.post(f"/api/v1/quizzes/{activity_id}/attempts",
                          headers={"Authorization": f"Bearer {mine}"}).get_json()
    url = f"/api/v1/attempts/{started['id']}"
    assert client.get(url, headers={"Authorization": f"Bearer {theirs}"}).status_code == 404
    assert client.put(f"{url}/answers/1", json={"response": 0},
                      headers={"Authorization": f"Bearer {theirs}"}).status_code == 404
    single = next(q["id"] for q in started["questions"] if q["type"] == "multichoice")
    bad = client.put(f"{url}/answers/{single}", json={"response": "A"},
                     headers={"Authorization": f"Bearer {mine}"})
    assert bad.status_code == 422
    assert client.put(f"{url}/answers/99", json={"response": 0},
                      headers={"Authorization": f"Bearer {mine}"}).status_code == 404


def test_attempts_limit_and_review_after_submission(app, quiz, client):
    activity_id = quiz(attempts=1)
    with app.app_context():
        from lms.auth.services import create_token
        token = create_token(_user("learn"), "t")
    headers = {"Authorization": f"Bearer {token}"}
    first = client.post(f"/api/v1/quizzes/{activity_id}/attempts", headers=headers).get_json()
    client.post(f"/api/v1/attempts/{first['id']}/submit", headers=headers)
    refused = client.post(f"/api/v1/quizzes/{activity_id}/attempts", headers=headers)
    assert refused.status_code == 409
    review = client.get(f"/api/v1/attempts/{first['id']}", headers=headers).get_json()
    assert review["review"] is True
    single = next(q for q in review["questions"] if q["type"] == "multichoice")
    with app.app_context():  # the key's first option, wherever this paper showed it
        slot = next(s for s in db.session.get(Attempt, first["id"]).slots
                    if s["slot"] == single["id"])
    assert single["correct"] == slot["order"].index(0) and single["fraction"] == 0.0


def test_review_never_hides_the_key_after_submission(app, quiz, auth, client):
    activity_id = quiz(review="never")
    with app.app_context():
        attempt = engine.start_or_resume(_user("learn"), db.session.get(Activity, activity_id))
        engine.finish(attempt)
        attempt_id = attempt.id
    auth.login("learn")
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "0.0 of 6.0" in html or "0.0" in html
    for secret in SECRETS:
        assert secret not in html, secret


def test_two_concurrent_submits_score_once(app, quiz, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrent transactions need PostgreSQL (make test runs it there too)")
    activity_id = quiz()
    with app.app_context():
        attempt = engine.start_or_resume(_user("learn"), db.session.get(Activity, activity_id))
        _answer_all(attempt)
        attempt_id = attempt.id
    results, barrier = [], threading.Barrier(2)

    def submit() -> None:
        with app.app_context():
            row = db.session.get(Attempt, attempt_id)
            barrier.wait()
            results.append(engine.finish(row))
            db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.score for r in results] == [6.0, 6.0]
    assert sorted(r.scored for r in results) == [False, True]  # one scored, one found it done
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AttemptAnswer)) == 6
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "graded" and attempt.score == 6.0


def test_an_essay_waits_for_the_lecturers_grade_and_comment(app, quiz, auth, client):
    activity_id = quiz(gift=GIFT + ESSAY)
    with app.app_context():
        learner = _user("learn")
        attempt = engine.start_or_resume(learner, db.session.get(Activity, activity_id))
        _answer_all(attempt)
        essay = next(s["slot"] for s in attempt.slots if s["qtype"] == "essay")
        engine.save_answers(attempt, {essay: "提高站位，规范格式，严格审核。"})
        result = engine.finish(attempt)
        assert result.status == "submitted" and result.passed is None and result.score == 6.0
        attempt_id = attempt.id
    auth.login("teacher")
    queue = client.get("/teach/grading").get_data(as_text=True)
    assert "李学员" in queue
    page = client.get(f"/teach/grading/{attempt_id}").get_data(as_text=True)
    assert "提高站位" in page
    graded = client.post(f"/teach/grading/{attempt_id}/{essay}",
                         data={f"s{essay}-mark": "0.5",
                               f"s{essay}-comment": "结构清楚，例子不足。"},
                         follow_redirects=True)
    assert graded.status_code == 200
    auth.logout()
    auth.login("learn")
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "结构清楚，例子不足。" in html
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt.status == "graded" and attempt.score == 6.5 and attempt.passed


def test_only_the_courses_lecturers_grade(app, quiz, auth, client, make_user):
    activity_id = quiz(gift=GIFT + ESSAY)
    make_user("stranger", "lecturer", "QU")
    with app.app_context():
        attempt = engine.start_or_resume(_user("learn"), db.session.get(Activity, activity_id))
        engine.save_answers(attempt, {7: "答"})
        engine.finish(attempt)
        attempt_id = attempt.id
    auth.login("stranger")
    assert "李学员" not in client.get("/teach/grading").get_data(as_text=True)
    assert client.get(f"/teach/grading/{attempt_id}").status_code == 404
    assert client.post(f"/teach/grading/{attempt_id}/7",
                       data={"s7-mark": "1", "s7-comment": "x"}).status_code == 404


def test_results_show_each_questions_difficulty(app, quiz, auth, client):
    activity_id = quiz()
    with app.app_context():
        activity = db.session.get(Activity, activity_id)
        right = engine.start_or_resume(_user("learn"), activity)
        _answer_all(right)
        engine.finish(right)
        wrong = engine.start_or_resume(_user("other"), activity)
        engine.save_answers(wrong, {s["slot"]: None for s in wrong.slots})
        engine.finish(wrong)
    auth.login("teacher")
    html = client.get(f"/teach/activities/{activity_id}/results").get_data(as_text=True)
    assert html.count("50.0%") >= 6  # each of the six questions: one of two learners right
    assert "单选" in html and "李学员" in html and "王学员" in html
