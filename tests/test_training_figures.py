"""The training figures (dashboard, exports, year-end summary, API) against a small district
worked out by hand.

The district (`district` fixture): QU → JD01 (→ JD01-SQ01), JD02. Year YEAR (last year):

class  unit       category       form           organiser  status   trainees (outcome)
A      JD01       section_level  short_off_job  unit       filed    c1 completed, learn completed,
                                                                    lect absent
B      JD01-SQ01  grassroots     rotation       unit       closed   learn completed, c1 withdrawn
C      JD02       young          party_school   市委党校    filed    c2 completed, ua2 completed,
                                                                    c1 excused
D      QU         section_level  university     unit       running  c1 (no outcome yet): under way
E      JD02       young          short_off_job  unit       draft    —: not counted
F      JD01       section_level  short_off_job  unit       closed   c1 completed; year YEAR-1

Actual spending (fen): A 120000 + 30050, B 50000, C 200000, D 99999, F 10000.

By hand, the organisation department (QU) for YEAR:
  held classes A, B, C = 3; trainee-times 2 + 1 + 2 = 5; funds 150050 + 50000 + 200000 =
  400050 fen = 4,000.5 yuan = 0.40 万元; under way 1 (D); E not counted.
  by category: section_level 1 / 2 / 150050 (planned 4 classes, 100 trainee-times, 500000);
               grassroots 1 / 1 / 50000 (not planned); young 1 / 2 / 200000 (planned 2, 40,
               300000); plan totals 6 classes, 140 trainee-times, 800000 fen.
  by form: short_off_job 1 / 2 / 150050; party_school 1 / 2 / 200000; rotation 1 / 1 / 50000.
  by organiser: 城关街道 (JD01 and below: A, B) 2 / 3 / 200050; 市委党校 (outside) 1 / 2 / 200000.
  by unit: 城关街道 2 / 3 / 200050; 东湖街道 1 / 2 / 200000 (QU itself held none).
  by year: YEAR-1 1 / 1 / 10000, planned 3; YEAR 3 / 5 / 400050, planned 6.
The street administrator of JD01 (ua1): A and B only: 2 / 3 / 200050; no published plan of
JD01 (its draft plan does not count).

Compliance (rule set "annual", one-year window; YEAR is over, so met or not met):
  met: c1, ua1, ua2; not met: learn (学时 60 of 90), c2 (days 3 of 12); no requirement: org,
  lect and the four professional staff below.
  per unit: QU itself 1 cadre, none applies (share –); 城关街道 6 cadres (ua1, lect, c1, learn,
  p1, p2): met 2, not met 1, none 3 → 2 / 3 = 66.7 %; 东湖街道 4 (ua2, c2, p3, p4): met 1,
  not met 1, none 2 → 50.0 %; total 11, met 3, not met 2, none 6 → 3 / 5 = 60.0 %.
  cadres behind: learn, then c2 (unit path order), each with what is missing.

Professional staff (category 专业技术人员): p1 (JD01, senior, 40 hours, 16 days), p2 (JD01, mid,
10 hours, 5 days), p3 (JD02, junior, learning only in YEAR-1), p4 (JD02, senior, nothing).
  participants p1, p2 → 2 of 4 = 50.0 % against 45 %; senior and mid p1, p2, p4; under 15
  days p2 (10 missing) and p4 (15 missing). JD01: 2 of 2, 1 short; JD02: 0 of 2, 1 short.
"""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lms.auth.models import User
from lms.auth.services import create_token
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org.models import CadreProfile, Unit
from lms.records.models import RecordTotal, RequirementStatus, RuleSet
from lms.records.rules import window_of
from lms.training.models import (
    ClassSpending,
    ClassTrainee,
    PlanItem,
    TrainingClass,
    TrainingPlan,
)

EN = {"Accept-Language": "en"}
YEAR = local_today().year - 1
PAGE = "/training/figures"
API = "/api/v1/reports/training"


def _uid(username: str) -> int:
    return db.session.scalar(db.select(User.id).where(User.username == username))


