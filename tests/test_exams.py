"""Exams: a window and a duration, an audience (section level, under 35), one sitting unless
a re-sit is granted, results held until the organisation department publishes them, and a
pass recorded as a certificate-style result."""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from lms.assessment import attempts as engine
from lms.assessment.importer import import_questions
from lms.assessment.models import Attempt
from lms.catalog.models import Activity, ActivityState
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.records.models import RecordEntry
from tests.test_attempts import GIFT, KEYS, _user

SHARED = """\
$CATEGORY: 任职资格/政策理论

::共享1::中国共产党的根本宗旨是全心全意为人民服务。{T}

::共享2::党的最高理想和最终目标是实现共产主义。{T}

::共享3::民主集中制是党的根本组织原则。{T}
"""


def _exam_package(tmp, opens, closes) -> object:
    folder = tmp / "exam-course"
    (folder / "quiz").mkdir(parents=True, exist_ok=True)
    (folder / "quiz" / "exam.gift").write_text(GIFT, encoding="utf-8")
    (folder / "course.toml").write_text(f"""\
[course]
slug = "zige-2026"
title = "2026年任职资格考试"
summary = "科级干部任职资格考试"
category = "业务知识"
hours = 0
lecturers = ["org"]
version = 1

[[activities]]
key = "exam"
type = "exam"
title = "任职资格考试（科级）"
questions = "quiz/exam.gift"
draws = [{{category = "任职资格", count = 2}}]
duration_minutes = 60
opens_at = {json.dumps(opens)}
closes_at = {json.dumps(closes)}
ranks = ["section"]
max_age = 35
pass_score = 60
""", encoding="utf-8")
    return folder


