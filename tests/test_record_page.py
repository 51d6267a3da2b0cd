"""The cadre's record page, its printable form and the read API: what a cadre and their
administrators see, and who may not see it."""
from __future__ import annotations

from datetime import date

import pytest

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.records import chain, status
from lms.records.models import Claim, RecordEntry, RequirementStatus, RuleSet
from tests.records_helpers import add_entry, subject_id
from tests.records_helpers import bearer as token

YEAR = local_today().year


def add_course(app, slug: str = "gongwen-jichu", title: str = "公文写作基础") -> int:
    with app.app_context():
        course = Course(slug=slug, title=title, category_id=subject_id("业务知识"),
                        status="published", hours=2.0)
        db.session.add(course)
        db.session.commit()
        return course.id


def add_course_entry(app, user_id: int, course_id: int, title: str = "公文写作基础",
                     hours: float = 2.0) -> int:
    return add_entry(app, user_id, kind="online_course", title=title, hours=hours,
                     course_id=course_id, source=f"course:{course_id}",
                     subject="业务知识", dedupe_key=f"online_course:{course_id}:{user_id}")


def reverse(app, entry_id: int, actor: int, reason: str) -> int:
    with app.app_context():
        reversal = chain.reverse_entry(db.session.get(RecordEntry, entry_id), actor_id=actor,
                                       reason=reason)
        db.session.commit()
        return reversal.id


def test_my_record_shows_a_completed_course_with_its_hours_and_link(app, client, auth,
                                                                     district):
    course_id = add_course(app)
    add_course_entry(app, district["learner"], course_id, hours=2.5)
    auth.login("learn")
    response = client.get("/me/record")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/cadres/learn/record")
    html = client.get("/cadres/learn/record").get_data(as_text=True)
    assert "李学员" in html and "解放路社区" in html
    assert '<a href="/courses/gongwen-jichu">公文写作基础</a>' in html
    assert "2.5" in html
    # The chart's data travels as JSON beside its table (no inline script runs).
    assert '<script type="application/json" id="record-chart-data">' in html
    assert "record-chart.js" in html
    # A learner gets no administrator buttons.
    assert "/reverse" not in html


def test_year_selector_and_entries_by_year(app, client, auth, district):
    add_entry(app, district["learner"], title="去年的讲座", on=date(YEAR - 2, 6, 1))
    add_entry(app, district["learner"], title="今年的讲座", on=date(YEAR, 2, 1))
    auth.login("learn")
    html = client.get("/cadres/learn/record").get_data(as_text=True)
    assert "今年的讲座" in html and "去年的讲座" not in html
    assert f'<option value="{YEAR - 2}">' in html and f'<option value="{YEAR}" selected>' in html
    old = client.get(f"/cadres/learn/record?year={YEAR - 2}").get_data(as_text=True)
    assert "去年的讲座" in old and "今年的讲座" not in old
    # A year that makes no sense shows this year.
    # A year that is no year is refused, naming the field, never swapped for this year.
    refused = client.get("/cadres/learn/record?year=abc")
    assert refused.status_code == 400 and "year" in refused.get_data(as_text=True)
    assert client.get("/me/record?year=abc").status_code == 400


def test_reversal_and_reversed_entry_both_shown_with_the_reason(app, client, auth, district):
    original = add_entry(app, district["learner"], title="重复登记的讲座", hours=3.0,
                         actor=district["unit_admin"])
    reversal = reverse(app, original, district["unit_admin"], "同一讲座登记了两次")
    corrected = add_entry(app, district["learner"], title="更正后的讲座", hours=2.0,
                          actor=district["unit_admin"], details={"corrects": original},
                          note="同一讲座登记了两次")
    degree = add_entry(app, district["learner"], kind="degree", title="在职公共管理硕士",
                       hours=20, actor=district["unit_admin"],
                       details={"institution": "华中师范大学", "programme": "公共管理",
                                "degree": "硕士"})
    auth.login("learn")
    html = client.get("/cadres/learn/record").get_data(as_text=True)
    row = html.split(f'<tr id="entry-{corrected}"')[1].split("</tr>")[0]
    assert f"{original}" in row and "同一讲座登记了两次" in row  # what it corrects, and why
    row = html.split(f'<tr id="entry-{degree}"')[1].split("</tr>")[0]
    assert "华中师范大学" in row and "公共管理" in row and "硕士" in row
    assert f'<tr id="entry-{original}" class="reversed">' in html
    assert f'<tr id="entry-{reversal}" class="reversal">' in html
    # On the reversal, on the reversed entry and on the corrected entry.
    assert html.count("同一讲座登记了两次") == 3
    assert html.count("重复登记的讲座") == 2
    assert "-3" in html
    # The totals net out: nothing left of that lecture.
    api = client.application.test_client()
    body = api.get("/api/v1/users/learn/record", headers=token(app, district["learner"])
                   ).get_json()
    assert body["totals"]["hours"] == 22.0  # the reversed 3 hours no longer count
    lines = {e["id"]: e for e in body["entries"]}
    assert lines[original]["reversed_by_entry_id"] == reversal
    assert lines[reversal]["reverses_id"] == original
    assert lines[reversal]["reason"] == "同一讲座登记了两次"