def _unit(code: str) -> int:
    return db.session.scalar(db.select(Unit.id).where(Unit.code == code))


def _class(code: str, unit: str, category: str, form: str, status: str, *,
           year: int = YEAR, outside: str = "", trainees=(), spending=()) -> TrainingClass:
    cls = TrainingClass(year=year, title=f"班{code}", unit_id=_unit(unit),
                        organiser_kind="outside" if outside else "unit",
                        organiser_name=outside, category=category, form=form,
                        starts_on=date(year, 5, 1), ends_on=date(year, 5, 5), days=5,
                        hours=30, status=status)
    db.session.add(cls)
    db.session.flush()
    for username, outcome in trainees:
        user_id = _uid(username)
        unit_id = db.session.get(CadreProfile, user_id).unit_id
        db.session.add(ClassTrainee(class_id=cls.id, user_id=user_id, unit_id=unit_id,
                                    status="confirmed", outcome=outcome))
    for heading, fen in spending:
        db.session.add(ClassSpending(class_id=cls.id, heading=heading, planned_fen=fen + 1,
                                     actual_fen=fen))
    return cls


def _plan(unit: str, year: int, status: str, items) -> None:
    plan = TrainingPlan(unit_id=_unit(unit), year=year, title=f"{year}年培训计划",
                        status=status)
    db.session.add(plan)
    db.session.flush()
    for n, (category, classes, trainees, budget) in enumerate(items):
        db.session.add(PlanItem(plan_id=plan.id, position=n, category=category, title=category,
                                planned_classes=classes, planned_trainees=trainees,
                                budget_fen=budget))


def _status(user: str, rule: RuleSet, *, met: bool, missing=None) -> None:
    start, end = window_of(rule, YEAR)
    db.session.add(RequirementStatus(
        user_id=_uid(user), rule_set_id=rule.id, window_start=start, window_end=end,
        met=met, ratio=1.0 if met else 0.5, missing=missing or []))


def _total(user: str, year: int, hours: float, days: float) -> None:
    db.session.add(RecordTotal(user_id=_uid(user), year=year, kind="off_job", subject_id=None,
                               hours=hours, days=days, entries=1))


@pytest.fixture
def world(app, district, make_user):
    for name, unit, title in (("p1", "JD01", "senior"), ("p2", "JD01", "mid"),
                              ("p3", "JD02", "junior"), ("p4", "JD02", "senior")):
        make_user(name, "learner", unit, name=f"专技{name}", categories=("professional",))
        with app.app_context():
            db.session.get(CadreProfile, _uid(name)).title_level = title
            db.session.commit()
    with app.app_context():
        _class("A", "JD01", "section_level", "short_off_job", "filed",
               trainees=[("c1", "completed"), ("learn", "completed"), ("lect", "absent")],
               spending=[("tuition", 120000), ("materials", 30050)])
        _class("B", "JD01-SQ01", "grassroots", "rotation", "closed",
               trainees=[("learn", "completed"), ("c1", "withdrawn")],
               spending=[("accommodation", 50000)])
        _class("C", "JD02", "young", "party_school", "filed", outside="市委党校",
               trainees=[("c2", "completed"), ("ua2", "completed"), ("c1", "excused")],
               spending=[("tuition", 200000)])
        _class("D", "QU", "section_level", "university", "running",
               trainees=[("c1", None)], spending=[("tuition", 99999)])
        _class("E", "JD02", "young", "short_off_job", "draft")
        _class("F", "JD01", "section_level", "short_off_job", "closed", year=YEAR - 1,
               trainees=[("c1", "completed")], spending=[("travel", 10000)])
        _plan("QU", YEAR, "published", [("section_level", 4, 100, 500000),
                                        ("young", 2, 40, 300000)])
        _plan("QU", YEAR - 1, "published", [("section_level", 3, 60, 100000)])
        _plan("JD01", YEAR, "draft", [("grassroots", 9, 99, 999)])
        annual = RuleSet(code="annual", name="每年学时", window_years=1, anchor_year=2023,
                         config={})
        db.session.add(annual)
        db.session.flush()
        for user in ("c1", "ua1", "ua2"):
            _status(user, annual, met=True)
        _status("learn", annual, met=False,
                missing=[{"line": "hours", "need": 90, "have": 60, "unit": "hours"}])
        _status("c2", annual, met=False,
                missing=[{"line": "days", "need": 12, "have": 3, "unit": "days"}])
        _total("p1", YEAR, 40, 16)
        _total("p2", YEAR, 10, 5)
        _total("p3", YEAR - 1, 20, 3)
        db.session.commit()


