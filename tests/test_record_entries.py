"""Entries entered by administrators and their reversals, in the browser form and the API:
bad input is refused naming the field with nothing written; reversals keep both entries and
net to zero; administrators act only inside their scope, never on their own record."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.auth.services import create_token
from lms.catalog.models import SubjectCategory
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.records import chain
from lms.records.models import AuditEvent, RecordEntry, RecordTotal


@pytest.fixture(autouse=True)
def _chain_stays_whole(app):
    """Whatever a test did through the application, the chain verifies afterwards."""
    yield
    with app.app_context():
        report = chain.verify()
        assert report.findings == [], [str(f) for f in report.findings]


@pytest.fixture
def subject(app) -> int:
    with app.app_context():
        return db.session.scalar(select(SubjectCategory.id).order_by(SubjectCategory.id))


@pytest.fixture
def english(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


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


def _token(app, user_id: int) -> str:
    with app.app_context():
        return create_token(db.session.get(User, user_id), "test")


def _field_error(html: str, field: str) -> str:
    """The error list shown under a form field (empty when there is none)."""
    match = re.search(rf'<ul class="errors" id="{field}-err">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


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
    assert words in _field_error(html, field), _field_error(html, field)
    assert f'id="{field}"' in html and 'aria-invalid="true"' in html
    assert "Nothing was saved" in html
    assert _snapshot(app) == before


def test_every_problem_is_named_at_once(english, auth, district, subject):
    auth.login("ua1")
    html = english.post("/cadres/c1/record/entries/new", data=_form(
        subject, kind="exam", title="", hours="3000", ended_on=_future())).get_data(as_text=True)
    for field in ("kind", "title", "hours", "ended_on"):
        assert _field_error(html, field), field


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
    assert "Reason is required" in _field_error(html, "reason")
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
    token = _token(app, district["unit_admin"])
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
    token = _token(app, district["org_admin"])
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
    token = _token(app, district["unit_admin"])
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
    token = _token(app, district["unit_admin"])
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
        response = _post(client, _token(app, district[user]),
                         f"/api/v1/users/{username}/record/entries", _json(subject))
        assert response.status_code == 404, (user, username)
    response = _post(client, _token(app, district["unit_admin"]),
                     "/api/v1/users/ua1/record/entries", _json(subject))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "own_record"
    assert client.post("/api/v1/users/c1/record/entries", json=_json(subject)).status_code == 401
    assert _snapshot(app) == before


def test_an_idempotency_key_makes_a_retry_safe(app, client, district, subject):
    token = _token(app, district["unit_admin"])
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
    token = _token(app, district["unit_admin"])
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
    entry_id = _post(client, _token(app, district["unit_admin"]),
                     "/api/v1/users/c1/record/entries", _json(subject)).get_json()["id"]
    before = _snapshot(app)
    for user, username in (("unit_admin2", "c1"), ("learner", "c1"), ("cadre_jd01", "c1"),
                           ("unit_admin", "learn")):  # the entry is not learn's
        response = _post(client, _token(app, district[user]),
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
