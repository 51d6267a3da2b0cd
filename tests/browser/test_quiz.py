"""In a real browser: a learner starts a timed quiz, answers, reloads and resumes with the
answers kept, submits and sees the result; a lecturer grades the essay and the learner sees
the comment."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from lms.catalog.models import Activity
from lms.extensions import db
from tests.test_attempts import ESSAY, GIFT, _package


def test_timed_quiz_resume_submit_and_graded_essay(app, sign_in, live_server,
                                                   tmp_path, make_unit, make_user,
                                                   import_course):
    make_unit("QU", "青山区", "district")
    make_user("teacher", "lecturer", "QU", name="党校教师")
    make_user("learn", "learner", "QU", name="李学员")
    import_course(_package(tmp_path, gift=GIFT + ESSAY, time_limit_minutes=20))
    with app.app_context():
        activity_id = db.session.scalar(db.select(Activity.id).filter_by(key="quiz"))

    learner = sign_in("learn")
    learner.goto(f"{live_server}/activities/{activity_id}")
    learner.get_by_role("button", name="开始测验").click()
    timer = learner.locator("[data-timer]")
    expect(timer).to_have_text(re.compile(r"^(19|20):\d\d$"))
    # The timer is drawn by the server; the deferred script that saves answers may not have
    # run yet on a busy machine, and a change made before it would never be sent.
    learner.wait_for_load_state()
    learner.get_by_label("十五种").check()
    learner.get_by_label("正确").check()
    learner.locator("textarea").fill("提高站位，规范格式，严格审核。")
    expect(learner.locator("[data-status]")).to_have_text("答案已全部保存", timeout=10_000)

    learner.reload()  # the attempt resumes with its answers and its clock
    expect(learner.get_by_label("十五种")).to_be_checked()
    expect(learner.get_by_label("正确")).to_be_checked()
    expect(learner.locator("textarea")).to_have_value("提高站位，规范格式，严格审核。")
    expect(timer).to_have_text(re.compile(r"^(19|20):\d\d$"))
    learner.goto(f"{live_server}/activities/{activity_id}")
    learner.get_by_role("button", name="继续作答").click()
    expect(learner.get_by_label("十五种")).to_be_checked()

    learner.once("dialog", lambda dialog: dialog.accept())
    learner.get_by_role("button", name="提交", exact=True).click()
    expect(learner.locator("[data-result]")).to_contain_text("教师评分")
    result_url = learner.url

    lecturer = sign_in("teacher")
    lecturer.get_by_role("navigation", name="主导航").get_by_role("link", name="评分").click()
    lecturer.locator("#main").get_by_role("link", name="评分").first.click()
    expect(lecturer.get_by_text("提高站位，规范格式，严格审核。")).to_be_visible()
    lecturer.get_by_label("得分").fill("1")
    lecturer.get_by_label("给学员的评语").fill("结构清楚，例子不足。")
    lecturer.get_by_role("button", name="保存评分").click()
    expect(lecturer.get_by_text("评分已保存。")).to_be_visible()

    learner.goto(result_url)
    expect(learner.locator("[data-comment]")).to_contain_text("结构清楚，例子不足。")
    expect(learner.locator("[data-result]")).to_contain_text("3.0 / 7.0")