def _login(auth, username):
    assert auth.login(username).status_code == 302


def _api(app, client, username, query=""):
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        token = create_token(user, "test")
    return client.get(API + query, headers={"Authorization": f"Bearer {token}", **EN})


def _cells(html: str, table: str) -> list[list[str]]:
    """The rows (header cell and data cells, text only) of a table on the page."""
    import re

    body = html.split(f'data-table="{table}"', 1)[1].split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows.append(cells)
    return rows


def _xlsx(response) -> list[list]:
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_dashboard_shows_the_hand_figures(app, client, auth, world):
    _login(auth, "org")
    r = client.get(f"{PAGE}?year={YEAR}", headers=EN)
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'data-kpi="classes">3<' in html
    assert 'data-kpi="trainee_times">5<' in html
    assert 'data-kpi="funds">4,000.5<' in html
    assert 'data-kpi="under_way">1<' in html
    rows = _cells(html, "category")
    assert rows[1:] == [
        ["Section-level cadres", "4", "1", "100", "2", "5,000", "1,500.5"],
        ["Young and middle-aged cadres", "2", "1", "40", "2", "3,000", "2,000"],
        ["Grassroots cadres and community committee rotation", "0", "1", "0", "1", "0",
         "500"],
        ["Total", "6", "3", "140", "5", "8,000", "4,000.5"]]
    assert sorted(_cells(html, "form")[1:-1]) == sorted([
        ["Short off-job class", "1", "2", "1,500.5"],
        ["Party school main class", "1", "2", "2,000"],
        ["Rotation training", "1", "1", "500"]])
    assert _cells(html, "organiser")[1:] == [
        ["城关街道", "A unit of the district", "2", "3", "2,000.5"],
        ["市委党校", "An outside body", "1", "2", "2,000"],
        ["Total", "", "3", "5", "4,000.5"]]
    assert _cells(html, "unit")[1:] == [["城关街道", "2", "3", "2,000.5"],
                                        ["东湖街道", "1", "2", "2,000"],
                                        ["Total", "3", "5", "4,000.5"]]
    years = _cells(html, "year")[1:]
    assert years[-2:] == [[str(YEAR - 1), "3", "1", "60", "1", "1,000", "100"],
                          [str(YEAR), "6", "3", "140", "5", "8,000", "4,000.5"]]
    assert len(years) == 5
    assert _cells(html, "compliance")[1:] == [
        ["青山区", "1", "0", "0", "0", "0", "1", "–"],
        ["城关街道", "6", "2", "0", "0", "1", "3", "66.7%"],
        ["东湖街道", "4", "1", "0", "0", "1", "2", "50.0%"],
        ["Total", "11", "3", "0", "0", "2", "6", "60.0%"]]
    assert _cells(html, "professional")[1:] == [
        ["城关街道", "2", "2", "100.0%", "2", "1"],
        ["东湖街道", "2", "0", "0.0%", "1", "1"],
        ["Total", "4", "2", "50.0%", "3", "2"]]
    assert "Participation rate 50.0% against a target of 45.0%" in html
    short = _cells(html, "short")[1:]
    assert [(r[0], r[3], r[4]) for r in short] == [("专技p2", "5", "10"), ("专技p4", "0", "15")]
    behind = _cells(html, "behind")[1:]
    assert [r[0] for r in behind] == ["李学员", "赵二"]
    assert "Study hours: 60 of 90, 30 to go" in behind[0][3]
    assert "Training days: 3 of 12, 9 to go" in behind[1][3]
    # the charts: echarts from static/, data in a JSON block, a summary for screen readers
    assert "vendor/echarts-6.1.0/echarts.min.js" in html
    assert '<script type="application/json" id="figures-data">' in html
    assert 'role="img" aria-label="By category: Held: 3 classes, 5 trainee-times' in html


