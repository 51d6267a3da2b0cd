"""The compliance report (page, .xlsx export, API): scope, filters, counts, bounded queries."""
from __future__ import annotations

import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from lms.auth.models import User
from lms.auth.services import create_token
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.records.models import RecordTotal, RequirementStatus, RuleSet
from lms.records.rules import window_of

EN = {"Accept-Language": "en"}
PAGE = "/admin/records/compliance"
API = "/api/v1/reports/compliance"
# A past year: its one-year window is over (met or not met); the five-year window that holds
# it is still open today (on track or behind, by ratio).
YEAR = local_today().year - 1


def _uid(username: str) -> int:
    return db.session.scalar(db.select(User.id).where(User.username == username))


def _status(user: str, rule: RuleSet, *, met: bool = False, ratio: float = 0.0,
            missing: list | None = None, year: int = YEAR, hours: float = 0.0) -> None:
    start, end = window_of(rule, year)
    db.session.add(RequirementStatus(
        user_id=_uid(user), rule_set_id=rule.id, window_start=start, window_end=end,
        hours=hours, met=met, ratio=1.0 if met else ratio, missing=[] if met else missing or []))


@pytest.fixture
def scenario(app, district, make_user):
    """Rule sets and statuses for YEAR:

    c1 (JD01): annual met, five-year on track (0.85 > at most 0.8 gone) -> on_track;
      40 hours and 2 days in YEAR
    learn (JD01-SQ01): annual not met (60 of 90), five-year behind -> not_met
    c3 (JD01, division level, 中青年干部): both met -> met
    c2 (JD02): annual met, five-year behind -> behind
    everyone else (ua1, ua2, lect, org): no status -> none
    """
    make_user("c3", "learner", "JD01", name="孙三", rank="division",
              categories=("young",))
    with app.app_context():
        annual = RuleSet(code="annual", name="每年学时", window_years=1, anchor_year=2023,
                         config={})
        five = RuleSet(code="five", name="五年学时", window_years=5, anchor_year=YEAR - 2,
                       config={})
        retired = RuleSet(code="old", name="已停用", window_years=1, anchor_year=2023,
                          active=False, config={})
        db.session.add_all([annual, five, retired])
        db.session.flush()
        _status("c1", annual, met=True)
        _status("c1", five, ratio=0.85, missing=[{"line": "hours", "need": 550, "have": 470}])
        _status("c1", annual, year=YEAR - 1, missing=[{"line": "hours", "need": 90,
                                                        "have": 1}])  # another window
        _status("c1", retired, missing=[{"line": "hours", "need": 90, "have": 1}])
        _status("learn", annual, missing=[{"line": "hours", "need": 90, "have": 60,
                                           "unit": "hours"}])
        _status("learn", five, ratio=0.0, missing=[{"line": "days", "need": 60, "have": 3,
                                                    "unit": "days"}])
        _status("c3", annual, met=True)
        _status("c3", five, met=True)
        _status("c2", annual, met=True)
        _status("c2", five, ratio=0.0, missing=[{"line": "hours", "need": 550, "have": 5}])
        for kind, subject, hours, days in (("online_course", 1, 30.0, 0.0),
                                           ("off_job", 2, 10.0, 2.0)):
            db.session.add(RecordTotal(user_id=_uid("c1"), year=YEAR, kind=kind,
                                       subject_id=subject, hours=hours, days=days, entries=1))
        db.session.add(RecordTotal(user_id=_uid("c1"), year=YEAR - 1, kind="online_course",
                                   subject_id=1, hours=99.0, days=0.0, entries=1))
        db.session.commit()
    return {"annual": "annual", "five": "five"}


def _rows(html: str) -> dict[str, str]:
    """username -> status code of each row on the page."""
    return dict(re.findall(r'<tr data-username="([^"]+)">.*?data-status="([^"]+)"', html,
                           re.S))


def _counts(html: str) -> dict[str, int]:
    return {code: int(n) for code, n in re.findall(
        r'data-status="([a-z_]+)">[^<]*<strong class="count-value">(\d+)</strong>', html)}


def _token(app, username: str) -> dict[str, str]:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == username))
        return {"Authorization": f"Bearer {create_token(user, 'test')}", **EN}


