"""In a real browser: the organisation department's training figures draw their charts
(ECharts from static/, data from the JSON block) with no console error or CSP violation, the
page fits a phone's width, and axe finds no accessibility violation."""
from __future__ import annotations

import os

from playwright.sync_api import expect

from tests.browser.test_accessibility import AXE
from tests.conftest import PASSWORD
from tests.test_training_figures import YEAR, world  # noqa: F401 - the fixture

SHOTS = os.environ.get("LMS_SCREENSHOTS")  # a folder to keep pictures of the page in


def test_the_charts_draw_without_errors(browser, sign_in, live_server, world):  # noqa: F811
    page = sign_in("org")
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server}/training/figures?year={YEAR}")
    expect(page.locator('[data-kpi="classes"]')).to_have_text("3")
    charts = page.locator("[data-chart]:not([hidden])")
    expect(charts).to_have_count(7)
    for n in range(7):
        expect(charts.nth(n).locator("canvas")).to_have_count(1)
        assert charts.nth(n).get_attribute("role") == "img"
    box = charts.first.locator("canvas").bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/figures-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(charts.first.locator("canvas")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/figures-phone.png", full_page=True)
    page.goto(f"{live_server}/training/figures/summary?year={YEAR}")
    expect(page.locator("[data-summary=total]")).to_contain_text("全年共举办各类培训班3期")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/figures-summary.png", full_page=True)
    assert errors == []

    # axe, in a context of its own that lets the audit script in (the CSP would refuse it)
    context = browser.new_context(locale="zh-CN", bypass_csp=True)
    try:
        audit = context.new_page()
        audit.goto(f"{live_server}/login")
        audit.get_by_label("账号").fill("org")
        audit.get_by_label("密码").fill(PASSWORD)
        audit.get_by_role("button", name="登录").click()
        found = {}
        for path in (f"/training/figures?year={YEAR}", f"/training/figures/behind?year={YEAR}",
                     f"/training/figures/short?year={YEAR}",
                     f"/training/figures/summary?year={YEAR}"):
            audit.goto(live_server + path)
            audit.add_script_tag(path=str(AXE))
            result = audit.evaluate(
                "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
            assert result["passes"], path
            for v in result["violations"]:
                found.setdefault(path, []).append((v["id"], v["help"], v["nodes"][0]["html"]))
        assert found == {}
    finally:
        context.close()