@pytest.fixture
def exam(app, tmp_path, make_unit, make_user, import_course):
    make_unit("QU", "青山区", "district")
    make_user("org", "org_admin", "QU", name="组织部")
    make_user("young", "learner", "QU", name="青年干部", birth_date=date(1996, 3, 1))
    make_user("older", "learner", "QU", name="年长干部", birth_date=date(1980, 3, 1))
    make_user("division", "learner", "QU", name="处级干部", rank="division",
              birth_date=date(1995, 3, 1))
    make_user("unknown", "learner", "QU", name="未登记", birth_date=None)
    with app.app_context():
        import_questions(SHARED, "gift", None)
    now = utcnow() + timedelta(hours=8)  # the window is written in local (Shanghai) time
    import_course(_exam_package(tmp_path, (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
                                (now + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")))
    with app.app_context():
        return db.session.scalar(db.select(Activity.id).filter_by(key="exam"))


def _sit(activity_id: int, username: str, *, right: bool) -> Attempt:
    attempt = engine.start_or_resume(_user(username), db.session.get(Activity, activity_id))
    responses = {}
    for slot in attempt.slots:
        if slot["name"] in KEYS and right:
            responses[slot["slot"]] = engine._to_paper(slot, KEYS[slot["name"]])
        elif slot["qtype"] == "truefalse":
            responses[slot["slot"]] = right
    engine.save_answers(attempt, responses)
    engine.finish(attempt)
    return attempt


def test_only_the_audience_may_sit(app, exam):
    with app.app_context():
        activity = db.session.get(Activity, exam)
        for name, why in (("older", "35"), ("division", "职级"), ("unknown", "出生日期")):
            with pytest.raises(engine.AttemptError) as refused:
                engine.start_or_resume(_user(name), activity)
            assert refused.value.code == "not_allowed" and why in refused.value.message, name
        attempt = engine.start_or_resume(_user("young"), activity)
        # The paper: the exam's own six questions and two drawn from the shared bank.
        assert len(attempt.slots) == 8
        assert sum(1 for s in attempt.slots if s["qid"]) == 2
        assert attempt.deadline_at <= attempt.started_at + timedelta(minutes=60)


def test_one_sitting_results_held_until_published_then_certificate(app, exam, auth, client):
    with app.app_context():
        attempt = _sit(exam, "young", right=True)
        attempt_id = attempt.id
        assert attempt.status == "graded" and attempt.passed
        with pytest.raises(engine.AttemptError):  # one sitting
            engine.start_or_resume(_user("young"), db.session.get(Activity, exam))
        # Held: nothing reaches the learner's state or record yet.
        assert db.session.scalar(db.select(RecordEntry).filter_by(kind="exam")) is None
        state = db.session.scalar(db.select(ActivityState).filter_by(activity_id=exam))
        assert state.completed_at is None
    auth.login("young")
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "组织部发布" in page and "100.0" not in page
    auth.logout()

    auth.login("org")
    results = client.get(f"/teach/activities/{exam}/results")
    assert results.status_code == 200 and "青年干部" in results.get_data(as_text=True)
    client.post(f"/teach/activities/{exam}/release", follow_redirects=True)
    auth.logout()
    with app.app_context():
        entry = db.session.scalar(db.select(RecordEntry).filter_by(kind="exam"))
        assert entry.reference and entry.score == 100.0 and entry.title == "任职资格考试（科级）"
        assert db.session.scalar(db.select(ActivityState).filter_by(
            activity_id=exam)).completed_at is not None
    auth.login("young")
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert entry.reference in page
    assert entry.reference in client.get("/me/learning").get_data(as_text=True)


def test_a_resit_gives_one_more_sitting(app, exam, auth, client):
    with app.app_context():
        _sit(exam, "young", right=False)
    auth.login("young")  # a learner cannot grant themselves one
    assert client.post(f"/teach/activities/{exam}/resits",
                       data={"username": "young"}).status_code == 404
    auth.logout()
    auth.login("org")
    client.post(f"/teach/activities/{exam}/resits", data={"username": "young", "reason": "病假"})
    with app.app_context():
        second = _sit(exam, "young", right=True)
        assert second.number == 2
        with pytest.raises(engine.AttemptError):
            engine.start_or_resume(_user("young"), db.session.get(Activity, exam))


def test_a_submit_through_the_api_hides_held_results(app, exam, client):
    with app.app_context():
        from lms.auth.services import create_token
        token = create_token(_user("young"), "t")
    headers = {"Authorization": f"Bearer {token}"}
    started = client.post(f"/api/v1/quizzes/{exam}/attempts", headers=headers).get_json()
    done = client.post(f"/api/v1/attempts/{started['id']}/submit", headers=headers).get_json()
    assert done["score"] is None and done["passed"] is None and done["held"] is True
    assert done["max_score"] == 8.0


def test_an_exam_is_authored_in_the_browser(app, exam, auth, client):
    with app.app_context():
        course_id = db.session.get(Activity, exam).course_id
    auth.login("org")
    form = client.get(f"/teach/courses/{course_id}/activities/new/exam")
    assert form.status_code == 200 and "考试时长" in form.get_data(as_text=True)
    refused = client.post(f"/teach/courses/{course_id}/activities/new/exam", data={
        "title": "补充考试", "hours": "0", "gift": "::q::题{T}", "pass_score": "60",
        "review": "never", "submit": "1"})
    assert refused.status_code in (200, 400)
    assert "opens_at" in refused.get_data(as_text=True)  # no window: refused, named
    created = client.post(f"/teach/courses/{course_id}/activities/new/exam", data={
        "title": "补充考试", "hours": "0", "gift": "::q::题{T}", "pass_score": "60",
        "review": "never", "opens_at": "2026-12-01T09:00", "closes_at": "2026-12-01T11:00",
        "duration_minutes": "90", "ranks": ["section", "subsection"], "max_age": "35",
        "submit": "1"})
    assert created.status_code == 302
    with app.app_context():
        config = db.session.scalar(db.select(Activity).filter_by(title="补充考试")).config
        assert config["ranks"] == ["section", "subsection"] and config["max_age"] == 35
        assert config["attempts"] == 1 and config["time_limit_minutes"] == 90