def test_totals_by_kind_and_subject(app, client, auth, district):
    course_id = add_course(app)
    add_course_entry(app, district["learner"], course_id, hours=2.0)
    add_entry(app, district["learner"], title="讲座一", hours=1.5)
    add_entry(app, district["learner"], kind="off_job", title="脱产培训", hours=12, days=2,
              actor=district["unit_admin"])
    auth.login("learn")
    body = client.application.test_client().get(
        "/api/v1/users/learn/record", headers=token(app, district["learner"])).get_json()
    assert body["totals"]["hours"] == 15.5 and body["totals"]["days"] == 2
    assert {t["kind"]: t["hours"] for t in body["totals"]["by_kind"]} == {
        "online_course": 2.0, "off_job": 12.0, "lecture": 1.5}
    assert {t["subject"]: t["hours"] for t in body["totals"]["by_subject"]} == {
        "业务知识": 2.0, "政治理论": 13.5}
    html = client.get("/cadres/learn/record").get_data(as_text=True)
    assert "15.5" in html


def test_requirement_statuses_with_what_is_missing(app, client, auth, district):
    add_entry(app, district["learner"], hours=60)
    missing = [{"line": "hours", "need": 90, "have": 60, "unit": "hours"}]
    with app.app_context():
        rule = RuleSet(code="section-yearly", name="科级及以下年度学时", window_years=1,
                       anchor_year=2023, config={})
        other = RuleSet(code="five-years", name="县处级五年学时", window_years=5,
                        anchor_year=2023, config={}, active=False)
        db.session.add_all([rule, other])
        db.session.flush()
        db.session.add_all([
            RequirementStatus(user_id=district["learner"], rule_set_id=rule.id,
                              window_start=YEAR, window_end=YEAR, hours=60, ratio=60 / 90,
                              met=False, missing=missing),
            RequirementStatus(user_id=district["learner"], rule_set_id=rule.id,
                              window_start=YEAR - 1, window_end=YEAR - 1, hours=90, ratio=1,
                              met=True, missing=[]),
            RequirementStatus(user_id=district["learner"], rule_set_id=other.id,
                              window_start=YEAR, window_end=YEAR + 4, hours=60, ratio=0.1,
                              met=False, missing=[])])
        db.session.commit()
    auth.login("learn")
    html = client.get("/cadres/learn/record").get_data(as_text=True)
    with app.test_request_context():
        expected = status.describe(missing[0])
        label = str(status.LABEL_TEXT[status.label(
            RequirementStatus(met=False, ratio=60 / 90, window_start=YEAR, window_end=YEAR),
            local_today())])
    assert "科级及以下年度学时" in html and expected in html and label in html
    assert "县处级五年学时" not in html  # an inactive rule set
    body = client.application.test_client().get(
        f"/api/v1/users/learn/record?year={YEAR - 1}",
        headers=token(app, district["learner"])).get_json()
    assert [(r["rule_set"]["code"], r["status"], r["missing"]) for r in body["requirements"]] \
        == [("section-yearly", "met", [])]
    body = client.application.test_client().get(
        "/api/v1/users/learn/record", headers=token(app, district["learner"])).get_json()
    assert body["requirements"][0]["missing"][0]["need"] == 90
    assert body["requirements"][0]["missing"][0]["text"]


