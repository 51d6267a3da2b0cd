"""The survey (问卷) activity type: its one validation path, answering on the page and through
the API, completion flowing to the course, and its results page for lecturers."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from lms.activities.base import PlainContext
from lms.activities.builtin.survey import Survey, evaluation_config, question_lines
from lms.catalog.models import Activity, ActivityState, Course
from lms.extensions import db
from lms.progress.models import Enrolment
from tests.conftest import own_statements
from tests.records_helpers import api_token
from tests.test_packages import zip_of

SURVEY = """[course]
slug = "pinggu"
title = "评估课程"
category = "业务知识"
hours = 1.0
lecturers = ["lect"]

[[activities]]
key = "wenjuan"
type = "survey"
title = "课程评估问卷"
hours = 1.0
intro = "请**如实**填写。"
anonymous = {anonymous}

[[activities.questions]]
kind = "rating"
text = "总体评价"
subject = "本课程"

[[activities.questions]]
kind = "choice"
text = "是否推荐"
options = ["是", "否"]

[[activities.questions]]
kind = "text"
text = "建议"
required = false
"""


def validate(raw: dict, *, in_form: bool = False) -> tuple[dict, list[str]]:
    ctx = PlainContext(in_form=in_form)
    config = Survey().validate_config(raw, ctx, "course.toml:9")
    return config, [p.message for p in ctx.problems]


# ---- authoring -----------------------------------------------------------------------------

def test_package_fields_are_checked_and_problems_name_the_question(app):
    with app.test_request_context():
        _config, problems = validate({"questions": [
            {"kind": "rating", "text": "好", "scale": 11},
            {"kind": "choice", "text": "选", "options": ["一"]},
            {"kind": "poll", "text": "投"},
            {"kind": "text", "text": ""},
            {"id": "q1", "kind": "text", "text": "重复"},
            {"kind": "text", "text": "多", "colour": "red", "options": ["a", "b"]},
        ]})
    assert problems == [
        "第 1 题：分值范围须为 2 至 10 的整数。",
        "第 2 题：单选题至少需要两个不同的选项。",
        "第 3 题：题型须为 rating（评分）、text（问答）或 choice（单选）。",
        "第 4 题缺少题目文字。",
        "第 5 题：编号 q1 重复使用。",
        "第 6 题有无法识别的字段：colour",
        "第 6 题：只有单选题才有选项。",
    ]
    with app.test_request_context():
        assert validate({"questions": []})[1] == ["问卷至少需要一道题（questions）。"]


def test_form_lines_make_the_same_questions_and_keep_their_numbers(app):
    lines = ("rating: 内容是否实用\n@张老师\n3. rating 10?: 授课效果\n@\n"
             "choice：是否推荐 | 是 | 否\n问答?: 意见和建议")
    with app.test_request_context():
        config, problems = validate({"questions_text": lines, "anonymous": False},
                                    in_form=True)
        assert problems == []
        assert [(q["id"], q["kind"], q["subject"], q["required"]) for q in config["questions"]] \
            == [("q1", "rating", "", True), ("q3", "rating", "张老师", False),
                ("q2", "choice", "", True), ("q4", "text", "", False)]
        assert config["questions"][1]["scale"] == 10 and not config["anonymous"]
        # The form shows stored questions as numbered lines, which read back the same.
        again, problems = validate({"questions_text": question_lines(config["questions"]),
                                    "anonymous": False}, in_form=True)
        assert problems == [] and again == config
        _config, problems = validate({"questions_text": "rating: 好\n没有冒号"}, in_form=True)
        assert problems == ["第 2 题：请写明题型、冒号和题目，如“rating：课程内容是否实用”。"]


def test_export_round_trip_and_the_evaluation_default(app):
    with app.test_request_context():
        config, problems = validate({"questions_text": "rating 7: 好\nchoice: 选 | 甲 | 乙\n"
                                                       "@本班\ntext?: 说"})
        fields, files = Survey().export(config, "wenjuan")
        assert files == {} and validate(fields) == (config, [])
        default = evaluation_config(["张老师", "李老师", "张老师"])
        assert validate(default) == (default, [])
        subjects = [q["subject"] for q in default["questions"]]
        assert subjects == ["本班"] * 4 + ["张老师", "李老师", ""]
        assert default["anonymous"] and default["questions"][-1]["kind"] == "text"


def test_answers_are_checked_question_by_question(app):
    survey = Survey()
    with app.test_request_context():
        config, _p = validate({"questions_text": "rating: 好\nchoice: 选 | 甲 | 乙\ntext?: 说"})
        refused = survey.take_answers(config, {}, {"q1": "6", "q2": "丙", "q3": "x" * 2001})
        assert refused.problems == {
            "q1": "第 1 题：请在 1 至 5 之间选择评分。",
            "q2": "第 2 题：请选择一个选项。",
            "q3": "第 3 题：最多填写 2000 个字符。"} and not refused.completed
        assert survey.take_answers(config, {}, {"q3": "说"}).problems == {
            "q1": "第 1 题：请作答。", "q2": "第 2 题：请作答。"}
        taken = survey.take_answers(config, {}, {"q1": 4, "q2": "乙", "extra": "ignored"})
        assert taken.problems == {} and taken.completed
        assert taken.state["answers"] == {"q1": 4, "q2": "乙"}
        again = survey.take_answers(config, taken.state, {"q1": 5, "q2": "甲"})
        assert again.problems == {"": "您已提交本问卷，答案不能修改。"}
        summary = survey.summarise(config, [taken.state, {**taken.state, "answers": {
            "q1": 1, "q2": "乙", "q3": "很好"}}, {}])
        (group,) = summary["groups"]
        rating, choice, text = group["questions"]
        assert summary["respondents"] == 2
        assert (rating["count"], rating["mean"]) == (2, 2.5)
        assert rating["distribution"] == [[1, 1], [2, 0], [3, 0], [4, 1], [5, 0]]
        assert choice["options"] == [["甲", 0], ["乙", 2]]
        assert text["answers"] == [{"text": "很好"}] and text["count"] == 1


# ---- learners ------------------------------------------------------------------------------

@pytest.fixture
def survey_course(app, district, import_course) -> int:
    """A published course whose one (required) activity is an anonymous survey, lectured by
    `lect`; returns the activity's id."""
    import_course(zip_of({"course.toml": SURVEY.format(anonymous="true")}))
    with app.app_context():
        return db.session.scalar(db.select(Activity.id).filter_by(key="wenjuan"))


