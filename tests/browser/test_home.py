"""Each role starts at the home page and reaches every panel's work in one click, at desktop
and phone widths, with axe-core finding nothing. With SHOTS_DIR set, each role's home page is
saved there as a PNG (home-<account>.png at desktop width, home-<account>-phone.png)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.records_helpers import audited_page, axe_violations
from tests.test_home import home_world

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WIDTHS = {"desktop": DESKTOP, "phone": PHONE}

# Per role: (panel, link text, where the click lands). Every link is in `main`.
LINKS = {
    "learn": [
        ("hours-h", "我的学习", r"/me/learning$"),
        ("hours-h", "我的学习档案", r"/record$"),
        ("next-h", "公文写作基础", r"/courses/gongwen-xiezuo$"),
        ("notices-h", "请于本月20日前提交年度学习计划", r"/me/plan(/\d+)?$"),
        ("notices-h", "全部通知", r"/me/inbox$"),
        ("exams-h", "结业考试", r"/activities/\d+$"),
    ],
    "lect": [
        ("teach-h", "（修订）信息报送实务", r"/teach/courses/\d+$"),
        ("teach-h", "新建课程", r"/teach/courses/new$"),
        ("teach-h", "待评分的答卷", r"/teach/grading$"),
        ("teach-h", "出勤：桌面推演", r"/admin/activities/\d+/attendance$"),
    ],
    "ua1": [
        ("waiting-h", "待审核的学习申报", r"/admin/records/claims$"),
        ("waiting-h", "读书笔记审核", r"/admin/records/notes$"),
        ("waiting-h", "待审核的学习计划", r"/admin/records/plans$"),
        ("waiting-h", "出勤：桌面推演", r"/admin/activities/\d+/attendance$"),
        ("glance-h", "课程布置及完成情况", r"/admin/assignments$"),
        ("glance-h", "未达标", r"/admin/records/compliance\?.*status=not_met"),
        ("glance-h", "学时达标情况", r"/admin/records/compliance\?year=\d+$"),
    ],
    "org": [
        ("waiting-h", "待审核课程", r"/teach/review$"),
        ("waiting-h", "待审核的学习申报", r"/admin/records/claims$"),
        ("waiting-h", "读书笔记审核", r"/admin/records/notes$"),
        ("waiting-h", "待审核的学习计划", r"/admin/records/plans$"),
        ("waiting-h", "待评分的答卷", r"/teach/grading$"),
        ("glance-h", "课程布置及完成情况", r"/admin/assignments$"),
        ("glance-h", "学时达标情况", r"/admin/records/compliance\?year=\d+$"),
    ],
}


def _panel_link(page: Page, panel: str, text: str):
    return page.locator(f'section[aria-labelledby="{panel}"]').get_by_role(
        "link", name=re.compile(re.escape(text))).first


def _walk(page: Page, live_server: str, username: str, width: str) -> None:
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("欢迎")
    assert axe_violations(page) == [], (username, width)
    # The panels stack: nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shots = os.environ.get("SHOTS_DIR")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        name = f"home-{username}.png" if width == "desktop" else f"home-{username}-{width}.png"
        page.screenshot(path=str(Path(shots) / name), full_page=True)
    for panel, text, target in LINKS[username]:
        page.goto(live_server + "/")
        link = _panel_link(page, panel, text)
        expect(link).to_be_visible()
        link.click()
        expect(page).to_have_url(re.compile(target))
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_be_visible()
        expect(heading).not_to_contain_text("找不到")


@pytest.fixture
def world(app):
    return home_world(app)


@pytest.mark.parametrize("width", sorted(WIDTHS))
def test_learner_home(browser: Browser, live_server, world, width):
    page = audited_page(browser, live_server, "learn", WIDTHS[width])
    try:
        _walk(page, live_server, "learn", width)
        page.goto(live_server + "/")
        # The navigation counts unread notices, and says so to a screen reader.
        if width == "phone":  # the menu's button carries the count too
            menu = page.get_by_role("button", name=re.compile(r"菜单.*条未读通知"))
            expect(menu).to_be_visible()
            menu.click()
        nav = page.get_by_role("navigation", name="主导航")
        expect(nav.get_by_role("link", name=re.compile(r"我的学习.*条未读通知"))).to_be_visible()
    finally:
        page.context.close()


@pytest.mark.parametrize("width", sorted(WIDTHS))
@pytest.mark.parametrize("account", ["lect", "ua1", "org"])
def test_role_home(browser: Browser, live_server, world, account, width):
    """The lecturer's, the unit administrator's and the organisation department's homes."""
    page = audited_page(browser, live_server, account, WIDTHS[width])
    try:
        _walk(page, live_server, account, width)
    finally:
        page.context.close()