def test_org_admin_sees_the_district_with_worst_status_and_what_is_missing(client, auth,
                                                                          scenario):
    auth.login("org")
    html = client.get(f"{PAGE}?year={YEAR}", headers=EN).get_data(as_text=True)
    rows = _rows(html)
    assert rows == {"c1": "on_track", "learn": "not_met", "c3": "met", "c2": "behind",
                    "org": "none", "ua1": "none", "ua2": "none", "lect": "none"}
    assert "每年学时: Study hours: 60 of 90, 30 to go" in html
    assert "五年学时: Training days: 3 of 60, 57 to go" in html
    assert "已停用" not in html.split("<table")[1]  # an inactive rule set does not count
    assert "No requirement applies" in html
    c1 = html.split('<tr data-username="c1">')[1].split("</tr>")[0]
    assert ">40</td>" in c1 and "<td>2</td>" in c1  # YEAR's totals, not YEAR - 1's
    assert "五年学时: Study hours: 470 of 550, 80 to go" in c1  # on track, not yet met
    assert "每年学时: Study hours" not in c1  # met: nothing missing
    assert _counts(html) == {"all": 8, "not_met": 1, "behind": 1, "on_track": 1, "met": 1,
                             "none": 4}


def test_unit_admin_sees_only_their_subtree_on_the_page_export_and_api(app, client, auth,
                                                                       scenario):
    auth.login("ua1")
    html = client.get(f"{PAGE}?year={YEAR}", headers=EN).get_data(as_text=True)
    assert set(_rows(html)) == {"c1", "learn", "c3", "ua1", "lect"}
    assert "赵二" not in html and "c2" not in _rows(html)
    assert _counts(html)["all"] == 5 and _counts(html)["behind"] == 0
    for unit in ("JD02", "QU", "NOPE"):
        assert client.get(f"{PAGE}?year={YEAR}&unit={unit}").status_code == 404
        assert client.get(f"{PAGE}/export.xlsx?year={YEAR}&unit={unit}").status_code == 404
    sheet = load_workbook(io.BytesIO(client.get(f"{PAGE}/export.xlsx?year={YEAR}").data)).active
    assert sorted(r[1] for r in sheet.iter_rows(min_row=3, values_only=True)) == \
        ["c1", "c3", "learn", "lect", "ua1"]

    headers = _token(app, "ua1")
    body = client.get(f"{API}?year={YEAR}", headers=headers).get_json()
    assert {i["username"] for i in body["items"]} == {"c1", "learn", "c3", "ua1", "lect"}
    assert body["counts"]["all"] == 5
    for unit in ("JD02", "QU", "NOPE"):
        answer = client.get(f"{API}?year={YEAR}&unit={unit}", headers=headers)
        assert answer.status_code == 404 and answer.get_json()["error"]["code"] == "not_found"
    inner = client.get(f"{API}?year={YEAR}&unit=JD01-SQ01", headers=headers).get_json()
    assert [i["username"] for i in inner["items"]] == ["learn"]


def test_learners_cannot_read_the_report(app, client, auth, scenario):
    auth.login("learn")
    assert client.get(PAGE).status_code == 403
    assert client.get(f"{PAGE}/export.xlsx").status_code == 403
    answer = client.get(API, headers=_token(app, "c1"))
    assert answer.status_code == 403 and answer.get_json()["error"]["code"] == "forbidden"
    assert client.get(API).status_code == 401


@pytest.mark.parametrize(("query", "expected"), [
    ("status=not_met", {"learn"}),
    ("status=behind", {"c2"}),
    ("status=on_track", {"c1"}),
    ("status=met", {"c3"}),
    ("status=none", {"org", "ua1", "ua2", "lect"}),
    ("unit=JD01-SQ01", {"learn"}),
    ("unit=JD02", {"c2", "ua2"}),
    ("rank=division", {"c3"}),
    ("category={zq}", {"c3"}),
    ("q=赵", {"c2"}),
    ("q=lea", {"learn"}),
    ("rule=five&status=behind", {"learn", "c2"}),
    ("rule=annual&status=met", {"c1", "c3", "c2"}),
    ("unit=JD01&status=none", {"ua1", "lect"}),
])
def test_filters(client, auth, scenario, category_ids, query, expected):
    auth.login("org")
    query = query.format(zq=category_ids["young"])
    html = client.get(f"{PAGE}?year={YEAR}&{query}", headers=EN).get_data(as_text=True)
    assert set(_rows(html)) == expected
    assert f"{len(expected)} cadres" in html


def test_a_rule_filter_shows_that_rule_sets_status_and_missing_only(app, client, auth,
                                                                    scenario):
    auth.login("org")
    html = client.get(f"{PAGE}?year={YEAR}&rule=annual", headers=EN).get_data(as_text=True)
    assert _rows(html)["learn"] == "not_met" and _rows(html)["c1"] == "met"
    assert "五年学时:" not in html and "每年学时: Study hours: 60 of 90" in html
    assert client.get(f"{PAGE}?rule=nope").status_code == 404
    body = client.get(f"{API}?year={YEAR}&rule=five", headers=_token(app, "org")).get_json()
    assert [r["code"] for r in body["rule_sets"]] == ["five"]
    assert body["counts"] == {"all": 8, "not_met": 0, "behind": 2, "on_track": 1, "met": 1,
                              "none": 4}


