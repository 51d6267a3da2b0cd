"""Study plans (drafted by the cadre, reviewed by the unit administrator, progress beside the
record) and written appraisals (written in scope, acknowledged by the cadre, then locked)."""
from __future__ import annotations

import hashlib
import re
import threading
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from lms.auth.models import User
from lms.catalog.models import Course, SubjectCategory
from lms.core.timeutil import local_today, utcnow
from lms.extensions import db
from lms.progress.models import Enrolment
from lms.records import chain, plans, rules
from lms.records.models import Appraisal, AuditEvent, RecordEntry, RuleSet, StudyPlan
from tests.conftest import own_statements

# What an administrator of a street reads where they would decide on their own learning.
OWN = ("This is your own learning. Another administrator above you decides this: the "
       "organisation department.")
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


def _shown_digest(page: str) -> str:
    """The fingerprint of the appraisal that the acknowledgement form carries."""
    found = re.search(r'name="digest" type="hidden" value="([0-9a-f]*)"', page) or re.search(
        r'type="hidden" name="digest" value="([0-9a-f]*)"', page)
    assert found, "the acknowledgement form carries no digest"
    return found.group(1)


def _actions(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.user_id == user_id).order_by(AuditEvent.seq)))



def _notices(app, user_id: int) -> list[tuple[str, str, str]]:
    """The user's notices (kind, message, link), oldest first."""
    from lms.progress.models import Notice

    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(Notice.kind, Notice.message, Notice.link)
            .where(Notice.user_id == user_id).order_by(Notice.id))]

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
    # The cadre was told of each decision.
    assert _notices(app, district["learner"]) == [
        ("study_plan", f"您的{YEAR}年度学习计划已退回修改：请增加应急管理内容", f"/me/plan/{YEAR}"),
        ("study_plan", f"您的{YEAR}年度学习计划已通过审核。同意", f"/me/plan/{YEAR}")]
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
    assert _notices(app, district["learner"]) == [
        ("study_plan", f"您的{YEAR}年度鉴定已写好，请查阅并确认。", "/me/appraisals"),
        ("study_plan", f"您的{YEAR}年度鉴定已修改，请重新查阅并确认。", "/me/appraisals")]

    auth.login("learn")
    page = client.get(url).get_data(as_text=True)
    assert "学习态度端正" in page and "<textarea" not in page
    assert f"/cadres/learn/appraisal/{YEAR}" in client.get("/me/appraisals").get_data(
        as_text=True)
    client.post(url, data={"digest": _shown_digest(page)})  # acknowledge what was read
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


# ---- fingerprints, races, the course list, own plans, tables -------------------------------

def test_an_appraisal_changed_after_the_cadre_opened_it_is_not_acknowledged(app, client, auth,
                                                                           district):
    url = f"/cadres/learn/appraisal/{YEAR}"
    text = {"strengths": "学习态度端正", "shortcomings": "理论联系实际不够",
            "requirements": "加强政策法规学习"}
    auth.login("ua1")
    client.post(url, data=text)
    auth.logout()
    auth.login("learn")
    seen = _shown_digest(client.get(url + "?lang=en").get_data(as_text=True))
    auth.logout()
    auth.login("ua1")  # the administrator rewrites it meanwhile
    client.post(url, data={**text, "shortcomings": "学习时间投入不足"})
    auth.logout()
    auth.login("learn")
    for digest in (seen, "", "0" * 64):
        page = client.post(url + "?lang=en", data={"digest": digest}, follow_redirects=True)
        assert "The appraisal has changed since you opened it" in page.get_data(as_text=True)
    with app.app_context():
        assert plans.appraisal_for(district["learner"], YEAR).acknowledged_at is None
    page = client.get(url).get_data(as_text=True)  # read again: now it can be acknowledged
    assert "学习时间投入不足" in page
    client.post(url, data={"digest": _shown_digest(page)})
    with app.app_context():
        appraisal = plans.appraisal_for(district["learner"], YEAR)
        assert appraisal.acknowledged_at is not None
        event = db.session.scalar(select(AuditEvent).filter_by(action="appraisal.acknowledge"))
        assert event.detail["digest"] == plans.digest(appraisal) == _shown_digest(page)