def test_the_street_sees_its_own_subtree_only(app, client, auth, world):
    _login(auth, "ua1")
    html = client.get(f"{PAGE}?year={YEAR}", headers=EN).get_data(as_text=True)
    assert 'data-kpi="classes">2<' in html
    assert 'data-kpi="trainee_times">3<' in html
    assert 'data-kpi="funds">2,000.5<' in html
    assert "No published plan for this year" in html
    assert _cells(html, "unit")[1:] == [["城关街道", "1", "2", "1,500.5"],
                                        ["解放路社区", "1", "1", "500"],
                                        ["Total", "2", "3", "2,000.5"]]
    assert "东湖街道" not in html and "赵二" not in html
    assert client.get(f"{PAGE}?year={YEAR}&unit=JD02").status_code == 404
    assert client.get(f"{PAGE}?unit=NOPE").status_code == 404
    r = client.get(f"{PAGE}?year=abc", headers=EN)
    assert r.status_code == 400 and "year" in r.get_data(as_text=True)
    assert client.get(f"{PAGE}?year=1850").status_code == 400
    # the organisation department narrows to the street: the same numbers
    auth.logout()
    _login(auth, "org")
    html = client.get(f"{PAGE}?year={YEAR}&unit=JD01", headers=EN).get_data(as_text=True)
    assert 'data-kpi="trainee_times">3<' in html


def test_no_figures_for_learners_lecturers_or_the_system_administrator(client, auth, world):
    for user in ("learn", "lect", "sys"):
        _login(auth, user)
        assert client.get(PAGE).status_code == 403  # a refusal naming who may open it
        assert client.get(f"{PAGE}/export.xlsx?table=category").status_code == 403
        auth.logout()


def test_exports_hold_the_page_numbers(client, auth, world):
    _login(auth, "org")
    rows = _xlsx(client.get(f"{PAGE}/export.xlsx?table=category&year={YEAR}", headers=EN))
    assert "Training figures: By category" in rows[0][0] and str(YEAR) in rows[0][0]
    assert rows[1][0] == "Category"
    assert rows[2:] == [
        ["Section-level cadres", 4, 1, 100, 2, 5000, 1500.5],
        ["Young and middle-aged cadres", 2, 1, 40, 2, 3000, 2000],
        ["Grassroots cadres and community committee rotation", 0, 1, 0, 1, 0, 500],
        ["Total", 6, 3, 140, 5, 8000, 4000.5]]
    rows = _xlsx(client.get(f"{PAGE}/export.xlsx?table=compliance&year={YEAR}", headers=EN))
    assert rows[-1] == ["Total", 11, 3, 0, 0, 2, 6, 0.6]
    rows = _xlsx(client.get(f"{PAGE}/export.xlsx?table=professional&year={YEAR}",
                            headers=EN))
    assert rows[-1] == ["Total", 4, 2, 0.5, 3, 2]
    rows = _xlsx(client.get(f"{PAGE}/export.xlsx?table=short&year={YEAR}", headers=EN))
    assert [(r[1], r[5], r[6]) for r in rows[2:]] == [("p2", 5, 10), ("p4", 0, 15)]
    rows = _xlsx(client.get(f"{PAGE}/export.xlsx?table=behind&year={YEAR}", headers=EN))
    assert [r[1] for r in rows[2:]] == ["learn", "c2"]
    assert "30 to go" in rows[2][8]
    for table in ("form", "organiser", "unit", "year"):
        assert len(_xlsx(client.get(f"{PAGE}/export.xlsx?table={table}&year={YEAR}"))) > 2
    r = client.get(f"{PAGE}/export.xlsx?table=nope", headers=EN)
    assert r.status_code == 400 and "table" in r.get_data(as_text=True)