def test_status_counts_follow_the_other_filters_but_not_the_status(client, auth, scenario):
    auth.login("org")
    html = client.get(f"{PAGE}?year={YEAR}&unit=JD01&status=met",
                      headers=EN).get_data(as_text=True)
    assert set(_rows(html)) == {"c3"}
    assert _counts(html) == {"all": 5, "not_met": 1, "behind": 0, "on_track": 1, "met": 1,
                             "none": 2}


def test_another_year_has_its_own_windows_and_totals(client, auth, scenario):
    auth.login("org")
    html = client.get(f"{PAGE}?year={YEAR - 1}", headers=EN).get_data(as_text=True)
    rows = _rows(html)
    # YEAR - 1: c1's annual window is not met (1 of 90); the five-year window is the same.
    assert rows["c1"] == "not_met" and rows["c3"] == "met" and rows["learn"] == "behind"
    assert "Study hours: 1 of 90" in html
    assert ">99</td>" in html.split('<tr data-username="c1">')[1].split("</tr>")[0]


def test_no_rule_sets_means_no_requirement_applies(app, client, auth, district):
    auth.login("org")
    html = client.get(PAGE, headers=EN).get_data(as_text=True)
    assert set(_rows(html).values()) == {"none"}
    assert "No requirement applies to this year." in html


def test_export_has_one_row_per_cadre_with_the_page_statuses(app, client, auth, scenario,
                                                             make_user):
    for n in range(30):
        make_user(f"bulk{n:02d}", "learner", "JD02")
    auth.login("org")
    # The whole district's export is a background job: the page sends one to its page,
    # which offers its file once done (here at once: tests run jobs inline).
    started = client.get(f"{PAGE}/export.xlsx?year={YEAR}", headers=EN)
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    job_page = client.get(started.headers["Location"], headers=EN).get_data(as_text=True)
    assert "Compliance report export" in job_page and "38 cadres" in job_page
    job = client.get(started.headers["Location"] + ".json").get_json()
    answer = client.get(job["download"])
    assert answer.status_code == 200 and answer.data
    answer.close()
    again = client.get(f"{PAGE}/export.xlsx?year={YEAR}", headers=EN)
    assert again.headers["Location"] == started.headers["Location"]  # the same job
    assert answer.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in answer.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(answer.data)).active
    data = list(sheet.iter_rows(values_only=True))
    assert data[0][0].startswith(
        f"Compliance report · Unit: all units in your scope · Year: {YEAR}")
    assert data[1][:3] == ("Full name", "Username", "Unit")
    exported = {r[1]: r for r in data[2:]}
    assert len(exported) == len(data) - 2 == 38
    page = {}
    for n in (1, 2):
        html = client.get(f"{PAGE}?year={YEAR}&per_page=20&page={n}",
                          headers=EN).get_data(as_text=True)
        page.update(_rows(html))
    status_text = {"met": "Met", "on_track": "On track", "behind": "Behind",
                   "not_met": "Not met", "none": "No requirement applies"}
    assert {u: r[7] for u, r in exported.items()} == \
        {u: status_text[s] for u, s in page.items()}
    assert exported["c1"][5:7] == (40, 2)
    assert "每年学时: Study hours: 60 of 90, 30 to go" in exported["learn"][8]
    assert "五年学时: Training days: 3 of 60" in exported["learn"][8]
    filtered = load_workbook(io.BytesIO(_job_file(
        client, f"{PAGE}/export.xlsx?year={YEAR}&status=behind"))).active
    assert [r[1] for r in filtered.iter_rows(min_row=3, values_only=True)] == ["c2"]


def _job_file(client, url: str) -> bytes:
    """The file of the job that `url` starts (jobs run inline in tests)."""
    started = client.get(url)
    job = client.get(started.headers["Location"] + ".json").get_json()
    answer = client.get(job["download"])
    data = answer.data
    answer.close()
    return data