def _plan_digest(goals: str, hours: str, days: str, courses: str) -> str:
    return hashlib.sha256("\x1f".join((goals, hours, days, courses)).encode()).hexdigest()


def test_plan_decisions_keep_a_fingerprint_of_the_plan(app, client, auth, district, courses):
    gongwen, yingji, _draft = courses
    auth.login("learn")
    client.post(f"/me/plan/{YEAR}", data={"goals": "学习公文写作", "target_hours": "90",
                                          "target_days": "12", "course_ids": [str(gongwen)],
                                          "submit": "1"})
    auth.logout()
    auth.login("ua1")
    client.post(f"/cadres/learn/plan/{YEAR}", data={"comment": "请补充", "send_back": "1"})
    auth.logout()
    auth.login("learn")
    client.post(f"/me/plan/{YEAR}", data={"goals": "学习公文写作和应急", "target_hours": "100.5",
                                          "target_days": "12",
                                          "course_ids": [str(gongwen), str(yingji)],
                                          "submit": "1"})
    auth.logout()
    auth.login("ua1")
    client.post(f"/cadres/learn/plan/{YEAR}", data={"comment": "同意", "approve": "1"})
    first = _plan_digest("学习公文写作", "90", "12", f"{gongwen}")
    second = _plan_digest("学习公文写作和应急", "100.5", "12", f"{gongwen},{yingji}")
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("plan.%")).order_by(AuditEvent.seq)).all()
        assert [(e.action, e.detail["digest"]) for e in events] == [
            ("plan.submit", first), ("plan.return", first), ("plan.submit", second),
            ("plan.approve", second)]
        db.session.execute(StudyPlan.__table__.update().values(target_hours=10.0))
        db.session.commit()
        assert plans.plan_digest(plans.plan_of(district["learner"], YEAR)) != second


def _in_two_transactions(app, first_write, second_write) -> list[Exception]:
    """Run `first_write` and hold its transaction open while `second_write` starts in another
    one; then commit both. Returns the errors raised."""
    started, go, errors = threading.Event(), threading.Event(), []

    def run(write, hold: bool) -> None:
        with app.app_context():
            try:
                write()
                if hold:
                    started.set()
                    go.wait(10)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                started.set()
            finally:
                db.session.remove()

    one = threading.Thread(target=run, args=(first_write, True))
    one.start()
    assert started.wait(10)
    two = threading.Thread(target=run, args=(second_write, False))
    two.start()
    two.join(0.5)  # it waits for the first transaction's lock
    go.set()
    one.join()
    two.join()
    return errors


