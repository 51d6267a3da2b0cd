"""Exam secrecy: an exam's questions, and the shared bank it draws from, are read only by its
authors (its course's owner and lecturers; the organisation department, which manages the
shared bank, for an exam that draws from it), and its authors never sit it. Export, item
analysis and grading follow the same rule; results stay hidden until they are published."""
from __future__ import annotations

import io
import json
from contextlib import nullcontext
from datetime import timedelta

import pytest

from lms.assessment import attempts as engine
from lms.assessment.importer import import_questions
from lms.assessment.models import Attempt
from lms.auth.models import User
from lms.auth.services import create_token
from lms.catalog.models import Activity
from lms.core.timeutil import utcnow
from lms.extensions import db
from tests.authoring_helpers import zipped
from tests.conftest import job_page
from tests.test_attempts import ESSAY, GIFT, KEYS, SECRETS
from tests.test_attempts import _package as quiz_package

SHARED = """\
$CATEGORY: 任职资格/政策理论

::共享1::民主集中制是党的根本组织原则。{T}

::共享2::党的最高理想和最终目标是实现共产主义。{T}
"""
# Text that only someone who reads the questions sees: the exam's own, then the shared bank's.
OWN_TEXT = "党政机关公文共有多少个文种"
SHARED_TEXT = "民主集中制是党的根本组织原则"
# The key's traces, less what the learner wrote themselves (their own answers are theirs).
KEY_TRACES = [s for s in SECRETS if s not in ("成文日期", "\"22\"")]
REFUSAL = "您编写或能够查阅本场考试的试题，因此不能参加本场考试。"


