"""Entries entered by administrators and their reversals, in the browser form and the API:
bad input is refused naming the field with nothing written; reversals keep both entries and
net to zero; administrators act only inside their scope, never on their own record."""
# ruff: noqa: F811 (tests take the fixtures imported from tests.records_helpers)
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from lms.catalog.models import Course, SubjectCategory
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.records import chain
from lms.records.models import AuditEvent, RecordEntry, RecordTotal
from tests.records_helpers import (  # noqa: F401
    api_token,
    chain_stays_whole,
    english,
    field_error,
    subject,
)

# The chain verifies after every test.
pytestmark = pytest.mark.usefixtures("chain_stays_whole")


def _form(subject: int, **changes) -> dict:
    data = {"kind": "off_job", "subject_id": str(subject), "title": "中青年干部培训班（第一期）",
            "started_on": "2025-03-03", "ended_on": "2025-03-14", "hours": "60", "days": "10",
            "organiser": "区委党校", "result": "结业", "note": "", "institution": "",
            "programme": "", "degree": ""}
    data.update(changes)
    return data


def _snapshot(app) -> tuple:
    """What a refused request must leave untouched: entries, audit events, totals."""
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(RecordEntry)),
                db.session.scalar(select(func.count()).select_from(AuditEvent)),
                sorted((t.user_id, t.year, t.kind, t.hours, t.days, t.entries)
                       for t in db.session.scalars(select(RecordTotal))))


def _future() -> str:
    return (local_today() + timedelta(days=1)).isoformat()


# (the field at fault, changes to a good entry, words of the message that names the field)
BAD_INPUT = [
    ("hours", {"hours": "2001"}, "Study hours must be between 0 and 2000"),
    ("hours", {"hours": "-1"}, "Study hours must be between 0 and 2000"),
    ("hours", {"hours": "many"}, "Study hours must be a number"),
    ("days", {"days": "367"}, "Days must be between 0 and 366"),
    ("hours", {"hours": "0", "days": "0"}, "at least one must be above zero"),
    ("ended_on", {"started_on": "2025-03-14", "ended_on": "2025-03-03"},
     "End date cannot be before the start date"),
    ("ended_on", {"started_on": "", "ended_on": "FUTURE"}, "End date cannot be in the future"),
    ("started_on", {"started_on": "FUTURE", "ended_on": "FUTURE"},
     "Start date cannot be in the future"),
    ("ended_on", {"ended_on": "2025-02-30"}, "End date is not a valid date"),
    ("ended_on", {"ended_on": ""}, "End date is required"),
    ("kind", {"kind": "online_course"}, "recorded by the platform itself"),
    ("kind", {"kind": "skydiving"}, "not a known form of learning"),
    ("subject_id", {"subject_id": "99999"}, "Subject: no such subject category"),
    ("title", {"title": "  "}, "Title is required"),
    ("title", {"title": "长" * 201}, "Title must be at most 200 characters"),
    ("institution", {"kind": "degree", "programme": "公共管理", "degree": "硕士"},
     "Institution is required"),
    # Days within the period (12 days from 3 to 14 March), hours at most 24 a day of it.
    ("days", {"started_on": "2025-03-03", "ended_on": "2025-03-14", "days": "13"},
     "Days cannot exceed the 12 days from 2025-03-03 to 2025-03-14"),
    ("hours", {"started_on": "2025-03-03", "ended_on": "2025-03-14", "hours": "289"},
     "Study hours cannot exceed 24 a day: at most 288 for the 12 days"),
    ("days", {"started_on": "", "ended_on": "2025-03-14", "days": "2"},
     "Days cannot exceed 1 without a start date"),
    ("hours", {"started_on": "", "ended_on": "2025-03-14", "hours": "25", "days": "1"},
     "Study hours cannot exceed 24 without a start date"),
    ("ended_on", {"started_on": "1999-12-01", "ended_on": "1999-12-31"},
     "End date cannot be before 2000-01-01"),
]


def _bad(changes: dict) -> dict:
    return {k: (_future() if v == "FUTURE" else v) for k, v in changes.items()}


# ---- the form ------------------------------------------------------------------------------

