"""The year's training plan: starting, editing and publishing it, planned against actual
worked out by hand, scope, bad input, bounded queries and the export."""
from __future__ import annotations

import io

import openpyxl
import pytest

from lms.audit.models import AdminEvent
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.progress.models import Notice
from lms.training.models import PlanItem, TrainingPlan
from lms.training.plan import services
from tests.training_factories import item_ids, make_class, make_plan

YEAR = local_today().year
PAGE = "/training/plan"
A = {"category": "young", "title": "中青年干部培训班", "planned_classes": 2,
     "planned_trainees": 80, "budget_fen": 10_000_00}
B = {"category": "section_level", "title": "科股级干部培训班", "planned_classes": 3,
     "planned_trainees": 100, "budget_fen": 20_000_00}


@pytest.fixture
def world(app, district, make_unit, make_user):
    """The district's published plan with items A and B, and classes worked out by hand:

    A: closed (2 completed, 1 absent; 3,000 + 1,000 spent), filed (1 completed, 1 withdrawn;
       2,000 spent), running (1 completed, 500 spent: under way, not counted);
    B: a draft (nothing counted);
    no item: a closed class of JD01 this year (1 completed, 700 spent: "unplanned"), one of
    last year and one of another district (neither counted).
    """
    make_unit("QU9", "白水区", "district")
    make_user("org9", "org_admin", "QU9")
    with app.app_context():
        plan_id = make_plan("QU", YEAR, [A, B])
        a, b = item_ids(plan_id)
        make_class("JD01", YEAR, "closed", item_id=a, outcomes=("completed", "completed",
                                                                 "absent"),
                   planned={"tuition": 5_000_00}, actual={"tuition": 3_000_00,
                                                           "accommodation": 1_000_00})
        make_class("JD02", YEAR, "filed", item_id=a, outcomes=("completed", "withdrawn"),
                   actual={"materials": 2_000_00})
        make_class("QU", YEAR, "running", item_id=a, outcomes=("completed",),
                   actual={"tuition": 500_00})
        make_class("QU", YEAR, "draft", item_id=b, outcomes=("completed",),
                   actual={"tuition": 900_00})
        make_class("JD01", YEAR, "closed", outcomes=("completed",), actual={"other": 700_00})
        make_class("JD01", YEAR - 1, "closed", outcomes=("completed",), actual={"other": 1})
        make_class("QU9", YEAR, "closed", outcomes=("completed",), actual={"other": 1})
    return {"plan": plan_id, "a": a, "b": b}


def test_planned_against_actual_worked_out_by_hand(app, world):
    with app.test_request_context():
        report = services.plan_report(db.session.get(TrainingPlan, world["plan"]))
        a, b = report.lines
        assert (a.actual.classes, a.actual.trainees, a.actual.funds_fen, a.actual.under_way) \
            == (2, 3, 6_000_00, 1)
        assert (a.classes_pct, a.trainees_pct, a.funds_pct) == (100, 4, 60)
        assert (b.actual.classes, b.actual.trainees, b.actual.funds_fen, b.actual.under_way) \
            == (0, 0, 0, 0)
        assert b.classes_pct == 0
        u = report.unplanned
        assert (u.actual.classes, u.actual.trainees, u.actual.funds_fen) == (1, 1, 700_00)
        assert u.classes_pct is None  # nothing planned
        t = report.total
        assert (t.planned_classes, t.planned_trainees, t.budget_fen) == (5, 180, 30_000_00)
        assert (t.actual.classes, t.actual.trainees, t.actual.funds_fen, t.actual.under_way) \
            == (3, 4, 6_700_00, 1)
        assert t.classes_pct == 60


def test_the_page_shows_the_figures_to_the_district(client, auth, world):
    auth.login("ua1")  # a street reads the district's published plan
    html = client.get(f"{PAGE}?year={YEAR}").get_data(as_text=True)
    assert "中青年干部培训班" in html and "6,000" in html and "6,700" in html
    assert 'data-under-way>1<' in html
    assert "plan_item_edit" not in html and "/items/new" not in html  # not theirs to edit


