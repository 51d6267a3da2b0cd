"""In a real browser: the organisation department reads the compliance report, narrows it by
status and unit, and downloads it as a workbook; the page fits a phone's width."""
from __future__ import annotations

import io
import os

from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.test_compliance import YEAR, scenario  # noqa: F401 - the fixture

SHOTS = os.environ.get("LMS_SCREENSHOTS")  # a folder to keep pictures of the page in


def test_the_org_admin_filters_and_exports_the_report(sign_in, live_server, scenario):  # noqa: F811
    page = sign_in("org")
    page.goto(f"{live_server}/admin/records/compliance?year={YEAR}")
    rows = page.locator("table.compliance tbody tr")
    expect(rows).to_have_count(8)
    expect(page.locator('a[data-status="behind"] .count-value')).to_have_text("1")
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/compliance-desktop.png", full_page=True)

    page.locator('a[data-status="behind"]').click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-username", "c2")
    expect(page.locator('a[data-status="behind"]')).to_have_attribute("aria-current", "true")

    page.locator("#f-status").select_option("all")
    page.locator("#f-unit").select_option("JD01")
    page.locator("form.filters button[type=submit]").click()
    expect(rows).to_have_count(5)
    expect(page.locator('tr[data-username="learn"] [data-status]')).to_have_attribute(
        "data-status", "not_met")
    expect(page.locator('tr[data-username="learn"]')).to_contain_text("每年学时")

    with page.expect_download() as download:
        page.locator('a[href*="/admin/records/compliance/export.xlsx"]').click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with open(download.value.path(), "rb") as fh:
        sheet = load_workbook(io.BytesIO(fh.read())).active
    # The title line, the header, then one row per cadre.
    assert sorted(r[1] for r in sheet.iter_rows(min_row=3, values_only=True)) == \
        ["c1", "c3", "learn", "lect", "ua1"]

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/admin/records/compliance?year={YEAR}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # the table scrolls inside its own box, the page does not
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/compliance-phone.png", full_page=True)