def test_lists_of_cadres_behind_are_paginated(client, auth, world):
    _login(auth, "org")
    html = client.get(f"{PAGE}/behind?year={YEAR}&per_page=1", headers=EN).get_data(
        as_text=True)
    assert "2 cadres" in html and "李学员" in html and "赵二" not in html
    html = client.get(f"{PAGE}/short?year={YEAR}&page=2&per_page=1", headers=EN).get_data(
        as_text=True)
    assert "专技p4" in html and "专技p2" not in html


def test_year_end_summary_in_the_source_report_form(client, auth, world):
    _login(auth, "org")
    html = client.get(f"{PAGE}/summary?year={YEAR}").get_data(as_text=True)
    assert "全年共举办各类培训班3期，培训5人次，经费0.40万元。" in html
    assert "其中：科股级干部1期，2人次，经费0.15万元" in html  # 150050 fen
    assert "市委党校1期，2人次，经费0.20万元" in html
    assert "城关街道2期，3人次，经费0.20万元" in html
    r = client.get(f"{PAGE}/summary.pdf?year={YEAR}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(r.data)).pages)
    assert "全年共举办各类培训班3期" in text.replace("\n", "")


def test_api_report_equals_the_hand_figures(app, client, world):
    r = _api(app, client, "org", f"?year={YEAR}")
    assert r.status_code == 200
    body = r.get_json()
    assert (body["classes"], body["trainee_times"], body["funds_fen"]) == (3, 5, 400050)
    assert (body["planned_classes"], body["planned_trainees"], body["budget_fen"]) == \
        (6, 140, 800000)
    assert body["under_way"] == 1 and body["unit"]["code"] == "QU"
    cats = {c["category"]: (c["classes"], c["trainee_times"], c["funds_fen"])
            for c in body["by_category"]}
    assert cats == {"section_level": (1, 2, 150050), "young": (1, 2, 200000),
                    "grassroots": (1, 1, 50000)}
    forms = {c["form"]: (c["classes"], c["trainee_times"], c["funds_fen"])
             for c in body["by_form"]}
    assert forms == {"short_off_job": (1, 2, 150050), "party_school": (1, 2, 200000),
                     "rotation": (1, 1, 50000)}
    street = _api(app, client, "ua1", f"?year={YEAR}").get_json()
    assert (street["classes"], street["trainee_times"], street["funds_fen"]) == (2, 3, 200050)
    assert _api(app, client, "ua1", "?unit=JD02").status_code == 404
    r = _api(app, client, "ua1", "?year=20x6")
    assert r.status_code == 400 and "year" in r.get_data(as_text=True)
    assert _api(app, client, "learn").status_code == 403
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "/reports/training" in paths


def test_dashboard_queries_do_not_grow_with_classes(app, client, auth, world, page_queries):
    _login(auth, "org")
    url = f"{PAGE}?year={YEAR}"
    few, _size = page_queries(client, url)
    exports = {t: page_queries(client, f"{PAGE}/export.xlsx?table={t}&year={YEAR}")[0]
               for t in ("category", "compliance", "behind")}
    with app.app_context():
        for n in range(27):
            unit = ("JD01", "JD02", "JD01-SQ01")[n % 3]
            _class(f"X{n}", unit, ("young", "talent", "online")[n % 3],
                   ("lecture", "online", "abroad")[n % 3],
                   "filed", outside="省委党校" if n % 5 == 0 else "",
                   trainees=[("c1", "completed"), ("c2", "completed")],
                   spending=[("tuition", 1000 + n)])
        db.session.commit()
    many, _size = page_queries(client, url)
    assert many == few, (few, many)
    assert few <= 25
    for t, count in exports.items():
        assert page_queries(client, f"{PAGE}/export.xlsx?table={t}&year={YEAR}")[0] == count


def test_the_hub_links_the_figures(client, auth, world):
    _login(auth, "ua1")
    html = client.get("/training/").get_data(as_text=True)
    assert 'href="/training/figures"' in html and "培训统计" in html