def test_api_rows_carry_each_rule_sets_status(app, client, scenario):
    body = client.get(f"{API}?year={YEAR}&q=learn", headers=_token(app, "org")).get_json()
    assert body["total"] == 1 and body["year"] == YEAR
    (row,) = body["items"]
    assert row["status"] == "not_met" and row["unit"]["code"] == "JD01-SQ01"
    assert [(r["rule_set"], r["status"]) for r in row["requirements"]] == \
        [("annual", "not_met"), ("five", "behind")]
    missing = row["requirements"][0]["missing"][0]
    assert missing["need"] == 90 and missing["text"] == "Study hours: 60 of 90, 30 to go"
    paged = client.get(f"{API}?year={YEAR}&per_page=3&page=2",
                       headers=_token(app, "org")).get_json()
    assert paged["total"] == 8 and paged["pages"] == 3 and len(paged["items"]) == 3


def test_the_api_route_is_documented(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    get = paths["/reports/compliance"]["get"]
    assert {p["name"] for p in get["parameters"]} >= {"year", "unit", "status", "rule", "q"}
    assert "404" in get["responses"]


def test_page_queries_do_not_grow_with_the_number_of_cadres(app, client, auth, scenario,
                                                            make_user, page_queries):
    auth.login("org")
    client.get(PAGE)  # first request: nothing cached yet either way
    url = f"{PAGE}?year={YEAR}"
    small, _size = page_queries(client, url)
    filtered_small, _ = page_queries(client, url + "&status=behind")
    for n in range(57):
        make_user(f"bulk{n:02d}", "learner", "JD02")
    with app.app_context():
        five = db.session.scalar(db.select(RuleSet).where(RuleSet.code == "five"))
        for n in range(57):
            _status(f"bulk{n:02d}", five, ratio=0.0,
                    missing=[{"line": "hours", "need": 550, "have": n}])
        db.session.commit()
    large, size = page_queries(client, url)
    filtered_large, _ = page_queries(client, url + "&status=behind")
    assert large == small and filtered_large == filtered_small and large <= 12
    assert size < 200_000


def test_the_page_shows_the_rules_engines_statuses(app, client, auth, district):
    """The national defaults, seeded and computed by the rules engine, entries appended
    through the chain: each cadre's status is the worst of the engine's own statuses."""
    from lms.records import chain, rules
    from lms.records.models import RecordEntry

    year = local_today().year
    with app.app_context():
        assert rules.seed_defaults() == 4
        for username, hours in (("c1", 95.0), ("c2", 10.0)):
            chain.append_entry(RecordEntry(
                user_id=_uid(username), kind="online_course", subject_id=1, title="网络课程",
                hours=hours, occurred_on=date(year, 1, 2), origin="entered",
                dedupe_key=f"test:{username}"), actor_id=None)
        db.session.commit()
        expected = {}
        for username in ("c1", "c2", "learn", "ua1", "ua2", "lect", "org"):
            views = rules.statuses_for(_uid(username), year)
            expected[username] = max((v.label for v in views),
                                     key=lambda x: ("met", "on_track", "behind",
                                                    "not_met").index(x), default="none")
    auth.login("org")
    html = client.get(f"{PAGE}?year={year}", headers=EN).get_data(as_text=True)
    assert _rows(html) == expected
    assert expected["c1"] == "met"  # 95 online 学时: the yearly and the online rule met
    assert expected["c2"] in ("behind", "on_track")
    assert "干部网络培训年度学时: Online courses: 95 of 50" not in html
    c2 = html.split('<tr data-username="c2">')[1].split("</tr>")[0]
    assert "乡科级及以下干部年度培训:" in c2 and "干部网络培训年度学时:" in c2


def test_the_streamed_workbook_keeps_text_numbers_and_drops_control_characters():
    from lms.core.xlsx_stream import xlsx_bytes

    rows = [["张三 <&> ", 1.5, None, 3, "a\x01b", "  lead"], ["x" * 5, 0.0, True, -2, "", "\n"]]
    sheet = load_workbook(io.BytesIO(xlsx_bytes(["姓名", "学时", "c", "d", "e", "f"], rows,
                                                sheet="2026年达标情况"))).active
    assert sheet.title == "2026年达标情况"
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert list(sheet.iter_rows(values_only=True)) == [
        ("姓名", "学时", "c", "d", "e", "f"),
        ("张三 <&> ", 1.5, None, 3, "ab", "  lead"),
        ("xxxxx", 0, "True", -2, None, "\n")]


def test_a_year_outside_the_record_answers_400_naming_it(client, auth, district):
    """year=1999 is refused with a sentence naming the parameter, not shown as this year."""
    auth.login("org")
    page = client.get("/admin/records/compliance?year=1999")
    assert page.status_code == 400
    assert "year" in page.get_data(as_text=True)
    assert client.get("/admin/records/compliance?year=2026").status_code == 200