def test_pending_and_rejected_claims_shown_with_reasons(app, client, auth, district):
    with app.app_context():
        db.session.add_all([
            Claim(user_id=district["learner"], kind="self_study", title="自学《民法典》",
                  hours=4, ended_on=date(YEAR, 4, 1), status="pending"),
            Claim(user_id=district["learner"], kind="lecture", title="外单位讲座",
                  hours=2, ended_on=date(YEAR, 4, 2), status="rejected",
                  reason="证明材料不清晰", reviewed_by_id=district["unit_admin"]),
            Claim(user_id=district["learner"], kind="lecture", title="已核实的讲座",
                  hours=2, ended_on=date(YEAR, 4, 3), status="verified")])
        db.session.commit()
    auth.login("learn")
    html = client.get("/cadres/learn/record").get_data(as_text=True)
    assert "自学《民法典》" in html and "外单位讲座" in html and "证明材料不清晰" in html
    assert "已核实的讲座" not in html  # a verified claim is an entry, not a claim


@pytest.mark.parametrize("path", ["/cadres/{u}/record", "/cadres/{u}/record/print",
                                  "/cadres/{u}/record.pdf", "/cadres/{u}/record/xapi.json"])
def test_a_learner_cannot_read_another_learners_record(client, auth, district, path):
    auth.login("learn")
    assert client.get(path.format(u="c1")).status_code == 404
    assert client.get(path.format(u="nobody")).status_code == 404
    assert client.get(path.format(u="learn")).status_code == 200


def test_api_scope(app, client, district):
    add_entry(app, district["learner"], title="讲座")
    for who, username, code in (
            ("learner", "c1", 404), ("learner", "learn", 200), ("unit_admin2", "learn", 404),
            ("unit_admin2", "c2", 200), ("unit_admin", "learn", 200),
            ("unit_admin", "c2", 404), ("org_admin", "learn", 200),
            ("org_admin", "c2", 200), ("lecturer", "learn", 404)):
        headers = token(app, district[who])
        for path in ("record", "record/xapi"):
            response = client.get(f"/api/v1/users/{username}/{path}", headers=headers)
            assert response.status_code == code, (who, username, path)
            if code == 404:
                assert response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/users/learn/record").status_code == 401
    bad = client.get("/api/v1/users/learn/record?year=20x4",
                     headers=token(app, district["learner"]))
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "year"


def test_unit_admin_of_another_street_cannot_read_the_record_pages(client, auth, district):
    auth.login("ua2")
    for path in ("/cadres/c1/record", "/cadres/learn/record/print", "/cadres/learn/record.pdf",
                 "/cadres/c1/record/xapi.json"):
        assert client.get(path).status_code == 404, path
    assert client.get("/cadres/c2/record").status_code == 200


def test_org_admin_reads_any_record_and_unit_admin_their_subtree(app, client, auth, district):
    add_entry(app, district["learner"], title="社区讲座")
    auth.login("org")
    assert "社区讲座" in client.get("/cadres/learn/record").get_data(as_text=True)
    assert client.get("/cadres/c2/record").status_code == 200
    auth.logout()
    auth.login("ua1")
    assert "社区讲座" in client.get("/cadres/learn/record").get_data(as_text=True)


def test_print_view_is_the_official_form_without_navigation(app, client, auth, district):
    course_id = add_course(app)
    add_course_entry(app, district["learner"], course_id)
    auth.login("learn")
    html = client.get("/cadres/learn/record/print").get_data(as_text=True)
    assert 'id="site-nav"' not in html and "css/print.css" in html
    assert "css/app.css" not in html
    assert "李学员" in html and "公文写作基础" in html and "学时" in html


def test_record_page_queries_do_not_grow_with_entries(app, client, auth, district,
                                                      page_queries):
    course_id = add_course(app)
    add_course_entry(app, district["learner"], course_id)
    for n in range(4):
        add_entry(app, district["learner"], title=f"讲座{n}", actor=district["unit_admin"])
    auth.login("learn")
    few, _size = page_queries(client, "/cadres/learn/record")
    with app.app_context():
        for n in range(195):
            chain.append_entry(RecordEntry(
                user_id=district["learner"], kind="lecture", title=f"批量讲座{n}", hours=1,
                subject_id=subject_id(), occurred_on=date(YEAR, 1 + n % 12, 1),
                origin="entered", entered_by_id=district["unit_admin"],
                dedupe_key=f"bulk:{n}"), actor_id=district["unit_admin"])
        db.session.commit()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(RecordEntry.id))) == 200
    many, size = page_queries(client, "/cadres/learn/record")
    assert many == few
    html = client.get("/cadres/learn/record").get_data(as_text=True)
    assert "批量讲座194" in html
    auth.logout()
    auth.login("ua1")  # an administrator's page (with its buttons) is bounded too
    admin_few = page_queries(client, f"/cadres/learn/record?year={YEAR - 1}")[0]
    admin_many = page_queries(client, "/cadres/learn/record")[0]
    assert admin_many <= admin_few + 1  # +1: the year with entries reads its reversals