def test_an_administrator_enters_an_entry_for_a_cadre_in_scope(app, english, auth, district,
                                                              subject):
    auth.login("ua1")
    page = english.get("/cadres/c1/record/entries/new")
    assert page.status_code == 200 and "王一" in page.get_data(as_text=True)
    response = english.post("/cadres/c1/record/entries/new", data=_form(subject),
                            follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Entry added to the record of 王一" in html
    assert "中青年干部培训班（第一期）" in html  # listed among the latest entries
    with app.app_context():
        entry = db.session.scalar(select(RecordEntry))
        assert (entry.user_id, entry.kind, entry.hours, entry.days, entry.origin,
                entry.entered_by_id, entry.year) == (
            district["cadre_jd01"], "off_job", 60.0, 10.0, "entered", district["unit_admin"],
            2025)
        assert (entry.started_on.isoformat(), entry.occurred_on.isoformat(),
                entry.organiser, entry.result) == ("2025-03-03", "2025-03-14", "区委党校", "结业")
        event = db.session.scalar(select(AuditEvent))
        assert (event.action, event.actor_id, event.user_id, event.entry_id) == (
            "entry.add", district["unit_admin"], district["cadre_jd01"], entry.id)
        total = db.session.scalar(select(RecordTotal))
        assert (total.kind, total.hours, total.days, total.entries) == ("off_job", 60, 10, 1)


def test_degree_education_keeps_institution_programme_and_degree(app, english, auth, district,
                                                                 subject):
    auth.login("org")
    english.post("/cadres/c2/record/entries/new", data=_form(
        subject, kind="degree", title="在职公共管理硕士", started_on="2023-09-01",
        ended_on="2025-06-30", hours="120", days="0", institution="省委党校",
        programme="公共管理（MPA）", degree="公共管理硕士"))
    with app.app_context():
        entry = db.session.scalar(select(RecordEntry))
        assert entry.kind == "degree" and entry.details == {
            "institution": "省委党校", "programme": "公共管理（MPA）", "degree": "公共管理硕士"}


@pytest.mark.parametrize(("field", "changes", "words"), BAD_INPUT,
                         ids=[f"{f}-{i}" for i, (f, _c, _w) in enumerate(BAD_INPUT)])
def test_the_form_refuses_bad_input_naming_the_field(app, english, auth, district, subject,
                                                     field, changes, words):
    auth.login("ua1")
    before = _snapshot(app)
    response = english.post("/cadres/c1/record/entries/new",
                            data=_form(subject, **_bad(changes)))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert words in field_error(html, field), field_error(html, field)
    assert f'id="{field}"' in html and 'aria-invalid="true"' in html
    assert "Nothing was saved" in html
    assert _snapshot(app) == before


def test_every_problem_is_named_at_once(english, auth, district, subject):
    auth.login("ua1")
    html = english.post("/cadres/c1/record/entries/new", data=_form(
        subject, kind="exam", title="", hours="3000", ended_on=_future())).get_data(as_text=True)
    for field in ("kind", "title", "hours", "ended_on"):
        assert field_error(html, field), field


def test_a_unit_administrator_cannot_enter_for_another_units_cadre(app, english, auth,
                                                                  district, subject):
    auth.login("ua2")  # JD02
    before = _snapshot(app)
    assert english.get("/cadres/c1/record/entries/new").status_code == 404
    assert english.post("/cadres/c1/record/entries/new",
                        data=_form(subject)).status_code == 404
    assert english.get("/cadres/nobody/record/entries/new").status_code == 404
    assert _snapshot(app) == before


def test_learners_and_lecturers_cannot_enter_entries(app, english, auth, district, subject):
    for username in ("learn", "lect"):
        auth.login(username)
        assert english.get("/cadres/c1/record/entries/new").status_code == 404
        assert english.get(f"/cadres/{username}/record/entries/new").status_code == 404
        auth.logout()


def test_no_one_enters_learning_in_their_own_record(app, english, auth, district, subject):
    auth.login("ua1")  # a cadre of JD01 too
    before = _snapshot(app)
    assert english.get("/cadres/ua1/record/entries/new").status_code == 403
    assert english.post("/cadres/ua1/record/entries/new",
                        data=_form(subject)).status_code == 403
    assert _snapshot(app) == before


# ---- reversals -----------------------------------------------------------------------------

def _enter(app, client, auth, subject, username="c1", admin="ua1", **changes) -> int:
    auth.login(admin)
    client.post(f"/cadres/{username}/record/entries/new", data=_form(subject, **changes))
    with app.app_context():
        return db.session.scalar(select(func.max(RecordEntry.id)))


def _totals(app, user_id: int) -> dict:
    with app.app_context():
        return {t.kind: (t.hours, t.days, t.entries) for t in db.session.scalars(
            select(RecordTotal).where(RecordTotal.user_id == user_id))}


def test_a_reversal_keeps_both_entries_and_nets_to_zero(app, english, auth, district, subject):
    entry_id = _enter(app, english, auth, subject)
    page = english.get(f"/record/entries/{entry_id}/reverse")
    assert page.status_code == 200 and "中青年干部培训班（第一期）" in page.get_data(as_text=True)
    response = english.post(f"/record/entries/{entry_id}/reverse",
                            data={"reason": "重复录入", "correct": ""}, follow_redirects=True)
    assert "The entry was reversed" in response.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(select(RecordEntry).order_by(RecordEntry.id)).all()
        assert [(e.id, e.hours, e.days, e.reverses_id) for e in rows] == [
            (entry_id, 60.0, 10.0, None), (rows[1].id, -60.0, -10.0, entry_id)]
        assert rows[1].note == "重复录入" and rows[1].entered_by_id == district["unit_admin"]
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
        assert (event.action, event.reason, event.actor_id) == (
            "entry.reverse", "重复录入", district["unit_admin"])
    assert _totals(app, district["cadre_jd01"]) == {"off_job": (0.0, 0.0, 0)}


def test_a_reversal_needs_a_reason(app, english, auth, district, subject):
    entry_id = _enter(app, english, auth, subject)
    before = _snapshot(app)
    html = english.post(f"/record/entries/{entry_id}/reverse",
                        data={"reason": "   "}).get_data(as_text=True)
    assert "Reason is required" in field_error(html, "reason")
    assert _snapshot(app) == before


def test_a_reversal_cannot_be_reversed_and_an_entry_is_reversed_once(app, english, auth,
                                                                    district, subject):
    entry_id = _enter(app, english, auth, subject)
    english.post(f"/record/entries/{entry_id}/reverse", data={"reason": "录错了"})
    with app.app_context():
        reversal_id = db.session.scalar(select(RecordEntry.id).where(
            RecordEntry.reverses_id == entry_id))
    before = _snapshot(app)
    page = english.get(f"/record/entries/{reversal_id}/reverse").get_data(as_text=True)
    assert "a reversal cannot be reversed" in page and 'name="reason"' not in page
    english.post(f"/record/entries/{reversal_id}/reverse", data={"reason": "再次更正"})
    page = english.get(f"/record/entries/{entry_id}/reverse").get_data(as_text=True)
    assert "already been reversed" in page and "录错了" in page
    english.post(f"/record/entries/{entry_id}/reverse", data={"reason": "再次更正"})
    assert _snapshot(app) == before


def test_a_correction_prefills_the_corrected_entry(app, english, auth, district, subject):
    entry_id = _enter(app, english, auth, subject, hours="60")
    response = english.post(f"/record/entries/{entry_id}/reverse",
                            data={"reason": "学时应为48", "correct": "y"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/cadres/c1/record/entries/new?corrects={entry_id}")
    html = english.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="中青年干部培训班（第一期）"' in html and 'value="60"' in html
    assert f"corrects entry {entry_id}" in html
    english.post("/cadres/c1/record/entries/new",
                 data=_form(subject, hours="48", corrects=str(entry_id)))
    with app.app_context():
        corrected = db.session.scalar(select(RecordEntry).order_by(RecordEntry.id.desc()))
        assert corrected.hours == 48 and corrected.details["corrects"] == entry_id
        assert corrected.reverses_id is None
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
        assert event.reason == "学时应为48"
    assert _totals(app, district["cadre_jd01"]) == {"off_job": (48.0, 10.0, 1)}


def test_only_administrators_in_scope_reverse(app, english, auth, district, subject):
    entry_id = _enter(app, english, auth, subject)
    auth.logout()
    before = _snapshot(app)
    for username in ("ua2", "c1", "learn"):
        auth.login(username)
        assert english.get(f"/record/entries/{entry_id}/reverse").status_code == 404
        assert english.post(f"/record/entries/{entry_id}/reverse",
                            data={"reason": "x"}).status_code == 404
        auth.logout()
    assert _snapshot(app) == before


# ---- the API -------------------------------------------------------------------------------

def _json(subject: int, **changes) -> dict:
    data = {"kind": "self_study", "subject_id": subject, "title": "《习近平谈治国理政》第四卷",
            "started_on": "2025-01-06", "ended_on": "2025-02-28", "hours": 12.5,
            "organiser": "", "result": "读书心得一篇"}
    data.update(changes)
    return data


def _post(client, token: str, url: str, body, **headers):
    return client.post(url, json=body, headers={"Authorization": f"Bearer {token}",
                                                 "Accept-Language": "en", **headers})


def test_the_api_adds_an_entry(app, client, district, subject):
    token = api_token(app, district["unit_admin"])
    response = _post(client, token, "/api/v1/users/learn/record/entries", _json(subject))
    assert response.status_code == 201
    body = response.get_json()
    assert {k: body[k] for k in ("username", "kind", "title", "hours", "days", "year",
                                 "occurred_on", "started_on", "origin", "reverses_id")} == {
        "username": "learn", "kind": "self_study", "title": "《习近平谈治国理政》第四卷",
        "hours": 12.5, "days": 0.0, "year": 2025, "occurred_on": "2025-02-28",
        "started_on": "2025-01-06", "origin": "entered", "reverses_id": None}
    assert body["entered_by"] == {"username": "ua1", "name": "ua1"}
    assert body["subject_id"] == subject and body["subject"]
    with app.app_context():
        assert db.session.get(RecordEntry, body["id"]).entered_by_id == district["unit_admin"]


def test_the_api_takes_a_degrees_facts_in_details(app, client, district, subject):
    token = api_token(app, district["org_admin"])
    response = _post(client, token, "/api/v1/users/c2/record/entries", _json(
        subject, kind="degree", title="在职研究生", started_on="2022-09-01",
        details={"institution": "省委党校", "programme": "法学", "degree": "法学硕士"}))
    assert response.status_code == 201
    assert response.get_json()["details"] == {"institution": "省委党校", "programme": "法学",
                                              "degree": "法学硕士"}


def _api_changes(changes: dict) -> dict:
    out = {}
    for key, value in _bad(changes).items():
        if key in ("hours", "days") and re.fullmatch(r"-?\d+", value or ""):
            value = float(value)
        out[key] = value
    return out


@pytest.mark.parametrize(("field", "changes", "words"), BAD_INPUT,
                         ids=[f"{f}-{i}" for i, (f, _c, _w) in enumerate(BAD_INPUT)])
def test_the_api_refuses_bad_input_naming_the_field(app, client, district, subject, field,
                                                    changes, words):
    token = api_token(app, district["unit_admin"])
    before = _snapshot(app)
    body = _json(subject, **{"days": 0, **_api_changes(changes)})
    if field == "subject_id":
        body["subject_id"] = 99999
    response = _post(client, token, "/api/v1/users/c1/record/entries", body)
    assert response.status_code == 422
    answer = response.get_json()
    assert words in answer["fields"][field], answer
    assert answer["error"]["code"] == "invalid"
    assert _snapshot(app) == before


def test_the_api_refuses_wrong_types(app, client, district, subject):
    token = api_token(app, district["unit_admin"])
    before = _snapshot(app)
    answer = _post(client, token, "/api/v1/users/c1/record/entries", _json(
        subject, hours=True, days=[1], title=5, subject_id="政治理论")).get_json()
    assert set(answer["fields"]) == {"hours", "days", "title", "subject_id"}
    for body in ("not json", ["a", "list"]):
        response = client.post("/api/v1/users/c1/record/entries",
                               data=body if isinstance(body, str) else None,
                               json=None if isinstance(body, str) else body,
                               headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 400
    assert _snapshot(app) == before


def test_the_api_is_scope_checked(app, client, district, subject):
    before = _snapshot(app)
    for user, username in (("unit_admin2", "c1"), ("learner", "learn"), ("learner", "c1"),
                           ("lecturer", "c1"), ("unit_admin", "c2"), ("unit_admin", "nobody")):
        response = _post(client, api_token(app, district[user]),
                         f"/api/v1/users/{username}/record/entries", _json(subject))
        assert response.status_code == 404, (user, username)
    response = _post(client, api_token(app, district["unit_admin"]),
                     "/api/v1/users/ua1/record/entries", _json(subject))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "own_record"
    assert client.post("/api/v1/users/c1/record/entries", json=_json(subject)).status_code == 401
    assert _snapshot(app) == before


def test_an_idempotency_key_makes_a_retry_safe(app, client, district, subject):
    token = api_token(app, district["unit_admin"])
    first = _post(client, token, "/api/v1/users/c1/record/entries", _json(subject),
                  **{"Idempotency-Key": "import-2025-0001"})
    again = _post(client, token, "/api/v1/users/c1/record/entries", _json(subject),
                  **{"Idempotency-Key": "import-2025-0001"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RecordEntry)) == 1
    bad = _post(client, token, "/api/v1/users/c1/record/entries", _json(subject),
                **{"Idempotency-Key": "no spaces/allowed"})
    assert bad.status_code == 400


def test_the_api_reverses_an_entry_once(app, client, district, subject):
    token = api_token(app, district["unit_admin"])
    entry_id = _post(client, token, "/api/v1/users/c1/record/entries",
                     _json(subject)).get_json()["id"]
    url = f"/api/v1/users/c1/record/entries/{entry_id}/reversal"
    before = _snapshot(app)
    response = _post(client, token, url, {"reason": ""})
    assert response.status_code == 422 and "Reason is required" in response.get_json()[
        "fields"]["reason"]
    assert _snapshot(app) == before
    response = _post(client, token, url, {"reason": "学时有误"})
    assert response.status_code == 201
    reversal = response.get_json()
    assert (reversal["reverses_id"], reversal["hours"], reversal["reason"]) == (
        entry_id, -12.5, "学时有误")
    again = _post(client, token, url, {"reason": "学时有误"})  # the same request, retried
    assert again.status_code == 200 and again.get_json()["id"] == reversal["id"]
    before = _snapshot(app)
    other = _post(client, token, url, {"reason": "别的原因"})
    assert other.status_code == 409 and other.get_json()["error"]["code"] == "already_reversed"
    of_reversal = _post(client, token,
                        f"/api/v1/users/c1/record/entries/{reversal['id']}/reversal",
                        {"reason": "撤销更正"})
    assert of_reversal.status_code == 409
    assert of_reversal.get_json()["error"]["code"] == "is_reversal"
    assert _snapshot(app) == before
    assert _totals(app, district["cadre_jd01"]) == {"self_study": (0.0, 0.0, 0)}


def test_the_api_reversal_is_scope_checked(app, client, district, subject):
    entry_id = _post(client, api_token(app, district["unit_admin"]),
                     "/api/v1/users/c1/record/entries", _json(subject)).get_json()["id"]
    before = _snapshot(app)
    for user, username in (("unit_admin2", "c1"), ("learner", "c1"), ("cadre_jd01", "c1"),
                           ("unit_admin", "learn")):  # the entry is not learn's
        response = _post(client, api_token(app, district[user]),
                         f"/api/v1/users/{username}/record/entries/{entry_id}/reversal",
                         {"reason": "x"})
        assert response.status_code == 404, user
    assert _snapshot(app) == before


def test_both_routes_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    add = paths["/users/{username}/record/entries"]["post"]
    assert {"201", "422", "404"} <= set(add["responses"])
    schema = add["requestBody"]["content"]["application/json"]["schema"]
    # Any kind: the automatic ones only for the corrected entry of an entry of that kind.
    assert set(schema["properties"]["kind"]["enum"]) == {
        "degree", "off_job", "rotation", "secondment", "self_study", "collective_study",
        "lecture", "online_course", "exam", "reading_note", "training_class"}
    assert "corrects" in schema["properties"]
    entry = add["responses"]["201"]["content"]["application/json"]["schema"]
    assert {"id", "kind", "hours", "days", "origin", "reverses_id"} <= set(entry["properties"])
    reversal = paths["/users/{username}/record/entries/{entry_id}/reversal"]["post"]
    assert {"201", "409", "422"} <= set(reversal["responses"])
    assert [p["name"] for p in reversal["parameters"]] == ["username", "entry_id"]


def test_the_longest_period_allowed_is_accepted(app, english, auth, district, subject):
    auth.login("ua1")
    english.post("/cadres/c1/record/entries/new", data=_form(subject, hours="288", days="12"))
    english.post("/cadres/c1/record/entries/new", data=_form(
        subject, started_on="", hours="24", days="1", title="一天的专题培训"))
    assert _totals(app, district["cadre_jd01"]) == {"off_job": (312.0, 13.0, 2)}


# ---- a double-submitted form ---------------------------------------------------------------

def _hidden(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert match, name
    return re.search(r'value="([^"]*)"', match.group(0)).group(1)


def test_a_double_submitted_entry_form_adds_one_entry(app, english, auth, district, subject):
    auth.login("ua1")
    page = english.get("/cadres/c1/record/entries/new").get_data(as_text=True)
    key = _hidden(page, "once")
    assert key and key != _hidden(english.get("/cadres/c1/record/entries/new").get_data(
        as_text=True), "once")  # a new key each time the form is shown
    first = english.post("/cadres/c1/record/entries/new", data=_form(subject, once=key))
    second = english.post("/cadres/c1/record/entries/new", data=_form(subject, once=key),
                          follow_redirects=True)
    assert first.status_code == 302
    assert "This form was already submitted" in second.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RecordEntry)) == 1
    assert _totals(app, district["cadre_jd01"]) == {"off_job": (60.0, 10.0, 1)}
    # The page after adding shows a fresh form with a fresh key: the next entry is added.
    english.post("/cadres/c1/record/entries/new", data=_form(
        subject, once=_hidden(english.get("/cadres/c1/record/entries/new").get_data(
            as_text=True), "once")))
    assert _totals(app, district["cadre_jd01"]) == {"off_job": (120.0, 20.0, 2)}


def test_an_idempotency_key_reused_for_other_facts_is_refused(app, client, district, subject):
    token = api_token(app, district["unit_admin"])
    url = "/api/v1/users/c1/record/entries"
    first = _post(client, token, url, _json(subject), **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    before = _snapshot(app)
    other = _post(client, token, url, _json(subject, hours=3), **{"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert other.get_json()["error"]["code"] == "key_reused"
    assert f"entry {first.get_json()['id']}" in other.get_json()["error"]["message"]
    assert _snapshot(app) == before
    # The key belongs to its administrator: another one's same key is another entry.
    again = _post(client, api_token(app, district["org_admin"]), url, _json(subject, hours=3),
                  **{"Idempotency-Key": "k-1"})
    assert again.status_code == 201


# ---- the corrected entry after a reversal, for any kind ------------------------------------

def _course_entry(app, user_id: int, hours: float = 2.0) -> int:
    """An online course completed (an automatic entry, as the platform writes it)."""
    with app.app_context():
        subject_id = db.session.scalar(select(SubjectCategory.id).order_by(SubjectCategory.id))
        course = Course(slug="gongwen", title="公文写作基础", category_id=subject_id,
                        status="published", hours=hours)
        db.session.add(course)
        db.session.flush()
        entry = chain.append_entry(RecordEntry(
            user_id=user_id, kind="online_course", subject_id=subject_id, course_id=course.id,
            title="公文写作基础", hours=hours, occurred_on=date(2025, 5, 6),
            source=f"course:{course.id}", dedupe_key=f"online_course:{course.id}:{user_id}"),
            actor_id=None)
        db.session.commit()
        return entry.id


def test_a_mistaken_reversal_of_an_automatic_entry_is_undone(app, english, auth, district,
                                                            subject):
    entry_id = _course_entry(app, district["cadre_jd01"])
    auth.login("ua1")
    response = english.post(f"/record/entries/{entry_id}/reverse",
                            data={"reason": "误操作撤销", "correct": "y"})
    assert response.headers["Location"].endswith(
        f"/cadres/c1/record/entries/new?corrects={entry_id}")
    assert _totals(app, district["cadre_jd01"]) == {"online_course": (0.0, 0.0, 0)}
    html = english.get(response.headers["Location"]).get_data(as_text=True)
    kinds = re.search(r'<select[^>]*id="kind".*?</select>', html, re.S).group(0)
    assert re.findall(r'<option[^>]*value="([^"]*)"', kinds) == ["online_course"]  # fixed
    assert "keeps the form of learning of the entry it corrects" in html
    assert 'value="公文写作基础"' in html
    form = _form(subject, kind="online_course", title="公文写作基础", started_on="",
                 ended_on="2025-05-06", hours="2", days="0", organiser="", result="",
                 corrects=str(entry_id), once=_hidden(html, "once"))
    english.post("/cadres/c1/record/entries/new", data=form)
    with app.app_context():
        original = db.session.get(RecordEntry, entry_id)
        corrected = db.session.scalar(select(RecordEntry).where(
            RecordEntry.dedupe_key == f"correction:{entry_id}"))
        assert (corrected.kind, corrected.hours, corrected.origin, corrected.course_id,
                corrected.source, corrected.details) == (
            "online_course", 2.0, "entered", original.course_id, original.source,
            {"corrects": entry_id})
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
        assert (event.action, event.entry_id, event.reason) == (
            "entry.add", corrected.id, "误操作撤销")
    assert _totals(app, district["cadre_jd01"]) == {"online_course": (2.0, 0.0, 1)}
    # The record page links to the course from the corrected entry.
    record = english.get("/cadres/c1/record?year=2025").get_data(as_text=True)
    row = record.split(f'<tr id="entry-{corrected.id}"')[1].split("</tr>")[0]
    assert "/courses/gongwen" in row and f"Corrects entry no. {entry_id}" in row


def test_a_corrected_entry_keeps_the_kind_of_the_entry_it_corrects(app, english, auth,
                                                                  district, subject):
    entry_id = _course_entry(app, district["cadre_jd01"])
    auth.login("ua1")
    english.post(f"/record/entries/{entry_id}/reverse", data={"reason": "误操作"})
    before = _snapshot(app)
    for kind, words in (("lecture", "keeps the form of learning"),
                        ("exam", "keeps the form of learning")):
        html = english.post("/cadres/c1/record/entries/new", data=_form(
            subject, kind=kind, corrects=str(entry_id))).get_data(as_text=True)
        assert words in field_error(html, "kind"), kind
    # Without `corrects`, an automatic kind is still refused.
    html = english.post("/cadres/c1/record/entries/new", data=_form(
        subject, kind="online_course")).get_data(as_text=True)
    assert "recorded by the platform itself" in field_error(html, "kind")
    assert _snapshot(app) == before


def test_a_reversed_entry_has_one_corrected_entry(app, english, auth, district, subject):
    entry_id = _enter(app, english, auth, subject, hours="60")
    english.post(f"/record/entries/{entry_id}/reverse", data={"reason": "学时应为48"})
    # Reversed without "enter the corrected entry next": the pages still lead to it.
    reverse_page = english.get(f"/record/entries/{entry_id}/reverse").get_data(as_text=True)
    link = f"/cadres/c1/record/entries/new?corrects={entry_id}"
    assert link in reverse_page
    assert link in english.get("/cadres/c1/record/entries/new").get_data(as_text=True)
    assert link in english.get("/cadres/c1/record?year=2025").get_data(as_text=True)
    page = english.get(link).get_data(as_text=True)
    form = _form(subject, hours="48", corrects=str(entry_id), once=_hidden(page, "once"))
    english.post("/cadres/c1/record/entries/new", data=form)
    again = english.post("/cadres/c1/record/entries/new", data=form, follow_redirects=True)
    assert "This form was already submitted" in again.get_data(as_text=True)
    before = _snapshot(app)
    other = english.post("/cadres/c1/record/entries/new", data=_form(
        subject, hours="50", corrects=str(entry_id), once="another-key"),
        follow_redirects=True).get_data(as_text=True)
    assert f"Entry {entry_id} has already been corrected by entry" in other
    assert _snapshot(app) == before
    page = english.get(link).get_data(as_text=True)
    assert "has already been corrected" in page and 'name="title"' not in page
    assert link not in english.get("/cadres/c1/record?year=2025").get_data(as_text=True)
    assert _totals(app, district["cadre_jd01"]) == {"off_job": (48.0, 10.0, 1)}


def test_the_api_posts_a_corrected_entry_once(app, client, district, subject):
    token = api_token(app, district["unit_admin"])
    url = "/api/v1/users/c1/record/entries"
    with app.app_context():
        exam = chain.append_entry(RecordEntry(  # with an hour (see the test below for none)
            user_id=district["cadre_jd01"], kind="exam", subject_id=subject, title="任职资格考试",
            hours=1.0, occurred_on=date(2025, 6, 1), reference="ZG-2025-0007", score=86.0,
            result="86.0%", source="activity:9", dedupe_key="exam:9:test"), actor_id=None)
        other = chain.append_entry(RecordEntry(
            user_id=district["cadre_jd02"], kind="lecture", subject_id=subject, title="讲座",
            hours=2.0, occurred_on=date(2025, 6, 1), dedupe_key="other:1"), actor_id=None)
        db.session.commit()
        exam_id, other_id = exam.id, other.id
    body = _json(subject, kind="exam", title="任职资格考试", started_on=None,
                 ended_on="2025-06-01", hours=1, result="86.0%", corrects=exam_id)
    before = _snapshot(app)
    not_yet = _post(client, token, url, body)
    assert not_yet.status_code == 409 and not_yet.get_json()["error"]["code"] == "not_reversed"
    reversal = _post(client, token, f"{url}/{exam_id}/reversal", {"reason": "误撤销前的测试"})
    assert reversal.status_code == 201
    for wrong, code, field in ((reversal.get_json()["id"], 409, None),
                               (other_id, 422, "corrects"), ("9", 422, "corrects"),
                               (True, 422, "corrects")):
        answer = _post(client, token, url, {**body, "corrects": wrong})
        assert answer.status_code == code, wrong
        if field:
            assert "Corrected entry: no such entry" in answer.get_json()["fields"][field]
    kind = _post(client, token, url, {**body, "kind": "lecture", "hours": 2})
    assert kind.status_code == 422 and "keeps the form" in kind.get_json()["fields"]["kind"]
    before = _snapshot(app)
    first = _post(client, token, url, body)
    assert first.status_code == 201
    corrected = first.get_json()
    assert (corrected["kind"], corrected["hours"], corrected["reference"], corrected["score"],
            corrected["source"], corrected["details"]) == (
        "exam", 1.0, "ZG-2025-0007", 86.0, "activity:9", {"corrects": exam_id})
    repeated = _post(client, token, url, body)  # its answer was lost: the same request again
    assert repeated.status_code == 200 and repeated.get_json()["id"] == corrected["id"]
    after = _snapshot(app)
    second = _post(client, token, url, {**body, "result": "90.0%"})
    assert second.status_code == 409
    assert second.get_json()["error"]["code"] == "already_corrected"
    assert _snapshot(app) == after != before


def test_an_entry_without_hours_or_days_is_reversed_and_corrected(app, english, auth, district,
                                                                  subject):
    """An approved reading note counts by the entry (no hours, no days): its corrected entry
    may have neither, and the chain stays whole."""
    with app.app_context():
        note = chain.append_entry(RecordEntry(
            user_id=district["cadre_jd01"], kind="reading_note", subject_id=subject,
            title="《干部教育培训工作条例》", hours=0.0, occurred_on=date(2025, 4, 2),
            source="reading_note:7", details={"item_id": 3, "list_year": 2025},
            dedupe_key="reading_note:7"), actor_id=None)
        db.session.commit()
        note_id = note.id
    auth.login("ua1")
    english.post(f"/record/entries/{note_id}/reverse", data={"reason": "误退回"})
    english.post("/cadres/c1/record/entries/new", data=_form(
        subject, kind="reading_note", title="《干部教育培训工作条例》", started_on="",
        ended_on="2025-04-02", hours="0", days="0", organiser="", result="",
        corrects=str(note_id)))
    with app.app_context():
        corrected = db.session.scalar(select(RecordEntry).where(
            RecordEntry.dedupe_key == f"correction:{note_id}"))
        assert (corrected.kind, corrected.source, corrected.details) == (
            "reading_note", "reading_note:7", {"item_id": 3, "list_year": 2025,
                                               "corrects": note_id})
    assert _totals(app, district["cadre_jd01"]) == {"reading_note": (0.0, 0.0, 1)}


def test_details_never_override_the_top_level_fields(app, client, district, subject):
    token = api_token(app, district["org_admin"])
    url = "/api/v1/users/c2/record/entries"
    before = _snapshot(app)
    for details in ({"hours": 1}, {"kind": "exam"}, ["institution"], "x"):
        answer = _post(client, token, url, _json(subject, details=details))
        assert answer.status_code == 422, details
        assert "Details: give an object with only institution, programme, degree" in \
            answer.get_json()["fields"]["details"]
    assert _snapshot(app) == before
    degree = _post(client, token, url, _json(
        subject, kind="degree", title="在职研究生", started_on="2022-09-01", institution="省委党校",
        details={"institution": "别的学校", "programme": "法学", "degree": "法学硕士"}))
    assert degree.status_code == 201
    assert degree.get_json()["details"]["institution"] == "省委党校"


def test_an_entry_reads_the_same_from_both_apis(app, client, district, subject):
    token = api_token(app, district["unit_admin"])
    added = _post(client, token, "/api/v1/users/c1/record/entries", _json(subject)).get_json()
    record = client.get("/api/v1/users/c1/record?year=2025",
                        headers={"Authorization": f"Bearer {token}"}).get_json()
    assert record["entries"] == [added]
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    written = paths["/users/{username}/record/entries"]["post"]["responses"]["201"]
    read = paths["/users/{username}/record"]["get"]["responses"]["200"]
    entry = written["content"]["application/json"]["schema"]
    assert read["content"]["application/json"]["schema"]["properties"]["entries"][
        "items"] == entry
    assert set(added) == set(entry["properties"])  # every key documented, no other
    header = paths["/users/{username}/record/entries"]["post"]["parameters"][1]
    assert "422" in header["description"]


def test_years_start_in_2000_everywhere(app, client, auth, district):
    headers = {"Authorization": f"Bearer {api_token(app, district['learner'])}"}
    assert client.get("/api/v1/users/learn/record?year=1999", headers=headers
                      ).status_code == 400
    assert client.get("/api/v1/users/learn/record?year=2000", headers=headers
                      ).get_json()["year"] == 2000
    auth.login("learn")
    assert 'value="2000" selected' in client.get("/cadres/learn/record?year=2000").get_data(
        as_text=True)
    # Before the record's first year, the page refuses as the API does (a 400 naming year).
    refused = client.get("/cadres/learn/record?year=1999")
    assert refused.status_code == 400 and "year" in refused.get_data(as_text=True)