def test_two_first_plans_and_appraisals_at_once_write_one_each(app, district, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrent transactions need PostgreSQL")

    def plan(goals: str):
        def write() -> None:
            plans.save_plan(db.session.get(User, district["learner"]), YEAR, goals=goals,
                            target_hours=90, target_days=0, course_ids=[])
        return write

    def appraisal(strengths: str, author: str):
        def write() -> None:
            plans.write_appraisal(district["learner"], YEAR, db.session.get(User, author),
                                  strengths=strengths, shortcomings="不足", requirements="要求")
        return write

    assert _in_two_transactions(app, plan("一"), plan("二")) == []
    assert _in_two_transactions(app, appraisal("甲", district["unit_admin"]),
                                appraisal("乙", district["org_admin"])) == []
    with app.app_context():
        assert [p.goals for p in db.session.scalars(select(StudyPlan))] == ["二"]
        assert [a.strengths for a in db.session.scalars(select(Appraisal))] == ["乙"]
        assert [e.action for e in db.session.scalars(select(AuditEvent).order_by(
            AuditEvent.seq))] == ["appraisal.write", "appraisal.change"]


@contextmanager
def _written_meanwhile(model, values: dict):
    """Just before the request's session first writes a `model` row, another connection
    writes and commits one for the same cadre and year (a concurrent request, as SQLite
    would let it happen)."""
    done: list[bool] = []

    def before_flush(session, _context, _instances) -> None:
        if not done and any(isinstance(o, model) for o in session.new):
            done.append(True)
            with db.engine.begin() as conn:
                conn.execute(model.__table__.insert().values(**values))

    event.listen(db.session, "before_flush", before_flush)
    try:
        yield done
    finally:
        event.remove(db.session, "before_flush", before_flush)


def test_a_plan_or_appraisal_saved_at_the_same_moment_is_a_message_not_an_error(
        app, client, auth, district):
    auth.login("learn")
    with app.app_context(), _written_meanwhile(StudyPlan, dict(
            user_id=district["learner"], year=YEAR, goals="另一个请求", status="draft",
            course_ids=[], updated_at=utcnow())) as done:
        page = client.post(f"/me/plan/{YEAR}?lang=en", data={"goals": "我的", "save": "1"})
    assert done and page.status_code == 200
    assert "Someone saved this at the same moment" in page.get_data(as_text=True)
    auth.logout()
    auth.login("ua1")
    with app.app_context(), _written_meanwhile(Appraisal, dict(
            user_id=district["learner"], year=YEAR, strengths="甲", shortcomings="乙",
            requirements="丙", author_id=district["org_admin"], written_at=utcnow())) as done:
        page = client.post(f"/cadres/learn/appraisal/{YEAR}?lang=en", data={
            "strengths": "a", "shortcomings": "b", "requirements": "c"})
    assert done and page.status_code == 200
    assert "Someone saved this at the same moment" in page.get_data(as_text=True)
    with app.app_context():
        assert [p.goals for p in db.session.scalars(select(StudyPlan))] == ["另一个请求"]
        assert [a.strengths for a in db.session.scalars(select(Appraisal))] == ["甲"]


CHECKBOX = re.compile(r'name="course_ids" type="checkbox" value="(\d+)"'
                      r'|type="checkbox" name="course_ids" value="(\d+)"'
                      r'|<input[^>]*name="course_ids"[^>]*value="(\d+)"')


def _offered(html: str) -> list[int]:
    return [int(next(g for g in m if g)) for m in CHECKBOX.findall(html)]


def test_the_plan_form_offers_a_bounded_list_of_courses(app, client, auth, district):
    with app.app_context():
        subject = db.session.scalar(select(SubjectCategory.id).limit(1))
        many = [Course(slug=f"c{n:02d}", title=f"课程{n:02d}", category_id=subject,
                       status="published", hours=1.0) for n in range(40)]
        required = Course(slug="bixiu", title="Z必修课", category_id=subject,
                          status="published", required=True, hours=1.0)
        enrolled = Course(slug="baoming", title="Z已报名课", category_id=subject,
                          status="published", hours=1.0)
        ruled = Course(slug="guiding", title="Z规定课", category_id=subject,
                       status="published", hours=1.0)
        db.session.add_all([*many, required, enrolled, ruled])
        db.session.flush()
        db.session.add(Enrolment(user_id=district["learner"], course_id=enrolled.id,
                                 source="assigned"))
        db.session.commit()
        rules.save(RuleSet(), {"code": "req", "name": "必修", "window_years": 1,
                               "anchor_year": 2023, "effective_from": date(2023, 1, 1),
                               "config": {"required_courses": [ruled.id],
                                          "conversions": {}}},
                   actor_id=None, reason="test")
        db.session.commit()
        ids = {c.title: c.id for c in (*many, required, enrolled, ruled)}
    auth.login("learn")
    url = f"/me/plan/{YEAR}?lang=en"
    offered = _offered(client.get(url).get_data(as_text=True))
    assert len(offered) == plans.SUGGESTED_MAX
    assert offered[:3] == [ids["Z规定课"], ids["Z必修课"], ids["Z已报名课"]]
    assert ids["课程39"] not in offered
    # A search adds what it finds and keeps what was typed; nothing is saved yet.
    page = client.post(url, data={"goals": "我的目标", "course_q": "课程39", "find": "1",
                                  "course_ids": [str(ids["Z必修课"])]}).get_data(as_text=True)
    assert ids["课程39"] in _offered(page) and "我的目标" in page
    with app.app_context():
        assert plans.plan_of(district["learner"], YEAR) is None
    client.post(url, data={"goals": "我的目标", "save": "1",
                           "course_ids": [str(ids["Z必修课"]), str(ids["课程39"])]})
    with app.app_context():
        assert plans.plan_of(district["learner"], YEAR).course_ids == [ids["Z必修课"],
                                                                       ids["课程39"]]
        # The course is withdrawn from the catalogue: it stays in the plan, shown as such.
        db.session.get(Course, ids["课程39"]).status = "archived"
        db.session.get(Course, ids["课程00"]).status = "archived"
        db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "课程39 (no longer published)" in page and _offered(page)[:2] == [
        ids["Z必修课"], ids["课程39"]]
    client.post(url, data={"goals": "改过的目标", "save": "1",
                           "course_ids": [str(ids["Z必修课"]), str(ids["课程39"])]})
    with app.app_context():
        plan = plans.plan_of(district["learner"], YEAR)
        assert (plan.goals, plan.course_ids) == ("改过的目标", [ids["Z必修课"], ids["课程39"]])
        with pytest.raises(plans.PlanError):  # a withdrawn course cannot be added anew
            plans.save_plan(db.session.get(User, district["learner"]), YEAR, goals="x",
                            target_hours=0, target_days=0,
                            course_ids=[ids["课程39"], ids["课程00"]])


def test_an_administrators_own_plan_waits_for_another_reviewer(app, client, auth, district):
    auth.login("ua1")  # ua1 is a cadre of JD01 as well
    client.post(f"/me/plan/{YEAR}?lang=en", data={"goals": "管理员的计划", "submit": "1"})
    queue = client.get("/admin/records/plans?lang=en").get_data(as_text=True)
    assert OWN in queue
    page = client.get(f"/cadres/ua1/plan/{YEAR}?lang=en").get_data(as_text=True)
    assert OWN in page
    assert 'name="approve"' not in page
    auth.logout()
    auth.login("org")
    queue = client.get("/admin/records/plans?lang=en").get_data(as_text=True)
    assert "ua1" in queue and "your own" not in queue


def test_the_plans_queue_finds_cadres_by_name(app, client, auth, make_user, district):
    for username in ("learn", "c1"):
        auth.login(username)
        client.post(f"/me/plan/{YEAR}", data={"goals": "目标", "submit": "1"})
        auth.logout()
    auth.login("ua1")
    page = client.get("/admin/records/plans?q=学员").get_data(as_text=True)
    assert "李学员" in page and "王一" not in page
    page = client.get("/admin/records/plans?q=c1").get_data(as_text=True)
    assert "王一" in page and "李学员" not in page


def test_plan_tables_scroll_in_focusable_labelled_regions(app, client, auth, district):
    from tests.test_reading_notes import assert_tables_scroll_in_labelled_regions

    auth.login("ua1")
    client.post(f"/cadres/learn/appraisal/{YEAR}", data={
        "strengths": "a", "shortcomings": "b", "requirements": "c"})
    assert assert_tables_scroll_in_labelled_regions(
        client.get("/admin/records/plans").get_data(as_text=True)) == 1
    auth.logout()
    auth.login("learn")
    assert assert_tables_scroll_in_labelled_regions(
        client.get("/me/appraisals").get_data(as_text=True)) == 1
