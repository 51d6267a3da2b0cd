"""In a real browser: sign in and see the Chinese home page; the menu works on a phone."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD


def _sign_in(page: Page, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/login")
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def test_login_shows_the_chinese_home_page(page: Page, live_server, district):
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(r.url))
    _sign_in(page, live_server, "org")
    expect(page.get_by_role("heading", level=1)).to_have_text("欢迎，org")
    expect(page.get_by_role("navigation", name="主导航")).to_contain_text("干部")
    # Every asset of the page in, before leaving it: a request cut short by the next
    # navigation would count as failed on a slow machine.
    page.wait_for_load_state()
    nav = page.get_by_role("navigation", name="主导航")
    nav.get_by_role("link", name="干部", exact=True).click()
    expect(page.get_by_text("共 6 名干部")).to_be_visible()  # not one's own account
    page.wait_for_load_state()
    assert problems == []  # no CSP violation, no missing asset


def test_wrong_password_shows_an_error(page: Page, live_server, district):
    page.goto(f"{live_server}/login")
    page.get_by_label("账号").fill("org")
    page.get_by_label("密码").fill("wrong-password-1")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("账号或密码错误。")).to_be_visible()


def test_phone_menu_opens(browser, live_server, district):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True,
                                  locale="zh-CN")
    page = context.new_page()
    _sign_in(page, live_server, "learn")
    menu = page.get_by_role("button", name="菜单")
    expect(menu).to_be_visible()
    expect(page.get_by_role("link", name="李学员")).to_be_hidden()
    page.wait_for_load_state()  # the menu button works once the page's script has run
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="李学员")).to_be_visible()
    context.close()
