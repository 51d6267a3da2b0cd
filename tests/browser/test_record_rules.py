"""In a real browser: the organisation department changes a rule set in the structured form
and the cadre's My learning follows; the rules pages pass axe (WCAG 2 A and AA) on a phone and
on a desktop."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from lms.extensions import db
from lms.records import rules
from lms.records.models import RuleSet
from tests.records_helpers import audited_page, axe_violations

SHOTS = os.environ.get("LMS_SCREENSHOTS")  # a folder: keep screenshots of the pages there


def _sign_in(browser: Browser, live_server: str, username: str, width: int) -> Page:
    return audited_page(browser, live_server, username, {"width": width, "height": 900})


def _axe(page: Page, name: str) -> list:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)
    return axe_violations(page)


@pytest.mark.parametrize("width", [390, 1280])
def test_a_rule_changed_in_the_form_reaches_my_learning(app, browser, live_server, district,
                                                       width):
    with app.app_context():
        rules.seed_defaults()
        db.session.commit()
        rule_id = db.session.scalar(select(RuleSet.id).filter_by(code="online-yearly"))
    found = {}
    org = _sign_in(browser, live_server, "org", width)
    learner = _sign_in(browser, live_server, "learn", width)
    try:
        org.goto(f"{live_server}/admin/records/rules")
        found["list"] = _axe(org, f"rules-list-{width}")
        org.goto(f"{live_server}/admin/records/rules/{rule_id}/edit")
        found["form"] = _axe(org, f"rules-form-{width}")
        # A refused save names the field and keeps the page's input.
        org.locator("#conversions-0-min_hours").fill("30")
        org.locator("#conversions-0-per_hour").fill("")
        org.locator("#reason").fill("区委组织部年度培训计划")
        org.locator("#submit").click()
        expect(org.locator("#form-errors")).to_be_visible()
        expect(org.locator(".error-report a[href='#conversions-0-min_hours']")).to_be_visible()
        expect(org.locator("#conversions-0-min_hours")).to_have_attribute("aria-invalid", "true")
        found["form-errors"] = _axe(org, f"rules-form-errors-{width}")
        org.locator("#conversions-0-per_hour").fill("1")
        org.locator("#submit").click()
        expect(org.locator(".flash-success")).to_be_visible()
        with app.app_context():
            rule_set = db.session.get(RuleSet, rule_id)
            assert rule_set.config["min_hours_by_kind"] == {"online_course": 30}

        learner.goto(f"{live_server}/me/learning")
        requirement = learner.locator(".requirement", has_text="干部网络培训年度学时")
        expect(requirement).to_contain_text("30")
        found["learning"] = _axe(learner, f"my-learning-{width}")
        learner.locator("a[href='/records/rules']").first.click()
        expect(learner.get_by_role("heading", level=1)).to_be_visible()
        expect(learner.locator("section", has_text="干部网络培训年度学时")).to_contain_text("30")
        found["rules"] = _axe(learner, f"rules-page-{width}")
    finally:
        org.context.close()
        learner.context.close()
    assert found == {k: [] for k in found}
