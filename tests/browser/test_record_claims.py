"""In a real browser, on a phone-sized screen: a cadre reports learning with a PDF, the unit
administrator verifies it, enters an entry with a mistake, corrects the mistake and reverses
an entry; every page passes axe (WCAG 2 A and AA)."""
from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.catalog.models import SubjectCategory
from lms.extensions import db
from lms.records.models import Claim, RecordEntry
from tests.records_helpers import audited_page, axe_violations

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _fill_entry(page: Page, subject_id: int, title: str, hours: str) -> None:
    page.locator("#kind").select_option("self_study")
    page.locator("#subject_id").select_option(str(subject_id))
    page.locator("#title").fill(title)
    page.locator("#ended_on").fill("2025-04-30")
    page.locator("#hours").fill(hours)


def test_a_claim_reported_in_the_browser_is_verified(app, browser, live_server, district,
                                                     tmp_path):
    with app.app_context():
        subject_id = db.session.scalar(select(SubjectCategory.id).order_by(SubjectCategory.id))
    evidence = tmp_path / "学习证明.pdf"
    evidence.write_bytes(PDF)
    found = {}
    learner = audited_page(browser, live_server, "learn")
    try:
        learner.goto(f"{live_server}/me/record/claims/new")
        found["claim form"] = axe_violations(learner)
        _fill_entry(learner, subject_id, "在职自学《民法典》", "2001")
        learner.locator("#evidence").set_input_files(str(evidence))
        learner.locator("#submit").click()
        expect(learner.locator("#hours-err")).to_be_visible()  # refused, the field named
        found["claim form with errors"] = axe_violations(learner)
        learner.locator("#hours").fill("16")
        learner.locator("#evidence").set_input_files(str(evidence))
        learner.locator("#submit").click()
        expect(learner.get_by_role("link", name="学习证明.pdf")).to_be_visible()
        found["my claims"] = axe_violations(learner)
    finally:
        learner.context.close()
    with app.app_context():
        claim_id = db.session.scalar(select(Claim.id))
    admin = audited_page(browser, live_server, "ua1")
    try:
        admin.goto(f"{live_server}/admin/records/claims")
        found["queue"] = axe_violations(admin)
        admin.get_by_role("link", name="在职自学《民法典》").click()
        expect(admin.get_by_role("link", name="学习证明.pdf")).to_be_visible()
        found["claim"] = axe_violations(admin)
        admin.locator("#verify").click()
        expect(admin.locator(".flash-success")).to_be_visible()

        admin.goto(f"{live_server}/cadres/c1/record/entries/new")
        found["entry form"] = axe_violations(admin)
        _fill_entry(admin, subject_id, "中心组学习（扩大）", "20")
        admin.locator("#submit").click()
        expect(admin.locator(".flash-success")).to_be_visible()
        found["entry form after adding"] = axe_violations(admin)
        with app.app_context():
            entry_id = db.session.scalar(select(RecordEntry.id).where(
                RecordEntry.title == "中心组学习（扩大）"))
        admin.goto(f"{live_server}/record/entries/{entry_id}/reverse")
        found["reverse"] = axe_violations(admin)
        admin.locator("#reason").fill("学时应为4")
        admin.locator("#submit").click()
        expect(admin.locator("#title")).to_have_value("中心组学习（扩大）")  # pre-filled
        admin.locator("#hours").fill("4")
        admin.locator("#submit").click()
        expect(admin.locator(".flash-success")).to_be_visible()
    finally:
        admin.context.close()
    with app.app_context():
        rows = db.session.scalars(select(RecordEntry).where(
            RecordEntry.user_id == district["cadre_jd01"]).order_by(RecordEntry.id)).all()
        assert [(e.hours, e.reverses_id) for e in rows] == [
            (20.0, None), (-20.0, entry_id), (4.0, None)]
        assert db.session.get(Claim, claim_id).status == "verified"
    assert {k: v for k, v in found.items() if v} == {}