def test_invalid_year_is_a_400_and_another_district_is_not_found(client, auth, world):
    auth.login("org")
    assert client.get(f"{PAGE}?year=abc").status_code == 400
    assert client.get(f"{PAGE}?year=1800").status_code == 400
    auth.logout()
    auth.login("org9")
    assert client.get(f"{PAGE}?year={YEAR}&unit=QU").status_code == 404
    assert client.get(f"/training/plan/export.xlsx?year={YEAR}&unit=QU").status_code == 404
    assert client.post(f"/training/plan/{world['plan']}/items/new",
                       data={}).status_code == 404
    assert client.post(f"/training/plan/items/{world['a']}/edit", data={}).status_code == 404
    # Their own district has no plan yet: they may start one.
    assert "开始制订" in client.get(f"{PAGE}?year={YEAR}").get_data(as_text=True)


def test_start_edit_and_publish(app, client, auth, district):
    auth.login("ua1")
    assert client.post("/training/plan/new", data={"year": YEAR, "unit": "QU",
                                                   "title": "x"}).status_code == 404
    auth.logout()
    auth.login("org")
    assert "开始制订" in client.get(f"{PAGE}?year={YEAR}").get_data(as_text=True)
    response = client.post("/training/plan/new", data={"year": YEAR, "unit": "QU",
                                                       "title": "青山区年度干部教育培训计划"})
    assert response.status_code == 302
    with app.app_context():
        plan = db.session.scalar(db.select(TrainingPlan))
        plan_id = plan.id
        assert (plan.status, plan.year) == ("draft", YEAR)
    # Bad input: a budget that is not money names the field, nothing is written.
    bad = client.post(f"/training/plan/{plan_id}/items/new", data={
        "category": "young", "title": "中青年干部培训班", "planned_classes": "2",
        "planned_trainees": "80", "budget": "十万"})
    assert bad.status_code == 200 and "预算（元）不是有效金额" in bad.get_data(as_text=True)
    bad = client.post(f"/training/plan/{plan_id}/items/new", data={
        "category": "nope", "title": "x", "planned_classes": "-1", "planned_trainees": "1"})
    assert bad.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PlanItem.id))) == 0
    for values in ({"category": "young", "title": "中青年干部培训班", "planned_classes": "2",
                    "planned_trainees": "80", "budget": "100,000"},
                   {"category": "informant", "title": "信息员培训", "planned_classes": "1",
                    "planned_trainees": "40", "budget": "8000.5", "note": "街道、区直单位"}):
        assert client.post(f"/training/plan/{plan_id}/items/new",
                           data=values).status_code == 302
    with app.app_context():
        items = list(db.session.scalars(db.select(PlanItem).order_by(PlanItem.position)))
        assert [(i.title, i.budget_fen) for i in items] == [("中青年干部培训班", 10_000_000),
                                                            ("信息员培训", 800_050)]
        first, second = items[0].id, items[1].id
    # A draft is the department's alone.
    auth.logout()
    auth.login("ua1")
    assert "尚未发布" in client.get(f"{PAGE}?year={YEAR}").get_data(as_text=True)
    assert client.get(f"/training/plan/export.xlsx?year={YEAR}").status_code == 404
    auth.logout()
    auth.login("org")
    client.post(f"/training/plan/items/{second}/move", data={"direction": "up"})
    client.post(f"/training/plan/items/{first}/edit", data={
        "category": "young", "title": "中青年干部研修班", "planned_classes": "3",
        "planned_trainees": "90", "budget": "120000"})
    assert client.post(f"/training/plan/items/{first}/move",
                       data={"direction": "sideways"}).status_code == 400
    with app.app_context():
        items = list(db.session.scalars(db.select(PlanItem).order_by(PlanItem.position)))
        assert [i.title for i in items] == ["信息员培训", "中青年干部研修班"]
        assert items[1].budget_fen == 12_000_000
    client.post(f"/training/plan/{plan_id}/publish")
    with app.app_context():
        assert db.session.get(TrainingPlan, plan_id).status == "published"
        told = set(db.session.scalars(db.select(Notice.user_id).where(
            Notice.kind == "class_plan")))
        assert told == {district["unit_admin"], district["unit_admin2"]}
        changes = [e.detail["change"] for e in db.session.scalars(
            db.select(AdminEvent).where(AdminEvent.action == "training.plan")
            .order_by(AdminEvent.seq))]
        assert changes == ["create", "item_add", "item_add", "item_move", "item_edit",
                           "publish"]
    # Published: still changeable, each change audited, and the page says so.
    html = client.get(f"{PAGE}?year={YEAR}").get_data(as_text=True)
    assert "审计日志" in html
    client.post(f"/training/plan/items/{second}/delete")
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(PlanItem.id))) == 1
        last = db.session.scalar(db.select(AdminEvent).order_by(AdminEvent.seq.desc()))
        assert last.detail["change"] == "item_remove" and last.detail["status"] == "published"
    auth.logout()
    auth.login("ua1")
    assert "中青年干部研修班" in client.get(f"{PAGE}?year={YEAR}").get_data(as_text=True)


