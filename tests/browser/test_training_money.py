"""In a real browser: the organisation department reads the plan against actual, enters a
class's actual spending (refused without a reason for unplanned spending, then saved) and
sets a budget; axe finds no WCAG 2 A/AA violation on these pages; screenshots on request."""
from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect

from lms.extensions import db
from tests.test_training_plan import YEAR, world  # noqa: F401 - the fixture
from tests.training_factories import make_class

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = os.environ.get("LMS_SCREENSHOTS")


def _axe(page) -> list:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    assert result["passes"]
    return [(v["id"], v["nodes"][0]["html"]) for v in result["violations"]]


def test_plan_money_and_budgets_in_a_browser(app, browser, live_server, sign_in,
                                             world):  # noqa: F811
    with app.app_context():
        cid = make_class("JD01", YEAR, "running", planned={"tuition": 1_000_00},
                         title="城关街道中青年干部培训班")
        db.session.commit()
    page = sign_in("org")
    page.goto(f"{live_server}/training/plan?year={YEAR}")
    expect(page.locator(f'tr[data-item="{world["a"]}"] [data-funds]')).to_have_text("6,000")
    expect(page.locator("tfoot [data-held-classes]")).to_have_text("3")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/training-plan.png", full_page=True)

    page.goto(f"{live_server}/training/classes/{cid}/money")
    page.locator("#f-actual_travel").fill("800")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#f-reason_travel-err")).to_contain_text("须说明原因")
    page.locator("#f-reason_travel").fill("增加现场教学")
    page.get_by_role("button", name="保存").click()
    expect(page.locator('tr[data-heading="travel"] #f-actual_travel')).to_have_value("800")
    expect(page.locator("[data-total-actual]")).to_have_text("800")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/training-money.png", full_page=True)

    page.goto(f"{live_server}/training/budgets?year={YEAR}")
    page.get_by_label("城关街道预算（元）").fill("1,000")
    page.locator('tr[data-unit="JD01"] button').click()
    expect(page.locator('tr[data-unit="JD01"] [data-warning]')).to_contain_text("超出预算")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/training-budgets.png", full_page=True)


def test_the_pages_pass_axe(app, browser, live_server, world):  # noqa: F811
    assert AXE.exists(), "run `make test` (it installs axe-core from package.json)"
    from tests.conftest import PASSWORD

    with app.app_context():
        cid = make_class("JD01", YEAR, "approved", planned={"tuition": 1_000_00})
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("账号").fill("org")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    found = {}
    for path in (f"/training/plan?year={YEAR}", f"/training/plan/items/{world['a']}/edit",
                 f"/training/plan/{world['plan']}/items/new", f"/training/budgets?year={YEAR}",
                 f"/training/classes/{cid}/money"):
        page.goto(live_server + path)
        if violations := _axe(page):
            found[path] = violations
    context.close()
    assert not found
