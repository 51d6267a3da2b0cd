"""Helpers shared by the learning record's tests: the chain check after each test, the first
subject, English pages, API tokens, appending entries, form errors, and, for the browser
tests, a signed-in page that axe may audit."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from lms.auth.models import User
from lms.auth.services import create_token
from lms.catalog.models import SubjectCategory
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.records import chain
from lms.records.models import RecordEntry
from tests.conftest import PASSWORD

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


# ---- fixtures: a test module takes them with `from tests.records_helpers import …` ----------

@pytest.fixture
def chain_stays_whole(app):
    """Whatever a test did through the application, the chain verifies afterwards (use it as
    an autouse fixture of the module: `pytestmark = pytest.mark.usefixtures(…)`)."""
    yield
    with app.app_context():
        report = chain.verify()
        assert report.findings == [], [str(f) for f in report.findings]


@pytest.fixture
def subject(app) -> int:
    """The id of the first subject category."""
    with app.app_context():
        return db.session.scalar(select(SubjectCategory.id).order_by(SubjectCategory.id))


@pytest.fixture
def english(client):
    """The test client, asking for English pages."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# ---- plain helpers -------------------------------------------------------------------------

def api_token(app, user_id: int, name: str = "test") -> str:
    """A new API token of the user."""
    with app.app_context():
        return create_token(db.session.get(User, user_id), name)


def bearer(app, user_id: int) -> dict:
    """Request headers that carry a new API token of the user."""
    return {"Authorization": f"Bearer {api_token(app, user_id, 't')}"}


def field_error(html: str, field: str) -> str:
    """The error list shown under a form field (empty when there is none)."""
    match = re.search(rf'<ul class="errors" id="{field}-err">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def subject_id(name: str = "政治理论") -> int:
    """The id of the subject category of this name (inside an app context)."""
    return db.session.scalar(db.select(SubjectCategory.id).filter_by(name=name))


def add_entry(app, user_id: int, *, kind: str = "lecture", title: str = "专题讲座",
              hours: float = 2.0, days: float = 0.0, on: date | None = None,
              actor: int | None = None, subject: str = "政治理论", reason: str = "",
              **fields) -> int:
    """Append one entry through the chain (totals and hooks run, as the application does)
    and commit. An entered kind with an `actor` is marked entered by them."""
    with app.app_context():
        fields.setdefault("subject_id", subject_id(subject))
        if kind in ("lecture", "off_job", "degree", "self_study") and actor is not None:
            fields.setdefault("origin", "entered")
            fields.setdefault("entered_by_id", actor)
        entry = chain.append_entry(RecordEntry(
            user_id=user_id, kind=kind, title=title, hours=hours, days=days,
            occurred_on=on or date(local_today().year, 3, 15),
            dedupe_key=fields.pop("dedupe_key", f"test:{user_id}:{title}:{hours}:{on}"),
            **fields), actor_id=actor, reason=reason)
        db.session.commit()
        return entry.id


# ---- in the browser ------------------------------------------------------------------------

def audited_page(browser: Browser, live_server: str, username: str,
                 viewport: dict | None = PHONE) -> Page:
    """A page signed in as `username` (Chinese) in a context of its own that lets axe be
    injected (the CSP forbids it otherwise); close its context when done. `viewport` None
    keeps the browser's default size."""
    options = {"viewport": viewport} if viewport else {}
    context = browser.new_context(locale="zh-CN", bypass_csp=True, **options)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("账号").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("欢迎")
    return page


def axe_violations(page: Page) -> list:
    """Run axe (WCAG 2 A and AA) over the page: its violations as (rule, first node)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    assert result["passes"]
    return [(v["id"], v["nodes"][0]["html"]) for v in result["violations"]]