def test_an_item_with_classes_is_not_removed(app, client, auth, world):
    auth.login("org")
    response = client.post(f"/training/plan/items/{world['a']}/delete", follow_redirects=True)
    assert "请先" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PlanItem, world["a"]) is not None


def test_a_street_cannot_edit_or_publish(client, auth, world):
    auth.login("ua1")
    assert client.post(f"/training/plan/{world['plan']}/publish").status_code == 404
    assert client.get(f"/training/plan/items/{world['a']}/edit").status_code == 404
    assert client.post(f"/training/plan/items/{world['a']}/delete").status_code == 404


def test_queries_do_not_grow_with_items_and_classes(app, client, auth, world, page_queries):
    auth.login("org")
    url = f"{PAGE}?year={YEAR}"
    client.get(url)
    small, _ = page_queries(client, url)
    with app.app_context():
        plan = db.session.get(TrainingPlan, world["plan"])
        for n in range(12):
            db.session.add(PlanItem(plan_id=plan.id, position=10 + n, category="online",
                                    title=f"网络专题班{n}", planned_classes=1))
        db.session.commit()
        for n in range(8):
            make_class("JD02", YEAR, ("closed", "running", "filed")[n % 3],
                       item_id=item_ids(plan.id)[2 + n], outcomes=("completed",),
                       actual={"tuition": 100})
    large, _ = page_queries(client, url)
    assert large == small and large <= 14


def test_the_export_opens(app, client, auth, world):
    auth.login("org")
    response = client.get(f"/training/plan/export.xlsx?year={YEAR}")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "青山区" in rows[0][0] and str(YEAR) in rows[0][0]
    body = {row[1]: row for row in rows[2:]}
    a = body["中青年干部培训班"]
    assert a[2:12] == (2, 2, 100, 80, 3, 4, 10000, 6000, 60, 1)
    assert body["合计"][3] == 3 and body["合计"][9] == 6700


def test_the_hub_links_the_plan_and_budgets(client, auth, world):
    auth.login("ua1")
    html = client.get("/training/").get_data(as_text=True)
    assert "/training/plan" in html and "/training/budgets" in html


def test_the_demo_plan_is_published_once(app, client, auth, district):
    from lms.demo.training import PLAN_ITEMS, load_demo_plan

    with app.app_context():
        assert load_demo_plan() == {"plan items": len(PLAN_ITEMS), "budgets": 3}
        assert load_demo_plan() == {"plan items": 0, "budgets": 0}
        plan = db.session.scalar(db.select(TrainingPlan))
        assert (plan.status, plan.year, len(plan.items)) == ("published", YEAR, 11)
    auth.login("ua1")
    html = client.get(PAGE).get_data(as_text=True)
    assert "信息员业务培训" in html and "1,937,000" in html
