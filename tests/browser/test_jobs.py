"""In a real browser: a background job's page shows its progress bar moving as the job
reports its steps, then the file to download; the district's compliance export, started
from the report, lands on its job's page and downloads."""
from __future__ import annotations

import io
import os
import threading

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from lms.extensions import db
from lms.jobs import Output, enqueue, registry

SHOTS = os.environ.get("LMS_SCREENSHOTS")  # a folder to keep pictures of the page in
STEPS = 3


@pytest.fixture
def threads(app, monkeypatch):
    """Jobs run in the live server's pool of threads, as on one box without Redis; every
    progress report is written."""
    monkeypatch.setitem(app.config, "LMS_JOBS_MODE", "threads")
    monkeypatch.setitem(app.config, "LMS_JOB_PROGRESS_SECONDS", 0)


@pytest.fixture
def gated():
    """A kind whose every step waits for the test to let it go on."""
    gates = [threading.Event() for _ in range(STEPS)]

    def run(job):
        for n, gate in enumerate(gates, 1):
            assert gate.wait(30)
            job.progress(n, STEPS, f"第 {n} 步")
        return Output("gated.txt", "text/plain; charset=utf-8", data=b"three steps\n",
                      summary="3")
    registry.register(registry.Kind("t.gated", run, "分步任务"))
    yield gates
    for gate in gates:
        gate.set()
    registry.unregister("t.gated")


def test_the_progress_bar_moves_and_the_file_appears(app, sign_in, live_server, district,
                                                      threads, gated):
    page = sign_in("org")
    with app.app_context():
        job_id = enqueue("t.gated", {}, owner=district["org_admin"]).id
        db.session.remove()
    page.goto(f"{live_server}/jobs/{job_id}")
    bar, count = page.locator("#job-progress"), page.locator(".job-count")
    expect(page.locator(".job-state")).to_have_text("进行中")
    expect(page.locator(".job-result")).to_be_hidden()
    for n, gate in enumerate(gated, 1):
        gate.set()
        expect(count).to_have_text(f"{n} / {STEPS}")
        expect(bar).to_have_attribute("value", str(n))
        if n < STEPS:
            expect(page.locator(".job-message")).to_have_text(f"第 {n} 步")
    expect(page.locator(".job-state")).to_have_text("已完成")
    link = page.locator("a.job-download")
    expect(link).to_be_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/job-done.png", full_page=True)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "gated.txt"
    with open(download.value.path(), "rb") as fh:
        assert fh.read() == b"three steps\n"
    page.goto(f"{live_server}/jobs/")
    expect(page.locator(f'tr[data-job="{job_id}"]')).to_contain_text("gated.txt")


def test_the_district_export_is_a_job_whose_page_offers_the_workbook(sign_in, live_server,
                                                                     district, threads):
    page = sign_in("org")
    page.goto(f"{live_server}/admin/records/compliance")
    page.locator('a[href*="/admin/records/compliance/export.xlsx"]').click()
    expect(page).to_have_url(f"{live_server}/jobs/1")
    expect(page.locator("h1")).to_contain_text("学时达标情况导出")
    link = page.locator("a.job-download")
    expect(link).to_be_visible()
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("compliance-")
    with open(download.value.path(), "rb") as fh:
        sheet = load_workbook(io.BytesIO(fh.read())).active
    assert sorted(r[1] for r in sheet.iter_rows(min_row=3, values_only=True)) == \
        ["c1", "c2", "learn", "lect", "org", "ua1", "ua2"]