def _exam_package(tmp, *, draws: bool):
    folder = tmp / "exam-course"
    (folder / "quiz").mkdir(parents=True, exist_ok=True)
    (folder / "quiz" / "exam.gift").write_text(GIFT + ESSAY, encoding="utf-8")
    now = utcnow() + timedelta(hours=8)  # the window is written in local (Shanghai) time
    opens = (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    closes = (now + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    (folder / "course.toml").write_text(f"""\
[course]
slug = "zige-authors"
title = "任职资格考试"
summary = "考试"
category = "业务知识"
hours = 0
lecturers = ["writer"]
version = 1

[[activities]]
key = "exam"
type = "exam"
title = "任职资格考试（科级）"
questions = "quiz/exam.gift"
{'draws = [{category = "任职资格", count = 1}]' if draws else ''}
duration_minutes = 60
opens_at = {json.dumps(opens)}
closes_at = {json.dumps(closes)}
""", encoding="utf-8")
    return folder


@pytest.fixture
def exam(app, tmp_path, make_unit, make_user, import_course):
    """An exam written by `writer`; `org` manages the shared bank; `teacher` lectures another
    course; `young`, `peer` and `other` are cadres. Returns a builder taking `draws` (from the
    shared bank) and giving the activity's id."""
    make_unit("QU", "青山区", "district")
    make_user("org", "org_admin", "QU", name="组织部")
    make_user("writer", "lecturer", "QU", name="命题教师")
    make_user("teacher", "lecturer", "QU", name="党校教师")
    make_user("young", "learner", "QU", name="青年干部")
    make_user("peer", "learner", "QU", name="同事")
    make_user("other", "learner", "QU", name="另一名干部")
    with app.app_context():
        import_questions(SHARED, "gift", None)
    import_course(quiz_package(tmp_path))  # the other course, which `teacher` lectures

    def build(*, draws: bool = True, **kwargs) -> int:
        import_course(_exam_package(tmp_path, draws=draws), **kwargs)
        with app.app_context():
            return db.session.scalar(db.select(Activity.id).filter_by(key="exam"))
    return build


def _user(name: str) -> User:
    return db.session.scalar(db.select(User).filter_by(username=name))


def _course_id(app, activity_id: int) -> int:
    with app.app_context():
        return db.session.get(Activity, activity_id).course_id


def _sit(app, activity_id: int, username: str = "young", *, graded: bool = False) -> int:
    """Sit the exam with every automatic answer right and an essay written, which its
    writer grades full marks when `graded`; the attempt's id."""
    with app.app_context():
        attempt = engine.start_or_resume(_user(username), db.session.get(Activity, activity_id))
        responses = {}
        for slot in attempt.slots:
            if slot["name"] in KEYS:
                responses[slot["slot"]] = engine._to_paper(slot, KEYS[slot["name"]])
            elif slot["qtype"] == "truefalse":
                responses[slot["slot"]] = True
            elif slot["qtype"] == "essay":
                responses[slot["slot"]] = "提高公文质量要从格式和内容两方面入手。"
        engine.save_answers(attempt, responses)
        engine.finish(attempt)
        if graded:
            essay = next(s["slot"] for s in attempt.slots if s["qtype"] == "essay")
            engine.grade_answer(attempt, essay, 1.0, "", _user("writer"))
        return attempt.id


def _reads(client, app, activity_id: int, attempt_id: int, *, draws: bool) -> list[str]:
    """Every page where the signed-in user reads this exam's questions (200 and their text):
    its editor, its item analysis, an answer to grade and, when it draws from it, the shared
    bank and its export."""
    pages = {f"/teach/activities/{activity_id}/edit": OWN_TEXT,
             f"/teach/activities/{activity_id}/results": "单选",
             f"/teach/grading/{attempt_id}": "结合工作实际"}
    if draws:
        pages.update({"/teach/questions/shared": SHARED_TEXT,
                      "/teach/questions/shared/export.gift": SHARED_TEXT})
    read = []
    for url, text in pages.items():
        response = client.get(url)
        if response.status_code == 200 and text in response.get_data(as_text=True):
            read.append(url)
    return read


def _api_start(app, client, username: str, activity_id: int):
    with app.app_context():
        token = create_token(_user(username), "test")
    return client.post(f"/api/v1/quizzes/{activity_id}/attempts",
                       headers={"Authorization": f"Bearer {token}"})


def _starts(app, client, auth, username: str, activity_id: int) -> bool:
    """Whether `username` can start the exam by any path; checks that every path agrees and
    that a refusal says why, in one sentence, instead of offering the button."""
    auth.login(username)
    page = client.get(f"/activities/{activity_id}").get_data(as_text=True)
    offered = f'action="/activities/{activity_id}/attempt"' in page
    client.post(f"/activities/{activity_id}/attempt")
    auth.logout()
    with app.app_context():
        by_form = db.session.scalar(db.select(Attempt.id).filter_by(
            activity_id=activity_id, user_id=_user(username).id)) is not None
        with pytest.raises(engine.AttemptError) if not by_form else nullcontext():
            engine.start_or_resume(_user(username), db.session.get(Activity, activity_id))
    api = _api_start(app, client, username, activity_id)
    assert offered == by_form and api.status_code in (200, 201, 409), username
    assert (api.status_code != 409) == by_form, username
    if not by_form:
        error = api.get_json()["error"]
        assert REFUSAL in page and error["code"] == "author" and error["message"], username
    return by_form


# ---- must show: whoever can read an exam's questions cannot start it ----------------------

@pytest.mark.parametrize("draws", [True, False])
def test_whoever_reads_the_questions_cannot_start_the_exam(app, client, auth, exam, draws):
    activity_id = exam(draws=draws)
    _sit(app, activity_id, "young", graded=True)  # for the item analysis
    attempt_id = _sit(app, activity_id, "peer")  # an essay waits for grading
    readers = {}
    for username in ("writer", "org", "teacher", "other"):
        auth.login(username)
        readers[username] = _reads(client, app, activity_id, attempt_id, draws=draws)
        auth.logout()
    # The lecturer who wrote it reads it; the organisation department reads the shared bank,
    # and so this exam's questions when it draws from that bank.
    assert readers["writer"] and bool(readers["org"]) is draws
    assert readers["teacher"] == [] and readers["other"] == []
    for username, read in readers.items():
        assert _starts(app, client, auth, username, activity_id) is (not read), username


def test_an_author_with_an_attempt_begun_before_cannot_go_on(app, client, auth, exam):
    activity_id = exam(draws=False)
    with app.app_context():
        attempt = engine.start_or_resume(_user("teacher"), db.session.get(Activity, activity_id))
        activity = db.session.get(Activity, activity_id)
        activity.course.lecturers.append(_user("teacher"))  # named an author while sitting
        db.session.commit()
        with pytest.raises(engine.AttemptError) as refused:
            engine.start_or_resume(_user("teacher"), db.session.get(Activity, activity_id))
        assert refused.value.code == "author" and attempt.status == "open"
        with pytest.raises(engine.AttemptError) as refused:  # nor save an answer to it
            engine.save_answers(attempt, {1: None})
        assert refused.value.code == "author"
    auth.login("teacher")
    page = client.get(f"/activities/{activity_id}").get_data(as_text=True)
    assert REFUSAL in page and f'action="/activities/{activity_id}/attempt"' not in page


# ---- nobody else reads them: 404 for a lecturer of another course, nothing for a learner --

def test_a_lecturer_of_another_course_reads_nothing_of_the_exam(app, client, auth, exam):
    activity_id = exam(draws=True)
    attempt_id = _sit(app, activity_id)
    course_id = _course_id(app, activity_id)
    auth.login("teacher")
    for url in (f"/teach/activities/{activity_id}/edit",
                f"/teach/questions/course/{course_id}",
                f"/teach/questions/course/{course_id}/export.gift",
                "/teach/questions/shared", "/teach/questions/shared/export.gift",
                f"/teach/activities/{activity_id}/results",
                f"/teach/grading/{attempt_id}"):
        assert client.get(url).status_code == 404, url
    # Their own pages offer none of it.
    assert "/teach/questions/shared" not in client.get("/teach/courses").get_data(as_text=True)
    outline = client.get(f"/teach/courses/{course_id}").get_data(as_text=True)
    assert f"/teach/activities/{activity_id}/results" not in outline
    assert f"/teach/activities/{activity_id}/edit" not in outline
    assert f"/grading/{attempt_id}" not in client.get("/teach/grading").get_data(as_text=True)


def test_a_learner_reads_nothing_of_the_exam(app, client, auth, exam):
    activity_id = exam(draws=True)
    attempt_id = _sit(app, activity_id)
    course_id = _course_id(app, activity_id)
    auth.login("young")
    for url in (f"/teach/activities/{activity_id}/edit",
                f"/teach/questions/course/{course_id}",
                f"/teach/questions/course/{course_id}/export.gift",
                "/teach/questions/shared", "/teach/questions/shared/export.gift",
                f"/teach/activities/{activity_id}/results",
                f"/teach/grading/{attempt_id}"):
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert OWN_TEXT not in response.get_data(as_text=True), url
    # The exam's page and its API answer carry neither the questions nor the key.
    with app.app_context():
        token = create_token(_user("young"), "test")
    for body in (client.get(f"/activities/{activity_id}").get_data(as_text=True),
                 client.get(f"/api/v1/activities/{activity_id}",
                            headers={"Authorization": f"Bearer {token}"}).get_data(as_text=True)):
        assert OWN_TEXT not in body and SHARED_TEXT not in body and "十五种" not in body


# ---- the author reads it all and cannot sit it -------------------------------------------

def test_the_author_reads_questions_export_statistics_and_grades(app, client, auth, exam):
    activity_id = exam(draws=True)
    _sit(app, activity_id, graded=True)
    attempt_id = _sit(app, activity_id, "peer")
    auth.login("writer")
    course_id = _course_id(app, activity_id)
    assert client.get(f"/teach/questions/course/{course_id}").status_code == 200
    results = client.get(f"/teach/activities/{activity_id}/results").get_data(as_text=True)
    assert "单选" in results and "只有本场考试的命题人" not in results  # the item analysis
    assert f"/teach/grading/{attempt_id}" in client.get("/teach/grading").get_data(as_text=True)
    grading = client.get(f"/teach/grading/{attempt_id}")
    assert grading.status_code == 200 and "结合工作实际" in grading.get_data(as_text=True)
    auth.logout()
    assert not _starts(app, client, auth, "writer", activity_id)


def test_a_reviewer_who_is_not_an_author_sees_scores_not_questions(app, client, auth, exam):
    activity_id = exam(draws=False)  # the organisation department wrote none of it
    _sit(app, activity_id, graded=True)
    attempt_id = _sit(app, activity_id, "peer")
    course_id = _course_id(app, activity_id)
    auth.login("org")
    outline = client.get(f"/teach/courses/{course_id}").get_data(as_text=True)
    assert f"/teach/activities/{activity_id}/edit" not in outline
    assert f"/teach/courses/{course_id}/activities/new/exam" not in outline
    assert "如需编写考试，请先把自己列为本课程的主讲教师" in outline
    assert client.get(f"/teach/activities/{activity_id}/edit").status_code == 404
    assert client.get(f"/teach/courses/{course_id}/activities/new/exam").status_code == 404
    results = client.get(f"/teach/activities/{activity_id}/results")
    html = results.get_data(as_text=True)
    assert results.status_code == 200 and "青年干部" in html and "同事" in html
    assert "只有本场考试的命题人" in html and "单选" not in html
    assert f"/teach/grading/{attempt_id}" not in html
    assert client.get(f"/teach/grading/{attempt_id}").status_code == 404
    queue = client.get("/teach/grading").get_data(as_text=True)
    assert "同事" in queue and f"/teach/grading/{attempt_id}" not in queue
    auth.logout()
    assert _starts(app, client, auth, "org", activity_id)  # not an author: may sit it


def test_only_the_course_s_lecturers_open_a_draft_exam_s_editor(app, client, auth, exam):
    activity_id = exam(draws=False, new_status="draft")
    course_id = _course_id(app, activity_id)
    auth.login("writer")
    editor = client.get(f"/teach/activities/{activity_id}/edit")
    assert editor.status_code == 200 and OWN_TEXT in editor.get_data(as_text=True)
    assert f"/teach/activities/{activity_id}/edit" in client.get(
        f"/teach/courses/{course_id}").get_data(as_text=True)
    auth.logout()
    for username in ("org", "teacher"):  # a reviewer who may edit the course; a lecturer
        auth.login(username)
        assert client.get(f"/teach/activities/{activity_id}/edit").status_code == 404
        auth.logout()


# ---- results stay hidden until they are published ------------------------------------------

def test_results_and_key_stay_hidden_until_published(app, client, auth, exam):
    activity_id = exam(draws=True)
    attempt_id = _sit(app, activity_id)
    with app.app_context():
        token = create_token(_user("young"), "test")
    headers = {"Authorization": f"Bearer {token}"}

    def seen() -> tuple[str, dict]:
        auth.login("young")
        page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
        auth.logout()
        return page, client.get(f"/api/v1/attempts/{attempt_id}", headers=headers).get_json()

    auth.login("writer")  # the author grades the essay: the result is final but held
    essay = _essay_slot(app, attempt_id)
    client.post(f"/teach/grading/{attempt_id}/{essay}",
                data={f"s{essay}-mark": "1", f"s{essay}-comment": "好"})
    auth.logout()
    with app.app_context():
        assert db.session.get(Attempt, attempt_id).status == "graded"
    page, body = seen()
    assert body["held"] is True and body["score"] is None and body["percent"] is None
    assert "组织部发布" in page and "100.0" not in page
    for secret in KEY_TRACES:  # never the key, before or after publication (review: never)
        assert secret not in page and secret not in json.dumps(body, ensure_ascii=False), secret
    auth.login("org")
    client.post(f"/teach/activities/{activity_id}/release")
    auth.logout()
    page, body = seen()
    assert body["held"] is False and body["percent"] == 100.0
    for secret in KEY_TRACES:
        assert secret not in page and secret not in json.dumps(body, ensure_ascii=False), secret


def _essay_slot(app, attempt_id: int) -> int:
    with app.app_context():
        return next(s["slot"] for s in db.session.get(Attempt, attempt_id).slots
                    if s["qtype"] == "essay")


def test_a_package_writes_an_exam_only_for_its_course_s_lecturers(app, client, auth, exam,
                                                                   tmp_path):
    activity_id = exam(draws=False)
    data = io.BytesIO(zipped(tmp_path / "exam-course"))
    auth.login("org")  # may edit any course, but does not lecture this one
    refused = client.post("/teach/packages", data={"pkg-file": (io.BytesIO(data.getvalue()),
                                                                "exam.zip")})
    refused = job_page(client, refused)  # the job refuses the package and says why
    assert "活动 exam 是考试：只有课程负责人和主讲教师能编写。" in refused.get_data(as_text=True)
    auth.logout()
    auth.login("writer")  # a draft of their own course: the writer may
    with app.app_context():
        db.session.get(Activity, activity_id).course.status = "draft"
        db.session.commit()
    accepted = client.post("/teach/packages", data={"pkg-file": (io.BytesIO(data.getvalue()),
                                                                 "exam.zip")})
    assert accepted.status_code == 302


def test_an_exam_s_lecturer_stays_one_and_never_sits_it(app, client, auth, exam, tmp_path):
    """Leaving a course's lecturers after reading its exam would let one sit it: neither the
    course form nor a package takes an exam's lecturer off the list."""
    activity_id = exam(draws=False, new_status="draft")
    course_id = _course_id(app, activity_id)
    with app.app_context():
        course = db.session.get(Activity, activity_id).course
        form = {"slug": course.slug, "title": course.title, "category_id": course.category_id,
                "hours": "0", "cover_media_id": "0", "lecturer_ids": [_user("teacher").id]}
    auth.login("writer")
    refused = client.post(f"/teach/courses/{course_id}", data=form)
    assert refused.status_code == 200
    assert "命题教师编写或能够查阅本课程的考试试题" in refused.get_data(as_text=True)
    manifest = tmp_path / "exam-course" / "course.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        'lecturers = ["writer"]', 'lecturers = ["teacher"]'), encoding="utf-8")
    data = io.BytesIO(zipped(tmp_path / "exam-course"))
    upload = client.post("/teach/packages", data={"pkg-file": (io.BytesIO(data.getvalue()),
                                                               "exam.zip")})
    upload = job_page(client, upload)
    assert "命题教师编写或能够查阅本课程的考试试题" in upload.get_data(as_text=True)
    auth.logout()
    with app.app_context():
        course = db.session.get(Activity, activity_id).course
        assert [u.username for u in course.lecturers] == ["writer"]
        course.status = "published"
        db.session.commit()
    assert not _starts(app, client, auth, "writer", activity_id)


def test_a_package_names_only_course_authors_its_lecturers(app, client, auth, exam, tmp_path):
    """Being a course's lecturer reads its exam questions, grades its essays and marks its
    attendance: a package, like the course form, names no learner a lecturer."""
    activity_id = exam(draws=False, new_status="draft")
    manifest = tmp_path / "exam-course" / "course.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        'lecturers = ["writer"]', 'lecturers = ["writer", "young"]'), encoding="utf-8")
    data = io.BytesIO(zipped(tmp_path / "exam-course"))
    auth.login("writer")
    upload = client.post("/teach/packages", data={"pkg-file": (io.BytesIO(data.getvalue()),
                                                               "exam.zip")})
    upload = job_page(client, upload)
    auth.logout()
    assert "young 不能担任课程的主讲教师" in upload.get_data(as_text=True)
    with app.app_context():
        course = db.session.get(Activity, activity_id).course
        assert [u.username for u in course.lecturers] == ["writer"]


def test_a_lecturer_without_the_role_stays_offered_on_the_course_form(app, client, auth, exam):
    """An exam's lecturer who holds no lecturer role (an owner from the organisation
    department, an account since deactivated) is still offered, so the form can be saved."""
    activity_id = exam(draws=False, new_status="draft")
    course_id = _course_id(app, activity_id)
    with app.app_context():
        course = db.session.get(Activity, activity_id).course
        course.lecturers.append(_user("org"))
        db.session.commit()
        form = {"slug": course.slug, "title": "任职资格考试（修订）",
                "category_id": course.category_id, "hours": "0", "cover_media_id": "0",
                "lecturer_ids": [_user("writer").id, _user("org").id]}
    auth.login("writer")
    assert client.post(f"/teach/courses/{course_id}", data=form).status_code == 302
    auth.logout()
    with app.app_context():
        course = db.session.get(Activity, activity_id).course
        assert course.title == "任职资格考试（修订）"
        assert {u.username for u in course.lecturers} == {"writer", "org"}
