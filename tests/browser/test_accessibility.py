"""axe-core (WCAG 2 A and AA rules) finds no violation on the main pages, in Chinese."""
from __future__ import annotations

from pathlib import Path

import pytest

from lms.catalog.models import Activity, Course
from lms.extensions import db
from tests.conftest import PASSWORD

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # The CSP forbids injected scripts, axe included: bypass it for the audit only.
    return {**browser_context_args, "locale": "zh-CN", "bypass_csp": True}


def test_main_pages_have_no_accessibility_violations(app, page, live_server, sample_courses):
    assert AXE.exists(), "run `make test` (it installs axe-core from package.json)"
    with app.app_context():
        course_id = db.session.scalar(db.select(Course.id).filter_by(slug="gongwen-xiezuo"))
        lecture, quiz = (db.session.scalar(db.select(Activity.id).filter_by(type_key=t))
                         for t in ("lecture", "quiz"))
        cadre = db.session.scalar(db.select(db.text(  # not org's own: that answers 404
            "user_id FROM cadre_profiles JOIN users ON users.id = user_id "
            "WHERE username != 'org' LIMIT 1")))
        from lms.auth.models import User
        from lms.core.timeutil import local_today
        from lms.org.services import unit_by_code
        from lms.progress.assignments import Audience, assign_audience

        assignment, _n = assign_audience(
            db.session.get(Course, course_id), Audience(unit=unit_by_code("QU")),
            local_today(), db.session.scalar(db.select(User).filter_by(username="org")))
        assignment_id = assignment.id
        session = db.session.scalar(db.select(Activity.id).filter_by(type_key="offline"))
        survey = db.session.scalar(db.select(Activity.id).filter_by(type_key="survey"))
    found = {}

    def audit(path: str) -> None:
        page.goto(live_server + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
        assert result["passes"], path  # axe really ran
        for v in result["violations"]:
            found.setdefault(path, []).append((v["id"], v["help"], v["nodes"][0]["html"]))

    audit("/login")
    page.get_by_label("账号").fill("org")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    for path in ("/", "/admin/cadres", "/admin/units", f"/admin/cadres/{cadre}",
                 f"/admin/cadres/{cadre}/edit", "/admin/cadres/import", "/account", "/courses",
                 "/courses/gongwen-xiezuo", f"/activities/{lecture}", f"/activities/{quiz}",
                 "/teach/courses", f"/teach/courses/{course_id}", "/teach/courses/new",
                 f"/teach/activities/{lecture}/edit", "/me/learning", "/admin/assignments",
                 "/admin/assignments/new", "/admin/completion/gongwen-xiezuo",
                 f"/admin/completion/gongwen-xiezuo?assignment={assignment_id}&status=overdue",
                 f"/admin/activities/{session}/attendance",
                 f"/teach/courses/{course_id}/review", f"/teach/courses/{course_id}/submit",
                 "/admin/completion/gongwen-xiezuo/remind", "/certificates/verify?number=ABCD",
                 f"/activities/{survey}", f"/teach/activities/{survey}/edit",
                 f"/teach/activities/{survey}/pages/results"):
        audit(path)
    # The survey answered on its page: the submitted answers, read-only.
    page.goto(live_server + f"/activities/{survey}")
    for name, value in (("q1", "4"), ("q2", "5"), ("q3", "愿意")):
        page.locator(f'input[name="{name}"][value="{value}"]').check()
    page.get_by_label("你的答案").fill("案例再多一些")
    page.get_by_role("button", name="提交问卷").click()
    assert "您的回答已提交" in page.content() and "案例再多一些" in page.content()
    audit(f"/activities/{survey}")
    # A quiz attempt (open, then submitted with its review), grading and results.
    from lms.assessment import attempts
    with app.app_context():
        org = db.session.scalar(db.select(User).filter_by(username="org"))
        attempt = attempts.start_or_resume(org, db.session.get(Activity, quiz))
        attempt_id = attempt.id
    for path in (f"/attempts/{attempt_id}", f"/teach/activities/{quiz}/edit", "/teach/grading",
                 f"/teach/activities/{quiz}/results"):
        audit(path)
    with app.app_context():
        attempts.finish(db.session.get(attempts.Attempt, attempt_id))
    audit(f"/attempts/{attempt_id}")
    # The learning record: the organisation department's pages, and the learner's own.
    from datetime import date

    from lms.records import chain, rules
    from lms.records.models import RecordEntry
    with app.app_context():
        rules.seed_defaults()
        learner = db.session.scalar(db.select(User).filter_by(username="learn"))
        chain.append_entry(RecordEntry(user_id=learner.id, kind="self_study", title="自学《条例》",
                                       hours=3.0, occurred_on=date.today(), origin="entered",
                                       dedupe_key="a11y:1"), actor_id=None)
        db.session.commit()
    for path in ("/admin/records", "/admin/records/compliance", "/admin/records/rules",
                 "/admin/records/rules/new", "/records/rules", "/admin/records/claims",
                 "/admin/records/notes", "/admin/records/plans", "/admin/records/reading",
                 "/admin/records/reading/calls", "/cadres/learn/record",
                 "/cadres/learn/record/entries/new"):
        audit(path)
    page.goto(live_server + "/logout")
    page.context.clear_cookies()
    page.goto(live_server + "/login")
    page.get_by_label("账号").fill("learn")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    for path in ("/me/learning", "/cadres/learn/record", "/reading", "/me/reading", "/me/plan",
                 "/me/appraisals", "/me/record/claims", "/me/record/claims/new"):
        audit(path)
    assert found == {}


def test_the_auditors_pages_have_no_accessibility_violations(app, page, live_server, district,
                                                             make_user, client, auth):
    make_user("aud", "auditor")
    auth.login("ua1")  # one row in the log, so the table has content
    client.post(f"/admin/cadres/{district['cadre_jd01']}/password")
    page.goto(live_server + "/login")
    page.get_by_label("账号").fill("aud")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    found = {}
    for path in ("/audit", "/audit/settings"):
        page.goto(live_server + path)
        assert page.url == live_server + path  # signed in as the auditor, not sent away
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "async () => await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
        assert result["passes"], path
        if result["violations"]:
            found[path] = [(v["id"], v["help"]) for v in result["violations"]]
    assert found == {}
