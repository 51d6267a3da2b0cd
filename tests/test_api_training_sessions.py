"""API: adding sessions, the steps of a class's run, and checking in with a code."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.extensions import db
from lms.records.models import RecordEntry
from lms.training import models as t
from lms.training.attendance import checkin
from tests import training_attendance_helpers
from tests.records_helpers import bearer

running = training_attendance_helpers.running


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _first_day(app, world) -> str:
    with app.app_context():
        return db.session.get(t.TrainingClass, world.cls).starts_on.isoformat()


def test_the_organiser_adds_a_session(app, client, running):
    day = _first_day(app, running)
    response = client.post(f"/api/v1/classes/{running.cls}/sessions", json={
        "title": "案例教学", "starts_at": f"{day}T09:00", "ends_at": f"{day}T11:00",
        "hours": 2, "venue": "党校"}, headers=bearer(app, running.users["unit_admin"]))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["title"] == "案例教学" and body["starts_at"].endswith("01:00:00Z")


def test_bad_sessions_name_the_fields_and_write_nothing(app, client, running):
    response = client.post(f"/api/v1/classes/{running.cls}/sessions", json={
        "title": "", "starts_at": "2001-01-01T09:00", "ends_at": "nonsense", "hours": 99},
        headers=bearer(app, running.users["unit_admin"]))
    assert response.status_code == 422
    assert set(response.get_json()["fields"]) == {"title", "starts_at", "ends_at", "hours"}
    with app.app_context():
        assert _count(t.ClassSession) == 4


def test_another_units_class_is_not_found(app, client, running):
    for who in ("unit_admin2", "learner"):
        response = client.post(f"/api/v1/classes/{running.cls}/sessions", json={},
                               headers=bearer(app, running.users[who]))
        assert response.status_code == 404
        assert client.post(f"/api/v1/classes/{running.cls}/close",
                           headers=bearer(app, running.users[who])).status_code == 404


def test_checking_in_by_the_api(app, client, running):
    with app.test_request_context():
        session = db.session.get(t.ClassSession, running.sessions["now"])
        code = checkin.open_code(session, 15, actor_id=running.users["unit_admin"]).checkin_code
    url = f"/api/v1/sessions/{running.sessions['now']}/checkin"
    headers = bearer(app, running.users["cadre_jd01"])
    wrong = client.post(url, json={"code": f"{(int(code) + 1) % 1000000:06d}"},
                        headers=headers)
    assert wrong.status_code == 422 and wrong.get_json()["error"]["code"] == "wrong_code"
    assert "code" in wrong.get_json()["fields"]
    first = client.post(url, json={"code": code}, headers=headers)
    assert first.status_code == 200 and first.get_json()["created"] is True
    again = client.post(url, json={"code": code}, headers=headers)
    assert again.get_json()["created"] is False
    # The code is this session's only: another session of the class answers "wrong".
    other = client.post(f"/api/v1/sessions/{running.sessions['past']}/checkin",
                        json={"code": code}, headers=headers)
    assert other.status_code == 422
    # Someone who is no trainee of the class does not learn the session exists.
    stranger = client.post(url, json={"code": code},
                           headers=bearer(app, running.users["unit_admin2"]))
    assert stranger.status_code == 404
    with app.app_context():
        assert _count(t.SessionAttendance) == 1


def test_too_many_wrong_codes_answer_429(app, client, running):
    url = f"/api/v1/sessions/{running.sessions['now']}/checkin"
    headers = bearer(app, running.users["cadre_jd01"])
    codes = [client.post(url, json={"code": "000000"}, headers=headers).status_code
             for _n in range(11)]
    assert codes == [422] * 10 + [429]


def test_start_close_and_file(app, client, district):
    with app.app_context():
        world = training_attendance_helpers.build_class(district, status="approved")
    organiser = bearer(app, district["unit_admin"])
    started = client.post(f"/api/v1/classes/{world.cls}/start", headers=organiser)
    assert started.status_code == 200 and started.get_json()["status"] == "running"
    assert client.post(f"/api/v1/classes/{world.cls}/start",
                       headers=organiser).status_code == 409
    with app.app_context():
        db.session.add(t.SessionAttendance(session_id=world.sessions["past"],
                                           user_id=district["learner"], method="roster"))
        db.session.commit()
    closed = client.post(f"/api/v1/classes/{world.cls}/close", headers=organiser)
    assert closed.status_code == 200
    outcomes = {row["username"]: row["outcome"] for row in closed.get_json()["trainees"]}
    assert outcomes == {"c1": "absent", "learn": "completed", "c2": "absent"}
    again = client.post(f"/api/v1/classes/{world.cls}/close", headers=organiser)
    assert again.status_code == 409
    with app.app_context():
        assert _count(RecordEntry) == 1
    assert client.post(f"/api/v1/classes/{world.cls}/file",
                       headers=organiser).status_code == 404
    filed = client.post(f"/api/v1/classes/{world.cls}/file",
                        headers=bearer(app, district["org_admin"]))
    assert filed.status_code == 200 and filed.get_json()["status"] == "filed"


def test_closing_refused_by_four_eyes_is_403(app, client, running):
    from lms.org import services

    with app.app_context():
        db.session.add(t.ClassTrainee(class_id=running.cls, user_id=running.users["unit_admin"],
                                      unit_id=services.unit_by_code("JD01").id,
                                      status="confirmed"))
        db.session.add(t.SessionAttendance(session_id=running.sessions["past"],
                                           user_id=running.users["unit_admin"],
                                           method="code"))
        db.session.commit()
    response = client.post(f"/api/v1/classes/{running.cls}/close",
                           headers=bearer(app, running.users["unit_admin"]))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "four_eyes"
    # The organisation department above may close it.
    closed = client.post(f"/api/v1/classes/{running.cls}/close",
                         headers=bearer(app, running.users["org_admin"]))
    assert closed.status_code == 200


@pytest.mark.parametrize("body", [None, [], {"code": 123456}])
def test_a_body_that_is_no_code_is_refused(app, client, running, body):
    url = f"/api/v1/sessions/{running.sessions['now']}/checkin"
    response = client.post(url, json=body, headers=bearer(app, running.users["cadre_jd01"]))
    assert response.status_code in (400, 422)
