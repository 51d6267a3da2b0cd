"""In a real browser: the organiser opens a check-in code, shown large with its QR code; a
trainee checks in by typing it on a phone; another trainee's leave passes one seventh of the
class's hours and the organiser withdraws her; the class closes; the trainee who attended
finds the class and its hours in their record, and every step in their inbox. Every page
passes axe (WCAG 2 A and AA)."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from lms.extensions import db
from lms.progress.models import Notice
from lms.training import models as t
from tests.records_helpers import PHONE, audited_page, axe_violations
from tests.training_attendance_helpers import build_class


def test_a_class_is_attended_by_code_withdrawn_over_leave_and_closed(app, browser,
                                                                     live_server, district):
    with app.app_context():
        world = build_class(district)
    base = f"{live_server}/training"
    found = {}
    organiser = audited_page(browser, live_server, "ua1", viewport=None)
    try:
        organiser.goto(f"{base}/classes/{world.cls}/sessions")
        found["sessions"] = axe_violations(organiser)
        organiser.get_by_role("link", name="签到码 专题辅导").click()
        found["no code yet"] = axe_violations(organiser)
        organiser.locator("#minutes").fill("15")
        organiser.get_by_role("button", name="生成新的签到码").click()
        code = organiser.locator("#checkin-code").inner_text().strip()
        assert len(code) == 6 and code.isdigit()
        qr = organiser.locator("img.checkin-qr")
        expect(qr).to_be_visible()
        organiser.wait_for_function(
            "() => { const i = document.querySelector('img.checkin-qr');"
            " return i.complete && i.naturalWidth > 0; }")
        found["code"] = axe_violations(organiser)
    finally:
        organiser.context.close()

    trainee = audited_page(browser, live_server, "c1", viewport=PHONE)
    try:
        trainee.goto(f"{base}/checkin")
        found["check in"] = axe_violations(trainee)
        trainee.get_by_label("签到码").fill("000000" if code != "000000" else "111111")
        trainee.get_by_role("button", name="签到").click()
        expect(trainee.locator("#code-err")).to_contain_text("签到码不正确")
        trainee.get_by_label("签到码").fill(code)
        trainee.get_by_role("button", name="签到").click()
        expect(trainee.locator(".flash-success")).to_contain_text("已在培训班")
        expect(trainee.get_by_role("cell", name="出勤", exact=True)).to_be_visible()
        found["my classes"] = axe_violations(trainee)
    finally:
        trainee.context.close()

    learner = audited_page(browser, live_server, "learn", viewport=PHONE)
    try:
        learner.goto(f"{base}/me")
        for session_key, title in (("tomorrow", "现场教学"), ("late", "结业测试")):
            learner.locator(f"#reason-{world.sessions[session_key]}").fill("外出开会")
            learner.get_by_role("button", name=f"请假 {title}").click()
            expect(learner.locator(".flash-success")).to_be_visible()
        found["my classes with leave"] = axe_violations(learner)
    finally:
        learner.context.close()

    organiser = audited_page(browser, live_server, "ua1", viewport=None)
    try:
        organiser.goto(f"{base}/classes/{world.cls}/sessions")
        found["leave requests"] = axe_violations(organiser)
        for _n in range(2):
            organiser.get_by_role("button", name="准假").first.click()
            expect(organiser.locator(".flash-success")).to_have_text("已准假。")
        warning = organiser.get_by_role("alert")
        expect(warning).to_contain_text(
            "请假 5.5 学时，超过本班 35 学时的七分之一（5 学时），应予退学。")
        found["over the limit"] = axe_violations(organiser)
        organiser.once("dialog", lambda dialog: dialog.accept())  # a danger button asks
        organiser.get_by_role("button", name="办理李学员退学").click()
        expect(organiser.locator(".flash-success")).to_contain_text("李学员已退学")
        organiser.get_by_role("link", name="结班").click()
        expect(organiser.get_by_role("heading", level=1)).to_contain_text("结班")
        found["close preview"] = axe_violations(organiser)
        organiser.get_by_role("button", name="结班并记入学习档案").click()
        expect(organiser.locator(".flash-success")).to_contain_text("1 名学员结业")
        found["closed"] = axe_violations(organiser)
    finally:
        organiser.context.close()

    trainee = audited_page(browser, live_server, "c1", viewport=PHONE)
    try:
        trainee.goto(f"{live_server}/me/record")
        expect(trainee.get_by_text("中青年干部培训班").first).to_be_visible()
        trainee.goto(f"{base}/me")
        expect(trainee.get_by_text("已记入我的学习档案 35 学时、5 天")).to_be_visible()
        trainee.goto(f"{live_server}/me/learning")
        expect(trainee.get_by_text("已在你的学习档案记入 35 学时、5 天")).to_be_visible()
    finally:
        trainee.context.close()

    with app.app_context():
        inbox = {}
        for notice in db.session.scalars(select(Notice).order_by(Notice.id)):
            inbox.setdefault(notice.user_id, []).append(notice.message)
        assert any("退学" in m for m in inbox[district["learner"]])
        assert any("已获准" in m for m in inbox[district["learner"]])
        assert any("申请请假" in m for m in inbox[district["unit_admin"]])
        assert any("已结班" in m for m in inbox[district["cadre_jd02"]])
        assert any("已结班" in m for m in inbox[district["org_admin"]])
        assert db.session.get(t.ClassTrainee, world.trainees["learner"]).outcome == "withdrawn"
    assert {page: v for page, v in found.items() if v} == {}