def _state(app, user_id: int, activity_id: int) -> ActivityState | None:
    with app.app_context():
        return db.session.scalar(db.select(ActivityState).filter_by(
            user_id=user_id, activity_id=activity_id))


def _enrolment(app, user_id: int) -> Enrolment | None:
    with app.app_context():
        return db.session.scalar(db.select(Enrolment).filter_by(user_id=user_id))


def test_learner_answers_on_the_page_and_completes_the_course(app, client, auth, district,
                                                              survey_course):
    learner = district["learner"]
    auth.login("learn")
    page = client.get(f"/activities/{survey_course}").get_data(as_text=True)
    answers = f"/activities/{survey_course}/answers"
    assert "完成条件：提交问卷。" in page and f'action="{answers}"' in page
    assert 'type="radio" name="q1" value="5"' in page and "<strong>如实</strong>" in page
    refused = client.post(f"/activities/{survey_course}/answers", data={"q1": "9"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "第 1 题：请在 1 至 5 之间选择评分。" in html and "第 2 题：请作答。" in html
    assert 'value="9"' not in html  # nothing out of the scale is shown as chosen
    assert _state(app, learner, survey_course) is None and _enrolment(app, learner) is None
    taken = client.post(f"/activities/{survey_course}/answers",
                        data={"q1": "4", "q2": "是", "q3": "  很好  "})
    assert taken.status_code == 302
    state = _state(app, learner, survey_course)
    assert state.state["answers"] == {"q1": 4, "q2": "是", "q3": "很好"}
    assert state.completed_at is not None
    enrolment = _enrolment(app, learner)
    assert enrolment.completed_at is not None  # the course's one required activity
    page = client.get(f"/activities/{survey_course}").get_data(as_text=True)
    assert "您已于" in page and "很好" in page and answers not in page
    again = client.post(f"/activities/{survey_course}/answers", data={"q1": "1", "q2": "否"})
    assert again.status_code == 422 and "答案不能修改" in again.get_data(as_text=True)
    assert _state(app, learner, survey_course).state["answers"]["q1"] == 4


def test_answers_through_the_api(app, client, district, survey_course):
    token = api_token(app, district["cadre_jd01"])
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/api/v1/activities/{survey_course}/answers"
    assert client.post(url, json=["q1"], headers=headers).status_code == 400
    refused = client.post(url, json={"q1": 0, "q2": "是"}, headers=headers)
    assert refused.status_code == 422
    assert refused.json["fields"] == {"q1": "第 1 题：请在 1 至 5 之间选择评分。"}
    taken = client.post(url, json={"q1": 5, "q2": "否"}, headers=headers)
    assert taken.status_code == 200, taken.json
    assert taken.json["completed"] and taken.json["course_completed_at"]
    assert taken.json["state"]["answers"] == {"q1": 5, "q2": "否"}
    assert client.post(url, json={"q1": 5, "q2": "否"}, headers=headers).status_code == 422
    with app.app_context():  # a lecture takes no answers
        lecture = db.session.scalar(db.select(Activity.id).where(Activity.type_key != "survey"))
    if lecture is not None:
        assert client.post(f"/api/v1/activities/{lecture}/answers", json={},
                           headers=headers).status_code == 404
    spec = client.get("/api/v1/openapi.json").json
    assert "/activities/{id}/answers" in spec["paths"]


def test_a_draft_course_takes_no_answers(app, client, auth, district, survey_course):
    with app.app_context():
        db.session.get(Activity, survey_course).course.status = "draft"
        db.session.commit()
    auth.login("lect")
    assert client.post(f"/activities/{survey_course}/answers",
                       data={"q1": "4", "q2": "是"}).status_code == 404
    page = client.get(f"/activities/{survey_course}").get_data(as_text=True)
    assert "课程发布后" in page


# ---- lecturers -----------------------------------------------------------------------------

def _answer_as(app, client, user_ids: list[int], activity_id: int) -> None:
    """Each of `user_ids` answers through the API (rating = position % 5 + 1)."""
    for n, uid in enumerate(user_ids):
        token = api_token(app, uid)
        response = client.post(f"/api/v1/activities/{activity_id}/answers",
                               json={"q1": n % 5 + 1, "q2": "是" if n % 3 else "否",
                                     "q3": f"建议{n}"},
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.json


def test_results_page_for_lecturers_only(app, client, auth, district, make_user, survey_course,
                                         import_course):
    _answer_as(app, client, [district["learner"], district["cadre_jd01"],
                             district["cadre_jd02"]], survey_course)
    url = f"/teach/activities/{survey_course}/pages/results"
    auth.login("learn")
    assert client.get(url).status_code == 404
    auth.logout()
    make_user("lect2", "lecturer", "JD02")  # lectures another course only
    import_course(zip_of({"course.toml": SURVEY.replace('"pinggu"', '"qita"').replace(
        '["lect"]', '["lect2"]').format(anonymous="false")}))
    auth.login("lect2")
    assert client.get(url).status_code == 404
    assert client.get(url + "/export.xlsx").status_code == 404
    auth.logout()
    auth.login("lect")
    course_page = client.get(f"/teach/courses/{_course_id(app)}").get_data(as_text=True)
    assert f'href="{url}"' in course_page
    html = client.get(url).get_data(as_text=True)
    assert "已提交问卷" in html and "<strong>3</strong>" in html
    assert "本课程" in html and "建议0" in html and "李学员" not in html  # anonymous
    # ratings 1, 2, 3: mean 2.00; the choice 否, 是, 是
    assert "2.00" in html
    sheet = load_workbook(io.BytesIO(client.get(url + "/export.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("1. 本课程：总体评价", "2. 是否推荐", "3. 建议")
    assert sorted(rows[2:]) == [(1, "否", "建议0"), (2, "是", "建议1"), (3, "是", "建议2")]
    auth.logout()
    auth.login("org")
    assert client.get(url).status_code == 200


def _course_id(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Course.id).filter_by(slug="pinggu"))


def test_results_of_a_named_survey_show_who_wrote_what(app, client, auth, district,
                                                       import_course):
    import_course(zip_of({"course.toml": SURVEY.format(anonymous="false")}))
    with app.app_context():
        activity_id = db.session.scalar(db.select(Activity.id).filter_by(key="wenjuan"))
    _answer_as(app, client, [district["learner"]], activity_id)
    auth.login("lect")
    html = client.get(f"/teach/activities/{activity_id}/pages/results").get_data(as_text=True)
    assert "建议0" in html and "李学员（解放路社区）" in html
    export = client.get(f"/teach/activities/{activity_id}/pages/results/export.xlsx")
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("姓名", "单位", "提交时间") and rows[2][:2] == ("李学员", "解放路社区")
    assert rows[2][3:] == (1, "否", "建议0")


def test_results_page_reads_states_in_one_query(app, client, auth, district, make_user,
                                                survey_course):
    def statements() -> int:
        with app.app_context(), own_statements(db.engine) as seen:
            response = client.get(f"/teach/activities/{survey_course}/pages/results")
        assert response.status_code == 200
        return len(seen)

    users = [make_user(f"x{n}", "learner", "JD02") for n in range(12)]
    _answer_as(app, client, users[:2], survey_course)
    auth.login("lect")
    few = statements()
    auth.logout()
    _answer_as(app, client, users[2:], survey_course)
    auth.login("lect")
    assert statements() == few
    assert "<strong>12</strong>" in client.get(
        f"/teach/activities/{survey_course}/pages/results").get_data(as_text=True)


def test_authoring_form_shows_the_syntax_and_saves_the_lines(app, client, auth, district,
                                                            survey_course):
    course_id = _course_id(app)
    with app.app_context():
        db.session.get(Course, course_id).status = "draft"
        db.session.commit()
    auth.login("lect")
    new = f"/teach/courses/{course_id}/activities/new/survey"
    page = client.get(new).get_data(as_text=True)
    assert "survey-help" in page and "rating 10: 对本课程的总体评价" in page
    refused = client.post(new, data={"title": "反馈", "hours": "0",
                                     "questions_text": "choice: 只有一个 | 甲"})
    assert "第 1 题：单选题至少需要两个不同的选项。" in refused.get_data(as_text=True)
    saved = client.post(new, data={"title": "反馈", "hours": "0", "anonymous": "y",
                                   "questions_text": "@王老师\nrating: 授课\n@\ntext?: 建议"})
    assert saved.status_code == 302
    with app.app_context():
        activity = db.session.scalar(db.select(Activity).filter_by(title="反馈"))
        assert [q["subject"] for q in activity.config["questions"]] == ["王老师", ""]
        edit = client.get(f"/teach/activities/{activity.id}/edit").get_data(as_text=True)
    assert "1. rating: 授课" in edit and "2. text?: 建议" in edit
