"""In a real browser: the attempt page's answer sheet (答题卡) shows which questions are
answered and which are marked for review, as the learner works and after a reload; on a phone
it is a sticky bar that opens on demand and closes on the way to a question."""
from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from lms.catalog.models import Activity
from lms.extensions import db
from tests.conftest import PASSWORD
from tests.test_attempts import GIFT, _package


def _quiz(app, tmp_path, make_unit, make_user, import_course) -> int:
    make_unit("QU", "青山区", "district")
    make_user("teacher", "lecturer", "QU", name="党校教师")
    make_user("learn", "learner", "QU", name="李学员")
    import_course(_package(tmp_path, gift=GIFT))
    with app.app_context():
        return db.session.scalar(db.select(Activity.id).filter_by(key="quiz"))


def _item(page: Page, n: int):
    return page.locator(f'[data-sheet-slot="{n}"]')


def test_the_answer_sheet_follows_answers_and_flags(app, sign_in, live_server, tmp_path,
                                                   make_unit, make_user, import_course):
    activity_id = _quiz(app, tmp_path, make_unit, make_user, import_course)
    page = sign_in("learn")
    page.goto(f"{live_server}/activities/{activity_id}")
    page.get_by_role("button", name="开始测验").click()
    page.wait_for_load_state()
    sheet = page.get_by_role("navigation", name="答题卡")
    expect(sheet).to_be_visible()
    expect(sheet.locator("[data-sheet-answered]")).to_have_text("0")
    expect(sheet.locator(".sheet-item")).to_have_count(6)

    page.get_by_label("十五种").check()  # question 1, answered
    expect(_item(page, 1)).to_have_class(re.compile(r"\bis-answered\b"))
    expect(_item(page, 1).locator("[data-sheet-state]")).to_have_text("已作答")
    expect(sheet.locator("[data-sheet-answered]")).to_have_text("1")
    page.locator("#slot-4").get_by_label("你的答案").fill("成文日期")  # typed, question 4
    expect(_item(page, 4)).to_have_class(re.compile(r"\bis-answered\b"))
    page.locator("#slot-2").get_by_label("标记本题").check()  # marked, not answered
    expect(_item(page, 2)).to_have_class(re.compile(r"\bis-flagged\b"))
    expect(_item(page, 2)).not_to_have_class(re.compile(r"\bis-answered\b"))
    expect(_item(page, 2).locator("[data-sheet-flag]")).to_have_text("已标记")
    expect(sheet.locator("[data-sheet-flagged]")).to_have_text("1")
    expect(sheet.locator("[data-sheet-answered]")).to_have_text("2")
    expect(page.locator("[data-status]")).to_have_text("答案已全部保存", timeout=10_000)

    page.reload()  # the server kept the answers and the flag
    expect(_item(page, 1)).to_have_class(re.compile(r"\bis-answered\b"))
    expect(_item(page, 2)).to_have_class(re.compile(r"\bis-flagged\b"))
    expect(page.locator("#slot-2").get_by_label("标记本题")).to_be_checked()
    expect(sheet.locator("[data-sheet-answered]")).to_have_text("2")
    page.locator("#slot-2").get_by_label("标记本题").uncheck()
    expect(_item(page, 2)).not_to_have_class(re.compile(r"\bis-flagged\b"))
    expect(sheet.locator("[data-sheet-flagged]")).to_have_text("0")

    _item(page, 6).click()  # each number leads to its question
    expect(page).to_have_url(re.compile(r"#slot-6$"))
    expect(page.locator("#slot-6")).to_be_in_viewport()


def test_on_a_phone_the_sheet_is_a_sticky_bar(app, browser: Browser, live_server, tmp_path,
                                              make_unit, make_user, import_course):
    activity_id = _quiz(app, tmp_path, make_unit, make_user, import_course)
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 740},
                                  is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.get_by_label("账号").fill("learn")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.goto(f"{live_server}/activities/{activity_id}")
        page.get_by_role("button", name="开始测验").click()
        page.wait_for_load_state()
        summary = page.locator("[data-sheet-panel] > summary")
        expect(summary).to_be_visible()
        expect(_item(page, 1)).to_be_hidden()  # closed on a narrow screen
        page.locator("#slot-5").scroll_into_view_if_needed()
        expect(summary).to_be_in_viewport()  # sticky while the questions scroll
        page.get_by_label("十五种").check()
        expect(summary).to_contain_text("已答 1/6")
        summary.click()
        expect(_item(page, 3)).to_be_visible()
        _item(page, 3).click()
        expect(_item(page, 3)).to_be_hidden()  # closed again on the way to the question
        expect(page.locator("#slot-3 legend")).to_be_in_viewport()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # nothing wider than the phone
    finally:
        context.close()
