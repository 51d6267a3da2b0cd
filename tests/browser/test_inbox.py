"""In a real browser, on a phone-sized screen and a desktop one: the inbox lists the notices,
filters them by kind, marks one and then all read; the account page takes an e-mail address
and refuses a bad one naming the field; every page passes axe (WCAG 2 A and AA)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from lms.progress import notices
from tests.records_helpers import PHONE, audited_page, axe_violations


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 900}])
def test_the_inbox_and_the_email_setting_in_the_browser(app, browser, live_server, district,
                                                        viewport):
    with app.app_context():
        uid = db.session.scalar(select(User.id).filter_by(username="learn"))
        notices.notify([uid], "claim", "您申报的“在职自学”已审核通过，已计入学习档案。",
                       "/me/record/claims")
        notices.notify([uid], "assignment", "已为您布置课程“公文写作基础”，请于年底前完成。",
                       "/courses")
        db.session.commit()
    found = {}
    page = audited_page(browser, live_server, "learn", viewport)
    try:
        page.goto(f"{live_server}/me/learning")
        page.get_by_role("link", name="全部通知").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("全部通知")
        expect(page.locator("tr.unread")).to_have_count(2)
        found["inbox"] = axe_violations(page)
        page.get_by_label("类型").select_option("claim")
        page.get_by_role("button", name="筛选").click()
        expect(page.locator("tbody tr")).to_have_count(1)
        page.get_by_role("button", name="标为已读", exact=True).click()
        expect(page.locator("tr.unread")).to_have_count(0)
        expect(page).to_have_url(f"{live_server}/me/inbox?kind=claim")
        page.goto(f"{live_server}/me/inbox")
        page.get_by_role("button", name="全部标为已读", exact=True).click()
        expect(page.get_by_text("已将 1 条通知标为已读。")).to_be_visible()
        expect(page.locator("tr.unread")).to_have_count(0)
        found["inbox, all read"] = axe_violations(page)

        page.goto(f"{live_server}/account")
        page.get_by_label("电子邮箱地址").fill("li@例子")
        page.locator("#mail-submit").click()
        expect(page.locator("#mail-email-err")).to_contain_text("电子邮箱地址无效")
        found["account with an error"] = axe_violations(page)
        page.get_by_label("电子邮箱地址").fill("li@example.gov.cn")
        page.get_by_label("每条通知同时发送到我的邮箱").uncheck()
        page.locator("#mail-submit").click()
        expect(page.get_by_text("邮件设置已保存。")).to_be_visible()
    finally:
        page.context.close()
    assert found == {name: [] for name in found}
    with app.app_context():
        user = db.session.get(User, uid)
        assert (user.email, user.email_notices) == ("li@example.gov.cn", False)
