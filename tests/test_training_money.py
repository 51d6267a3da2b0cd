"""Training money: a class's spending by heading (planned while drafted, actual once
approved, reasons for unplanned spending, all or nothing, read-only once filed) and the
units' budgets against what their classes planned and spent."""
from __future__ import annotations

import io

import openpyxl
import pytest

from lms.audit.models import AdminEvent
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org.services import unit_by_code
from lms.training.models import ClassSpending, TrainingClass, UnitBudget
from tests.training_factories import make_budget, make_class

YEAR = local_today().year
HEADINGS = ("tuition", "accommodation", "materials", "lecturer_fees", "travel", "other")


def _spending(app, class_id: int) -> dict[str, tuple[int, int, str]]:
    with app.app_context():
        return {s.heading: (s.planned_fen, s.actual_fen, s.reason)
                for s in db.session.scalars(db.select(ClassSpending).where(
                    ClassSpending.class_id == class_id))}


def _status(app, class_id: int, status: str) -> None:
    with app.app_context():
        db.session.get(TrainingClass, class_id).status = status
        db.session.commit()


def test_planned_then_actual_spending(app, client, auth, district):
    with app.app_context():
        cid = make_class("JD01", YEAR, "draft")
    url = f"/training/classes/{cid}/money"
    auth.login("ua1")
    html = client.get(url).get_data(as_text=True)
    assert 'name="planned_tuition"' in html and 'name="actual_tuition"' not in html
    assert client.post(url, data={"planned_tuition": "12,000", "planned_accommodation": "3000.5",
                                  "actual_tuition": "99"}).status_code == 302
    assert _spending(app, cid) == {"tuition": (1_200_000, 0, ""),
                                   "accommodation": (300_050, 0, "")}
    # Approved: the actual column opens, the planned one is fixed.
    _status(app, cid, "approved")
    html = client.get(url).get_data(as_text=True)
    assert 'name="actual_tuition"' in html and 'name="planned_tuition"' not in html
    # Actual spending under a heading with nothing planned needs a reason: nothing written.
    response = client.post(url, data={"actual_tuition": "11000", "actual_travel": "800",
                                      "planned_tuition": "1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "交通费（原因）" in text and "须说明原因" in text
    assert _spending(app, cid)["tuition"] == (1_200_000, 0, "")
    # A bad amount names its field.
    response = client.post(url, data={"actual_accommodation": "三千"})
    assert "住宿费（实际）不是有效金额" in response.get_data(as_text=True)
    response = client.post(url, data={"actual_accommodation": "-5"})
    assert "住宿费（实际）不是有效金额" in response.get_data(as_text=True)
    assert "travel" not in _spending(app, cid)
    assert client.post(url, data={"actual_tuition": "11000", "actual_travel": "800",
                                  "reason_travel": "增加现场教学"}).status_code == 302
    assert _spending(app, cid) == {"tuition": (1_200_000, 1_100_000, ""),
                                   "accommodation": (300_050, 0, ""),
                                   "travel": (0, 80_000, "增加现场教学")}
    with app.app_context():
        event = db.session.scalar(db.select(AdminEvent).where(AdminEvent.action == "class.money")
                                  .order_by(AdminEvent.seq.desc()))
        assert event.detail["column"] == "actual"
        assert event.detail["changes"]["travel"] == {"actual": [0, 80_000],
                                                     "reason": ["", "增加现场教学"]}
    html = client.get(url).get_data(as_text=True)
    assert "11,800" in html and "15,000.5" in html  # totals: actual, planned


@pytest.mark.parametrize("status", ["submitted", "filed"])
def test_read_only_while_reviewed_and_once_filed(app, client, auth, district, status):
    with app.app_context():
        cid = make_class("JD01", YEAR, status, planned={"tuition": 100_00},
                         actual={"tuition": 90_00})
    url = f"/training/classes/{cid}/money"
    for who in ("ua1", "org"):
        auth.login(who)
        html = client.get(url).get_data(as_text=True)
        assert 'name="planned_tuition"' not in html and 'name="actual_tuition"' not in html
        assert "100" in html and "90" in html
        response = client.post(url, data={"actual_tuition": "1"}, follow_redirects=True)
        assert ("已备案" if status == "filed" else "正在审核") in response.get_data(as_text=True)
        auth.logout()
    assert _spending(app, cid) == {"tuition": (100_00, 90_00, "")}


def test_other_units_classes_are_not_found(app, client, auth, district):
    with app.app_context():
        cid = make_class("JD01", YEAR, "running")
    auth.login("ua2")
    assert client.get(f"/training/classes/{cid}/money").status_code == 404
    assert client.post(f"/training/classes/{cid}/money",
                       data={"actual_tuition": "1"}).status_code == 404
    auth.logout()
    auth.login("learn")
    assert client.get(f"/training/classes/{cid}/money").status_code == 404
    assert _spending(app, cid) == {}


@pytest.fixture
def spending(app, district, make_unit, make_user):
    """Budgets of the district (10,000) and JD01 (1,000); JD01's subtree spends over it.

    JD01: closed (planned 800, spent 900), SQ01 filed (planned 300, spent 400), a draft
    (planned 5,000: not counted), a running class (planned 200, spent 50: planned only);
    JD02: closed (planned 100, spent 100); last year's class and another district's: none.
    """
    make_unit("QU9", "白水区", "district")
    with app.app_context():
        make_budget("QU", YEAR, 10_000_00)
        make_budget("JD01", YEAR, 1_000_00)
        make_class("JD01", YEAR, "closed", planned={"tuition": 800_00},
                   actual={"tuition": 900_00})
        make_class("JD01-SQ01", YEAR, "filed", planned={"other": 300_00},
                   actual={"other": 400_00})
        make_class("JD01", YEAR, "draft", planned={"tuition": 5_000_00})
        make_class("JD01", YEAR, "running", planned={"travel": 200_00},
                   actual={"travel": 50_00})
        make_class("JD02", YEAR, "closed", planned={"tuition": 100_00},
                   actual={"tuition": 100_00})
        make_class("JD02", YEAR - 1, "closed", actual={"tuition": 7})
        make_class("QU9", YEAR, "closed", actual={"tuition": 7})


def test_budgets_against_spending_worked_out_by_hand(app, spending):
    from lms.training.money.budgets import budget_rows

    with app.test_request_context():
        units = [unit_by_code(c) for c in ("QU", "JD01", "JD01-SQ01", "JD02")]
        rows = {r.unit.code: r for r in budget_rows(units, YEAR)}
        assert (rows["QU"].budget_fen, rows["QU"].planned_fen, rows["QU"].actual_fen) \
            == (10_000_00, 1_400_00, 1_400_00)
        assert rows["QU"].spent_pct == 14 and rows["QU"].warnings() == []
        assert (rows["JD01"].planned_fen, rows["JD01"].actual_fen) == (1_300_00, 1_300_00)
        assert rows["JD01"].spent_pct == 130
        assert rows["JD01"].warnings() == ["支出超出预算 300 元。"]
        assert rows["JD01-SQ01"].budget is None
        assert rows["JD01-SQ01"].warnings() == ["未设预算，但已支出 400 元。"]
        assert rows["JD02"].spent_pct is None


def test_the_department_sets_budgets_a_street_reads_its_own(app, client, auth, spending):
    with app.app_context():
        unit_ids = {c: unit_by_code(c).id for c in ("QU", "JD01", "JD02", "QU9")}
        jd01 = unit_ids["JD01"]
    auth.login("ua1")
    html = client.get(f"/training/budgets?year={YEAR}").get_data(as_text=True)
    assert 'data-unit="JD01"' in html and 'data-unit="JD01-SQ01"' in html
    assert 'data-unit="QU"' not in html and 'data-unit="JD02"' not in html
    assert "支出超出预算 300 元" in html and 'name="budget"' not in html
    assert client.post(f"/training/budgets/units/{jd01}",
                       data={"year": YEAR, "budget": "5"}).status_code == 404
    auth.logout()
    auth.login("org")
    assert client.post(f"/training/budgets/units/{unit_ids['QU9']}",
                       data={"year": YEAR, "budget": "5"}).status_code == 404
    response = client.post(f"/training/budgets/units/{jd01}",
                           data={"year": YEAR, "budget": "一千"}, follow_redirects=True)
    assert "城关街道预算（元）不是有效金额" in response.get_data(as_text=True)
    assert client.post(f"/training/budgets/units/{jd01}",
                       data={"year": "20x", "budget": "5"}).status_code == 400
    assert client.post(f"/training/budgets/units/{jd01}",
                       data={"year": YEAR, "budget": "2,000"}).status_code == 302
    assert client.post(f"/training/budgets/units/{unit_ids['JD02']}",
                       data={"year": YEAR, "budget": "300.5"}).status_code == 302
    with app.app_context():
        found = {b.unit_id: b.budget_fen for b in db.session.scalars(
            db.select(UnitBudget).where(UnitBudget.year == YEAR))}
        assert found == {unit_ids["QU"]: 10_000_00, jd01: 2_000_00,
                         unit_ids["JD02"]: 300_50}
        events = [e.detail for e in db.session.scalars(db.select(AdminEvent).where(
            AdminEvent.action == "training.budget").order_by(AdminEvent.seq))]
        assert [(e["unit"], e["before"], e["after"]) for e in events] == [
            ("JD01", 1_000_00, 2_000_00), ("JD02", None, 300_50)]
    html = client.get(f"/training/budgets?year={YEAR}").get_data(as_text=True)
    assert 'data-unit="QU"' in html and 'name="budget"' in html
    assert "支出超出预算" not in html  # 1,300 spent of 2,000 now


def test_invalid_year_is_a_400(client, auth, district):
    auth.login("org")
    assert client.get("/training/budgets?year=x").status_code == 400
    assert client.get("/training/budgets/export.xlsx?year=99999").status_code == 400


def test_budget_queries_do_not_grow_with_units(app, client, auth, spending, make_unit,
                                              page_queries):
    auth.login("org")
    url = f"/training/budgets?year={YEAR}"
    client.get(url)
    small, _ = page_queries(client, url)
    for n in range(15):
        make_unit(f"JD02-SQ{n:02d}", f"社区{n}", "community", "JD02")
    with app.app_context():
        for n in range(15):
            make_class(f"JD02-SQ{n:02d}", YEAR, "closed", actual={"tuition": 100})
            make_budget(f"JD02-SQ{n:02d}", YEAR, 1000)
    large, _ = page_queries(client, url)
    assert large == small and large <= 12


def test_budget_export_opens(client, auth, spending):
    auth.login("org")
    response = client.get(f"/training/budgets/export.xlsx?year={YEAR}")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.data)).active
                .iter_rows(values_only=True))
    assert str(YEAR) in rows[0][0]
    body = {row[1]: row for row in rows[2:]}
    assert body["QU"][2:6] == (10000, 1400, 1400, 14)
    assert body["JD01"][6] == "支出超出预算 300 元。"
    assert body["JD01-SQ01"][2] is None
