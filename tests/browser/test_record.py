"""In a real browser: a learner completes a short course and finds it, with its study hours,
on their learning record; the chart draws its bars under the site's Content-Security-Policy,
and the page has no accessibility violation (axe, WCAG 2 A and AA)."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.test_study import Beats
from tests.records_helpers import audited_page, axe_violations

MANIFEST = """
[course]
slug = "gongwen-kuaixue"
title = "公文格式速学"
category = "业务知识"
hours = 1.5

[[activities]]
key = "geshi"
type = "lecture"
title = "公文的格式要素"
hours = 1.5
source = "lessons/geshi.md"
"""


def _package(folder: Path) -> Path:
    (folder / "lessons").mkdir(parents=True)
    (folder / "lessons" / "geshi.md").write_text(
        "## 格式要素\n\n公文一般由份号、密级、紧急程度、发文机关标志等组成。", encoding="utf-8")
    (folder / "course.toml").write_text(MANIFEST, encoding="utf-8")
    return folder


def test_completed_course_shows_on_the_record_with_its_hours(
        sign_in, browser, live_server, app, monkeypatch, tmp_path, make_unit, make_user,
        import_course):
    monkeypatch.setitem(app.config, "LMS_HEARTBEAT_SECONDS", 1)
    monkeypatch.setitem(app.config, "LMS_HOURS_RULE", "declared")  # the course's 1.5 学时
    make_unit("QU", "青山区", "district")
    make_user("learn", "learner", "QU", name="李学员")
    slug = import_course(_package(tmp_path / "pkg"))

    page = sign_in("learn")
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text)
            if "Content Security Policy" in m.text else None)
    beats = Beats(page)
    page.goto(f"{live_server}/courses/{slug}")
    page.get_by_role("link", name="公文的格式要素").first.click()
    beats.wait(lambda sent, answer: answer["completed"], timeout=15)

    page.goto(f"{live_server}/me/record")
    expect(page.get_by_role("heading", level=1)).to_contain_text("李学员")
    row = page.locator("table.record-entries tbody tr").filter(has_text="公文格式速学")
    expect(row).to_have_count(1)
    expect(row.get_by_role("link", name="公文格式速学")).to_have_attribute(
        "href", f"/courses/{slug}")
    expect(row.locator("td.num").first).to_have_text("1.5")  # its 学时
    expect(page.locator(".record-sum")).to_contain_text("1.5")

    # The chart: twelve month bars and one bar per form of learning, drawn by the script.
    bars = page.locator(".record-chart svg rect.bar")
    expect(page.locator(".record-chart svg rect.bar-month")).to_have_count(12)
    expect(page.locator(".record-chart svg rect.bar-kind")).to_have_count(1)
    heights = bars.evaluate_all("rects => rects.map(r => r.getBBox().height)")
    assert max(heights) > 50 and heights.count(0) == 11  # one month holds the hours
    page.get_by_text("按月份统计的学时（表格）").or_(
        page.get_by_text("Study hours by month (table)")).click()
    expect(page.locator(".chart-table table")).to_be_visible()
    assert refused == []  # nothing blocked by the Content-Security-Policy

    # The printable record opens without the site's navigation.
    page.goto(f"{live_server}/me/record")
    page.locator("p.actions a").first.click()
    expect(page.locator("table.entries")).to_contain_text("公文格式速学")
    expect(page.get_by_role("navigation", name="主导航")).to_have_count(0)

    # axe finds no violation on the record page or the printable record.
    audited = audited_page(browser, live_server, "learn", viewport=None)
    found = {}
    for path in ("/cadres/learn/record", "/cadres/learn/record/print"):
        audited.goto(live_server + path)
        audited.wait_for_load_state("load")
        violations = axe_violations(audited)
        if violations:
            found[path] = violations
    audited.context.close()
    assert found == {}
