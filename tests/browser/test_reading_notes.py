"""In a real browser: a cadre writes a reading note with a preview and submits it; the unit
administrator approves it; the pages pass axe (WCAG 2 A and AA) on a phone-sized screen."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from lms.auth.models import User
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.records import reading
from lms.records.models import ReadingNote, RecordEntry
from tests.records_helpers import audited_page, axe_violations

YEAR = local_today().year


def test_a_note_written_in_the_browser_is_approved(app, browser, live_server, district):
    with app.app_context():
        item = reading.add_item(YEAR, title="之江新语", author="习近平")
        org = db.session.scalar(select(User).filter_by(username="org"))
        reading.publish_year(YEAR, org.id)
        db.session.commit()
        item_id = item.id
    found = {}
    learner = audited_page(browser, live_server, "learn")
    try:
        learner.goto(f"{live_server}/reading")
        found["catalogue"] = axe_violations(learner)
        learner.locator(f"a[href='/me/reading/{item_id}']").click()
        learner.locator("#body").fill("## 体会\n\n坚持**问题导向**。\n\n<script>alert(1)</script>")
        learner.locator("#preview").click()
        preview = learner.locator(".prose")
        expect(preview.locator("strong")).to_have_text("问题导向")
        expect(preview.locator("script")).to_have_count(0)
        found["note"] = axe_violations(learner)
        learner.locator("#submit").click()
        expect(learner).to_have_url(f"{live_server}/me/reading")
        found["my notes"] = axe_violations(learner)
    finally:
        learner.context.close()
    with app.app_context():
        note_id = db.session.scalar(select(ReadingNote.id))
    admin = audited_page(browser, live_server, "ua1")
    try:
        admin.goto(f"{live_server}/admin/records/notes")
        found["queue"] = axe_violations(admin)
        admin.locator(f"a[href='/admin/records/notes/{note_id}']").click()
        expect(admin.locator("article.prose strong")).to_have_text("问题导向")
        found["review"] = axe_violations(admin)
        admin.locator("#comment").fill("体会深刻")
        admin.locator("#approve").click()
        expect(admin.locator(".flash-success")).to_be_visible()
        admin.goto(f"{live_server}/admin/records/reading/calls/new")
        found["call form"] = axe_violations(admin)
    finally:
        admin.context.close()
    with app.app_context():
        assert db.session.get(ReadingNote, note_id).status == "approved"
        assert db.session.scalar(select(RecordEntry.kind)) == "reading_note"
    assert {k: v for k, v in found.items() if v} == {}


def test_a_reversed_note_the_plan_form_and_an_acknowledgement(app, browser, live_server,
                                                             district):
    """A reversed note is open for revision again; the plan form's course search keeps what
    was typed; the appraisal is acknowledged from the page that shows it. Each page on a
    phone passes axe."""
    from datetime import date

    from lms.catalog.models import Course, SubjectCategory
    from lms.records import chain, plans

    with app.app_context():
        item = reading.add_item(YEAR, title="之江新语", author="习近平")
        org = db.session.scalar(select(User).filter_by(username="org"))
        reading.publish_year(YEAR, org.id)
        learner = db.session.scalar(select(User).filter_by(username="learn"))
        ua1 = db.session.scalar(select(User).filter_by(username="ua1"))
        reading.save_note(learner, item, title="读书笔记", body="体会", submit=True)
        entry = reading.approve(reading.note_of(learner.id, item.id).id, ua1)
        chain.reverse_entry(entry, actor_id=ua1.id, reason="内容与书目不符", on=date.today())
        subject = db.session.scalar(select(SubjectCategory.id).limit(1))
        db.session.add_all([Course(slug=f"k{n:02d}", title=f"课程{n:02d}", category_id=subject,
                                   status="published", hours=1.0)
                            for n in range(plans.SUGGESTED_MAX + 5)])
        plans.write_appraisal(learner.id, YEAR, ua1, strengths="学习认真",
                              shortcomings="联系实际不够", requirements="加强理论学习")
        db.session.commit()
        item_id = item.id
    found = {}
    page = audited_page(browser, live_server, "learn")
    try:
        page.goto(f"{live_server}/me/reading")
        expect(page.locator("td .tag-overdue")).to_have_count(1)
        expect(page.get_by_text("内容与书目不符")).to_be_visible()
        found["my notes"] = axe_violations(page)
        page.goto(f"{live_server}/me/reading/{item_id}")
        expect(page.locator("#body")).to_be_editable()
        found["reversed note"] = axe_violations(page)

        page.goto(f"{live_server}/me/plan/{YEAR}")
        boxes = page.locator("input[name='course_ids']")
        expect(boxes).to_have_count(plans.SUGGESTED_MAX)
        page.locator("#goals").fill("完成年度学时")
        page.locator("#course_q").fill(f"课程{plans.SUGGESTED_MAX + 4:02d}")
        page.locator("#find").click()
        expect(boxes).to_have_count(plans.SUGGESTED_MAX + 1)
        expect(page.locator("#goals")).to_have_value("完成年度学时")
        found["plan form"] = axe_violations(page)

        page.goto(f"{live_server}/cadres/learn/appraisal/{YEAR}")
        found["appraisal"] = axe_violations(page)
        page.locator("#submit").click()
        expect(page.locator(".flash-success")).to_be_visible()
    finally:
        page.context.close()
    with app.app_context():
        assert plans.appraisal_for(district["learner"], YEAR).acknowledged_at is not None
    assert {k: v for k, v in found.items() if v} == {}
