"""Class evaluation (培训质量评估): the questionnaire set up from the class's lecturers, opened
to the trainees who attended, answered once, summarised per class and per lecturer without
telling who answered what."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from lms.activities.builtin.survey import Survey
from lms.activities.registry import registry
from lms.extensions import db
from lms.org import services as org_services
from lms.progress.models import Notice
from lms.training.evaluation import survey
from lms.training.models import ClassSession, ClassTrainee, EvaluationResponse, TrainingClass

TEXT = ("rating: 培训内容\ntext?: 意见和建议\n@张老师\nrating: 教学内容\nrating: 教学方法\n"
        "@李老师\nrating: 教学内容\n")


def _class(unit: str = "JD01", *, status: str = "running", year: int = 2026,
           title: str = "中青年干部培训班", lecturers: tuple[str, ...] = ("张老师",)) -> int:
    cls = TrainingClass(year=year, title=title, unit_id=org_services.unit_by_code(unit).id,
                        category="young", form="short_off_job", starts_on=date(year, 5, 11),
                        ends_on=date(year, 5, 15), days=5, hours=35, status=status,
                        lecturers=list(lecturers))
    db.session.add(cls)
    db.session.flush()
    return cls.id


def _trainee(class_id: int, user_id: int, status: str = "confirmed") -> None:
    unit_id = db.session.get(TrainingClass, class_id).unit_id
    db.session.add(ClassTrainee(class_id=class_id, user_id=user_id, unit_id=unit_id,
                                status=status))



@pytest.fixture(autouse=True)
def _english(client) -> None:
    """Pages in English (the platform's default is Chinese)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

@pytest.fixture
def world(app, district, make_user) -> dict:
    """A running class of JD01 with lecturers 张老师 (named) and 李老师 (of a session), and
    trainees: two confirmed, one named, one excused; a class of JD02 with its own trainee."""
    extra = {name: make_user(name, "learner", "JD01", name=full) for name, full in
             (("t3", "孙三"), ("t4", "周四"))}
    with app.app_context():
        cid = _class()
        db.session.add(ClassSession(class_id=cid, title="专题讲座", lecturer="李老师",
                                    starts_at=datetime(2026, 5, 11, 1), hours=3,
                                    ends_at=datetime(2026, 5, 11, 4)))
        _trainee(cid, district["cadre_jd01"])
        _trainee(cid, district["learner"])
        _trainee(cid, extra["t3"], "assigned")
        _trainee(cid, extra["t4"], "excused")
        other = _class("JD02", title="东湖街道培训班")
        _trainee(other, district["cadre_jd02"])
        db.session.commit()
    return {**district, **extra, "class": cid, "other": other}


def _save(client, class_id: int, text: str = TEXT, **kwargs):
    return client.post(f"/training/classes/{class_id}/evaluation", data={"text": text},
                       **kwargs)


def _open(client, class_id: int, **kwargs):
    return client.post(f"/training/classes/{class_id}/evaluation/open", **kwargs)


def _answer(client, class_id: int, values: dict, **kwargs):
    return client.post(f"/training/classes/{class_id}/evaluate", data=values, **kwargs)


FULL = {"q1": "4", "q2": "讲得好", "q3": "5", "q4": "4", "q5": "3"}


def _responses(app, class_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(EvaluationResponse).where(
            EvaluationResponse.class_id == class_id))


def test_the_default_questionnaire_names_the_class_lecturers(app, client, auth, world):
    auth.login("ua1")
    page = client.get(f"/training/classes/{world['class']}/evaluation").get_data(as_text=True)
    assert "@张老师" in page and "@李老师" in page  # named, and of a session
    assert "Not set up yet" in page
    assert _save(client, world["class"]).status_code == 302
    with app.app_context():
        setup = db.session.get(TrainingClass, world["class"]).evaluation
        assert [q["subject"] for q in setup["config"]["questions"]] == [
            "", "", "张老师", "张老师", "李老师"]
        assert setup["text"] == TEXT


def test_a_bad_questionnaire_is_refused_naming_its_line(app, client, auth, world):
    auth.login("ua1")
    response = _save(client, world["class"], "rating: 好\nnot a question\n")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The questionnaire was not saved" in page and "Question 2: write the kind" in page
    response = _save(client, world["class"], "")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(TrainingClass, world["class"]).evaluation == {}


def test_opening_notifies_the_trainees_who_attended(app, client, auth, world):
    auth.login("ua1")
    response = _open(client, world["class"], follow_redirects=True)
    assert "Set up the questionnaire before opening it." in response.get_data(as_text=True)
    _save(client, world["class"])
    _open(client, world["class"])
    _open(client, world["class"])  # once
    with app.app_context():
        notified = set(db.session.scalars(select(Notice.user_id).where(
            Notice.kind == "evaluation")))
        assert notified == {world["cadre_jd01"], world["learner"], world["t3"]}
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 3
        link, message = db.session.execute(select(Notice.link, Notice.message).limit(1)).one()
    assert link == f"/training/classes/{world['class']}/evaluate"
    assert message == "请填写培训班“中青年干部培训班”的评估问卷。"  # stored in Chinese


def test_an_approved_class_cannot_open_its_evaluation(app, client, auth, world):
    with app.app_context():
        db.session.get(TrainingClass, world["class"]).status = "approved"
        db.session.commit()
    auth.login("ua1")
    _save(client, world["class"])
    response = _open(client, world["class"], follow_redirects=True)
    assert "The evaluation opens once the class runs" in response.get_data(as_text=True)


def test_a_trainee_answers_once_and_problems_are_named(app, client, auth, world):
    auth.login("ua1")
    _save(client, world["class"])
    auth.logout()
    auth.login("c1")
    page = client.get(f"/training/classes/{world['class']}/evaluate").get_data(as_text=True)
    assert "The evaluation of this class is not open." in page
    _answer(client, world["class"], FULL)
    assert _responses(app, world["class"]) == 0  # not open yet
    auth.logout()
    auth.login("ua1")
    _open(client, world["class"])
    auth.logout()
    auth.login("c1")
    page = client.get(f"/training/classes/{world['class']}/evaluate").get_data(as_text=True)
    assert 'name="q3"' in page and "csrf_token" in page
    response = _answer(client, world["class"], {**FULL, "q3": "9"})
    assert response.status_code == 422
    assert "Question 3: choose a rating from 1 to 5" in response.get_data(as_text=True)
    assert _responses(app, world["class"]) == 0
    assert _answer(client, world["class"], FULL).status_code == 302
    response = _answer(client, world["class"], {**FULL, "q1": "1"}, follow_redirects=True)
    assert "already answered this evaluation" in response.get_data(as_text=True)
    with app.app_context():
        answers = db.session.scalar(select(EvaluationResponse.answers))
    assert answers["answers"]["q1"] == 4 and _responses(app, world["class"]) == 1
    page = client.get(f"/training/classes/{world['class']}/evaluate").get_data(as_text=True)
    assert "You answered this evaluation on" in page
    # Once answered, the questionnaire is fixed.
    auth.logout()
    auth.login("ua1")
    response = _save(client, world["class"], "rating: 另一个\n", follow_redirects=True)
    assert "Trainees have answered: the questionnaire can no longer change." in \
        response.get_data(as_text=True)


def test_who_may_answer(app, client, auth, world):
    auth.login("ua1")
    _save(client, world["class"])
    _open(client, world["class"])
    auth.logout()
    url = f"/training/classes/{world['class']}/evaluate"
    for username in ("c2", "t4", "ua1", "org"):  # another class's, excused, administrators
        auth.login(username)
        assert client.get(url).status_code == 404, username
        assert _answer(client, world["class"], FULL).status_code == 404
        auth.logout()
    assert _responses(app, world["class"]) == 0
    with app.app_context():  # found absent at closing: did not attend
        db.session.scalar(select(ClassTrainee).where(
            ClassTrainee.user_id == world["t3"])).outcome = "absent"
        db.session.commit()
    auth.login("t3")
    assert client.get(url).status_code == 404


def test_results_are_anonymous_and_shown_from_three_answers(app, client, auth, world):
    auth.login("ua1")
    _save(client, world["class"])
    _open(client, world["class"])
    auth.logout()
    given = {"c1": {**FULL, "q2": "案例很实用"}, "learn": {**FULL, "q1": "2", "q2": "时间太紧"},
             "t3": {**FULL, "q1": "3", "q2": ""}}
    for username, values in given.items():
        auth.login(username)
        _answer(client, world["class"], values)
        auth.logout()
        if username == "learn":
            auth.login("ua1")
            page = client.get(f"/training/classes/{world['class']}/evaluation").get_data(
                as_text=True)
            assert "Results show once at least 3 trainees answered" in page
            assert "时间太紧" not in page
            auth.logout()
    auth.login("ua1")
    page = client.get(f"/training/classes/{world['class']}/evaluation").get_data(as_text=True)
    assert "3 of 3 trainees answered" in page
    assert "3.00" in page  # (4 + 2 + 3) / 3
    assert "案例很实用" in page and "时间太紧" in page
    for name in ("王一", "李学员", "孙三"):
        assert name not in page
    auth.logout()
    auth.login("org")  # the department reads them too
    assert "案例很实用" in client.get(
        f"/training/classes/{world['class']}/evaluation").get_data(as_text=True)


def test_learners_and_other_units_cannot_read_results(app, client, auth, world):
    for username in ("c1", "ua2", "sys"):
        auth.login(username)
        assert client.get(f"/training/classes/{world['class']}/evaluation").status_code == 404
        assert _save(client, world["class"]).status_code == 404
        assert _open(client, world["class"]).status_code == 404
        auth.logout()
    auth.login("c1")
    refused = client.get("/training/evaluations/lecturers")  # says who may open it
    assert refused.status_code == 403 and "Organisation department administrator" in \
        refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(TrainingClass, world["class"]).evaluation == {}


def _respond(class_id: int, user_id: int, answers: dict) -> None:
    db.session.add(EvaluationResponse(class_id=class_id, user_id=user_id,
                                      answers={"answers": answers}))


def test_lecturer_means_over_classes_in_scope(app, client, auth, world, page_queries):
    with app.app_context():
        config, problems = survey.validate(registry().get("survey"), TEXT)
        assert problems == []
        second = _class(title="第二期", lecturers=("张老师", "李老师"))
        jd02 = db.session.get(TrainingClass, world["other"])
        last_year = _class(year=2025, title="去年")
        for cid in (world["class"], second, world["other"], last_year):
            db.session.get(TrainingClass, cid).evaluation = {"text": TEXT, "config": config}
        # 张老师 is rated by q3 and q4, 李老师 by q5; q1 is about the class.
        _respond(world["class"], world["cadre_jd01"], {"q1": 1, "q3": 5, "q4": 4, "q5": 2})
        _respond(world["class"], world["learner"], {"q1": 1, "q3": 3, "q4": 3})
        _respond(second, world["t3"], {"q3": 4, "q4": 4, "q5": 5})
        _respond(jd02.id, world["cadre_jd02"], {"q3": 1, "q4": 1})
        _respond(last_year, world["t4"], {"q3": 1, "q4": 1, "q5": 1})
        db.session.commit()
    auth.login("ua1")
    page = client.get("/training/evaluations/lecturers?year=2026").get_data(as_text=True)
    # 张老师: (5+4+3+3+4+4)/6 over 2 classes and 3 answers; 李老师: (2+5)/2.
    assert "<td>张老师</td><td class=\"num\">2</td><td class=\"num\">3</td>" \
        "<td class=\"num\">6</td><td class=\"num\">3.83</td>" in page
    assert "<td>李老师</td><td class=\"num\">2</td><td class=\"num\">2</td>" \
        "<td class=\"num\">2</td><td class=\"num\">3.50</td>" in page
    auth.logout()
    auth.login("org")  # the district's: JD02's class too
    page = client.get("/training/evaluations/lecturers?year=2026").get_data(as_text=True)
    # 张老师: (23 + 1 + 1) / 8
    assert "<td>张老师</td><td class=\"num\">3</td><td class=\"num\">4</td>" \
        "<td class=\"num\">8</td><td class=\"num\">3.12</td>" in page
    few, _size = page_queries(client, "/training/evaluations/lecturers?year=2025")
    many, _size = page_queries(client, "/training/evaluations/lecturers?year=2026")
    assert many == few
    assert client.get("/training/evaluations/lecturers?year=abc").status_code == 400


def test_the_trainee_prompt_follows_the_evaluation(app, client, auth, world):
    from flask import render_template_string
    from flask_login import login_user

    from lms.auth.models import User

    page = ('{% set training_class = cls %}'
            '{% include "training/_evaluation_prompt.html" %}')

    def prompt(user_id: int) -> str:
        with app.test_request_context("/", headers={"Accept-Language": "en"}):
            login_user(db.session.get(User, user_id))
            return render_template_string(
                page, cls=db.session.get(TrainingClass, world["class"])).strip()

    assert prompt(world["cadre_jd01"]) == ""  # not open yet
    auth.login("ua1")
    _save(client, world["class"])
    _open(client, world["class"])
    auth.logout()
    assert "Answer the evaluation" in prompt(world["cadre_jd01"])
    assert prompt(world["t4"]) == ""  # excused
    auth.login("c1")
    _answer(client, world["class"], FULL)
    assert "You answered the evaluation of this class." in prompt(world["cadre_jd01"])


def test_without_the_questionnaire_type_the_page_says_so(app, client, auth, world):
    with app.app_context():
        registry().unregister("survey")
    try:
        auth.login("ua1")
        page = client.get(f"/training/classes/{world['class']}/evaluation").get_data(
            as_text=True)
        assert "The questionnaire type is not installed" in page
        response = _save(client, world["class"], follow_redirects=True)
        assert "The questionnaire type is not installed" in response.get_data(as_text=True)
    finally:
        with app.app_context():
            registry().register(Survey)
    with app.app_context():
        assert db.session.get(TrainingClass, world["class"]).evaluation == {}