def test_entries_list_is_paginated(app, client, auth, district, monkeypatch):
    from lms.records import record_data
    monkeypatch.setattr(record_data, "PAGE_SIZE", 3)
    for n in range(5):
        add_entry(app, district["learner"], title=f"讲座{n}", on=date(YEAR, 1, 1 + n))
    auth.login("learn")
    first = client.get("/cadres/learn/record").get_data(as_text=True)
    assert "讲座0" in first and "讲座2" in first and "讲座3" not in first
    assert 'rel="next"' in first
    second = client.get("/cadres/learn/record?page=2").get_data(as_text=True)
    assert "讲座3" in second and "讲座4" in second and "讲座0" not in second


def test_plan_progress_reading_and_appraisal_beside_the_record(app, client, auth, district):
    from lms.records import plans, reading

    course_id = add_course(app)
    add_course_entry(app, district["learner"], course_id, hours=30)
    with app.app_context():
        learner = db.session.get(User, district["learner"])
        plans.save_plan(learner, YEAR, goals="学好公文写作", target_hours=60, target_days=0,
                        course_ids=[course_id], submit=True)
        reading.add_item(YEAR, title="习近平谈治国理政", author="习近平")
        reading.publish_year(YEAR, district["org_admin"])
        plans.write_appraisal(district["learner"], YEAR,
                              db.session.get(User, district["unit_admin"]),
                              strengths="学习主动", shortcomings="理论联系实际不够",
                              requirements="加强调查研究")
        db.session.commit()
    auth.login("learn")
    html = client.get("/cadres/learn/record").get_data(as_text=True)
    assert '<progress max="100" value="50"' in html  # 30 of the 60 study hours planned
    assert 'href="/courses/gongwen-jichu"' in html
    assert "习近平谈治国理政" in html
    for text in ("学习主动", "理论联系实际不够", "加强调查研究"):
        assert text in html
    printed = client.get("/cadres/learn/record/print").get_data(as_text=True)
    assert "学习主动" in printed and "习近平谈治国理政" in printed


def test_administrators_get_the_record_buttons(app, client, auth, district):
    entry = add_entry(app, district["learner"], title="讲座", actor=district["unit_admin"])
    auth.login("ua1")
    html = client.get("/cadres/learn/record").get_data(as_text=True)
    assert f'href="/cadres/learn/appraisal/{YEAR}"' in html
    assert 'href="/cadres/learn/record/entries/new"' in html
    assert f'href="/record/entries/{entry}/reverse"' in html
    auth.logout()
    auth.login("learn")
    html = client.get("/cadres/learn/record").get_data(as_text=True)
    assert "/appraisal/" not in html and "/record/entries/" not in html


def test_national_defaults_computed_as_entries_arrive_show_on_the_page(app, client, auth,
                                                                      district):
    from lms.records import rules

    with app.app_context():
        rules.seed_defaults()
        db.session.commit()
    add_entry(app, district["learner"], title="专题讲座", hours=10, actor=district["unit_admin"])
    with app.app_context():
        rows = db.session.scalars(db.select(RequirementStatus).filter_by(
            user_id=district["learner"]).where(RequirementStatus.window_start <= YEAR,
                                               RequirementStatus.window_end >= YEAR)).all()
        assert rows  # the rules computed the learner's statuses
        with app.test_request_context():
            expected = [(r.rule_set.name, status.describe(r.missing[0]))
                        for r in rows if r.missing]
    auth.login("learn")
    html = client.get("/cadres/learn/record").get_data(as_text=True)
    for name, missing in expected:
        assert name in html and missing in html


def test_printable_record_is_bounded_and_says_so(app, client, auth, district, monkeypatch):
    from lms.records import record_views

    monkeypatch.setattr(record_views, "PRINT_SIZE", 3)
    for n in range(4):
        add_entry(app, district["learner"], title=f"讲座{n}", on=date(YEAR, 1, 1 + n))
    auth.login("learn")
    html = client.get("/cadres/learn/record/print").get_data(as_text=True)
    assert "讲座2" in html and "讲座3" not in html
    with app.test_request_context():
        from flask_babel import gettext
        notice = gettext("Only the first %(n)d entries are printed; the record page lists "
                         "them all.", n=3)
    assert notice in html
    assert "讲座3" in client.get("/cadres/learn/record").get_data(as_text=True)
