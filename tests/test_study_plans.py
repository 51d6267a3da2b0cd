"""Study plans (drafted by the cadre, reviewed by the unit administrator, progress beside the
record) and written appraisals (written in scope, acknowledged by the cadre, then locked)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.catalog.models import Course, SubjectCategory
from lms.core.timeutil import local_today, utcnow
from lms.extensions import db
from lms.progress.models import Enrolment
from lms.records import chain, plans
from lms.records.models import Appraisal, AuditEvent, RecordEntry, StudyPlan
from tests.conftest import own_statements

YEAR = local_today().year


@pytest.fixture
def courses(app, district) -> list[int]:
    """Two published courses and a draft one."""
    with app.app_context():
        subject = db.session.scalar(select(SubjectCategory.id).limit(1))
        rows = [Course(slug=slug, title=title, category_id=subject, status=status, hours=2.0)
                for slug, title, status in (("gongwen", "公文写作", "published"),
                                            ("yingji", "突发事件应急", "published"),
                                            ("caogao", "草稿课程", "draft"))]
        db.session.add_all(rows)
        db.session.commit()
        return [c.id for c in rows]


def _plan(app, user_id: int) -> StudyPlan | None:
    with app.app_context():
        plan = plans.plan_of(user_id, YEAR)
        if plan is not None:
            db.session.expunge(plan)
        return plan


def _actions(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.user_id == user_id).order_by(AuditEvent.seq)))


def test_draft_submit_return_resubmit_approve(app, client, auth, district, courses):
    gongwen, yingji, draft = courses
    auth.login("learn")
    page = client.get(f"/me/plan/{YEAR}").get_data(as_text=True)
    assert "公文写作" in page and "草稿课程" not in page  # published courses only
    client.post(f"/me/plan/{YEAR}", data={
        "goals": "## 目标\n\n学习公文写作", "target_hours": "90", "target_days": "12",
        "course_ids": [str(gongwen)], "save": "1"})
    assert _plan(app, district["learner"]).status == "draft"
    # A draft course id is refused.
    client.post(f"/me/plan/{YEAR}", data={"goals": "x", "course_ids": [str(draft)],
                                          "save": "1"})
    assert _plan(app, district["learner"]).course_ids == [gongwen]
    auth.logout()
    auth.login("ua1")  # a draft stays the cadre's
    assert "学习公文写作" not in client.get(f"/cadres/learn/plan/{YEAR}").get_data(as_text=True)
    auth.logout()

    auth.login("learn")
    client.post(f"/me/plan/{YEAR}", data={
        "goals": "## 目标\n\n学习公文写作", "target_hours": "90", "target_days": "12",
        "course_ids": [str(gongwen), str(yingji)], "submit": "1"})
    plan = _plan(app, district["learner"])
    assert (plan.status, plan.target_hours, plan.course_ids) == ("submitted", 90.0,
                                                                 [gongwen, yingji])
    auth.logout()

    auth.login("ua1")
    queue = client.get("/admin/records/plans").get_data(as_text=True)
    assert "李学员" in queue
    review = client.get(f"/cadres/learn/plan/{YEAR}").get_data(as_text=True)
    assert "<h2" in review and "学习公文写作" in review
    client.post(f"/cadres/learn/plan/{YEAR}", data={"comment": "", "send_back": "1"})
    assert _plan(app, district["learner"]).status == "submitted"  # a return needs a reason
    client.post(f"/cadres/learn/plan/{YEAR}",
                data={"comment": "请增加应急管理内容", "send_back": "1"})
    assert _plan(app, district["learner"]).status == "returned"
    auth.logout()

    auth.login("learn")
    assert "请增加应急管理内容" in client.get(f"/me/plan/{YEAR}").get_data(as_text=True)
    client.post(f"/me/plan/{YEAR}", data={
        "goals": "学习公文写作和应急管理", "target_hours": "100", "target_days": "12",
        "course_ids": [str(gongwen), str(yingji)], "submit": "1"})
    assert _plan(app, district["learner"]).status == "submitted"
    auth.logout()
    auth.login("ua1")
    client.post(f"/cadres/learn/plan/{YEAR}", data={"comment": "同意", "approve": "1"})
    auth.logout()
    plan = _plan(app, district["learner"])
    assert (plan.status, plan.target_hours, plan.comment) == ("approved", 100.0, "同意")
    assert plan.reviewed_by_id == district["unit_admin"]

    # Approved: the cadre can no longer change it.
    auth.login("learn")
    client.post(f"/me/plan/{YEAR}", data={"goals": "改", "target_hours": "1", "save": "1"})
    assert _plan(app, district["learner"]).target_hours == 100.0
    assert "<textarea" not in client.get(f"/me/plan/{YEAR}").get_data(as_text=True)
    assert _actions(app, district["learner"]) == ["plan.submit", "plan.return", "plan.submit",
                                                  "plan.approve"]
    with app.app_context():
        returned = db.session.scalar(select(AuditEvent).filter_by(action="plan.return"))
        assert returned.reason == "请增加应急管理内容"
        assert returned.actor_id == district["unit_admin"]
        assert chain.verify().findings == []


def test_plans_out_of_scope_are_not_found(app, client, auth, district, courses):
    auth.login("learn")
    client.post(f"/me/plan/{YEAR}", data={"goals": "我的学习目标", "target_hours": "90",
                                          "submit": "1"})
    auth.logout()
    for username in ("ua2", "c1", "lect"):
        auth.login(username)
        assert client.get(f"/cadres/learn/plan/{YEAR}").status_code == 404
        assert client.post(f"/cadres/learn/plan/{YEAR}",
                           data={"approve": "1"}).status_code == 404
        auth.logout()
    auth.login("ua2")
    assert "李学员" not in client.get("/admin/records/plans").get_data(as_text=True)
    assert client.get("/admin/records/plans?unit=JD01").status_code == 404
    auth.logout()
    auth.login("c1")
    assert client.get("/admin/records/plans").status_code == 404
    assert "我的学习目标" not in client.get(f"/me/plan/{YEAR}").get_data(as_text=True)
    assert _plan(app, district["learner"]).status == "submitted"


def test_plan_summary_counts_the_record_and_the_planned_courses(app, district, courses):
    gongwen, yingji, _draft = courses
    with app.app_context():
        from lms.auth.models import User

        learn = db.session.get(User, district["learner"])
        plans.save_plan(learn, YEAR, goals="目标", target_hours=20, target_days=4,
                        course_ids=[yingji, gongwen])
        db.session.add(Enrolment(user_id=learn.id, course_id=gongwen,
                                 completed_at=utcnow() - timedelta(days=1), hours=2.0))
        for kind, hours, days in (("self_study", 8.0, 0.0), ("off_job", 0.0, 2.0)):
            chain.append_entry(RecordEntry(
                user_id=learn.id, kind=kind, title="学习", hours=hours, days=days,
                occurred_on=local_today(), origin="entered",
                dedupe_key=f"test:{kind}"), actor_id=district["unit_admin"])
        db.session.commit()
    with app.app_context(), own_statements(db.engine) as statements:
        summary = plans.plan_summary(district["learner"], YEAR)
    assert len(statements) <= 3
    assert (summary.status, summary.hours, summary.days) == ("draft", 8.0, 2.0)
    assert (summary.hours_percent, summary.days_percent, summary.percent) == (40, 50, 40)
    assert [(c.title, c.completed) for c in summary.courses] == [("突发事件应急", False),
                                                                 ("公文写作", True)]
    with app.app_context():
        assert plans.plan_summary(district["learner"], YEAR - 1) is None
        assert plans.plan_summary(district["cadre_jd01"], YEAR) is None


def test_appraisal_written_then_acknowledged_then_locked(app, client, auth, district):
    url = f"/cadres/learn/appraisal/{YEAR}"
    text = {"strengths": "学习态度端正", "shortcomings": "理论联系实际不够",
            "requirements": "加强政策法规学习"}
    auth.login("learn")  # nothing written yet
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    auth.logout()
    for username in ("ua2", "c1"):
        auth.login(username)
        assert client.get(url).status_code == 404
        assert client.post(url, data=text).status_code == 404
        auth.logout()
    auth.login("ua1")
    client.post(url, data=text)
    client.post(url, data={**text, "requirements": "加强政策法规和应急管理学习"})
    auth.logout()
    with app.app_context():
        appraisal = plans.appraisal_for(district["learner"], YEAR)
        assert appraisal.requirements == "加强政策法规和应急管理学习"
        assert appraisal.author_id == district["unit_admin"]
        assert appraisal.acknowledged_at is None

    auth.login("learn")
    page = client.get(url).get_data(as_text=True)
    assert "学习态度端正" in page and "<textarea" not in page
    assert f"/cadres/learn/appraisal/{YEAR}" in client.get("/me/appraisals").get_data(
        as_text=True)
    client.post(url)  # acknowledge
    auth.logout()
    with app.app_context():
        assert plans.appraisal_for(district["learner"], YEAR).acknowledged_at is not None

    # Locked: the administrator sees it read-only and cannot change it.
    auth.login("ua1")
    assert "<textarea" not in client.get(url).get_data(as_text=True)
    client.post(url, data={**text, "strengths": "改写"})
    auth.logout()
    with app.app_context():
        assert plans.appraisal_for(district["learner"], YEAR).strengths == "学习态度端正"
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.user_id == district["learner"]).order_by(AuditEvent.seq)).all()
        assert [e.action for e in events] == ["appraisal.write", "appraisal.change",
                                              "appraisal.acknowledge"]
        assert events[1].detail["requirements"] == "加强政策法规和应急管理学习"
        assert events[2].actor_id == district["learner"]
        assert events[2].detail["digest"] == events[1].detail["digest"]
        assert chain.verify().findings == []
        assert db.session.scalar(select(db.func.count()).select_from(Appraisal)) == 1


def test_an_administrator_does_not_appraise_themselves(app, client, auth, district):
    auth.login("ua1")  # ua1 is a cadre of JD01: their own page is read-only
    response = client.post(f"/cadres/ua1/appraisal/{YEAR}",
                           data={"strengths": "a", "shortcomings": "b", "requirements": "c"})
    assert response.status_code == 302
    with app.app_context():
        assert plans.appraisal_for(district["unit_admin"], YEAR) is None


def test_the_plans_queue_runs_a_bounded_number_of_queries(app, client, auth, make_user,
                                                          district, page_queries):
    def submit(username: str) -> None:
        auth.login(username)
        client.post(f"/me/plan/{YEAR}", data={"goals": "目标", "target_hours": "90",
                                              "submit": "1"})
        auth.logout()

    submit("learn")
    auth.login("ua1")
    few, _size = page_queries(client, "/admin/records/plans")
    auth.logout()
    for n in range(5):
        make_user(f"jd{n}", "learner", "JD01-SQ01")
        submit(f"jd{n}")
    auth.login("ua1")
    many, _size = page_queries(client, "/admin/records/plans")
    assert many == few
    assert "jd4" in client.get("/admin/records/plans").get_data(as_text=True)
