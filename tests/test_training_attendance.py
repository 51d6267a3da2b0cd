"""Sessions, check-in codes, the roster, leave and the 1/7 rule of a running class."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.audit.models import AdminEvent
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.progress.models import Notice
from lms.training import models as t
from lms.training.attendance import rates
from tests import records_helpers, training_attendance_helpers
from tests.records_helpers import field_error

english = records_helpers.english  # fixtures of the shared helpers
running = training_attendance_helpers.running

pytestmark = pytest.mark.usefixtures("running")


def _session(app, world, key: str) -> t.ClassSession:
    return db.session.get(t.ClassSession, world.sessions[key])


def _open_code(app, auth, client, world, key="now") -> str:
    auth.login("ua1")
    response = client.post(f"/training/sessions/{world.sessions[key]}/code",
                           data={"minutes": "15"})
    assert response.status_code == 302
    auth.logout()
    with app.app_context():
        return db.session.get(t.ClassSession, world.sessions[key]).checkin_code


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# ---- sessions ------------------------------------------------------------------------------

def test_the_organiser_adds_a_session_in_local_time(app, auth, client, running):
    auth.login("ua1")
    with app.app_context():
        cls = db.session.get(t.TrainingClass, running.cls)
        first = cls.starts_on.isoformat()
    response = client.post(f"/training/classes/{running.cls}/sessions/new", data={
        "title": "小组讨论", "starts_at": f"{first}T14:00", "ends_at": f"{first}T17:00",
        "hours": "3", "venue": "党校二楼", "lecturer": "张教授"})
    assert response.status_code == 302
    with app.app_context():
        session = db.session.scalar(select(t.ClassSession).filter_by(title="小组讨论"))
        assert session.starts_at.hour == 6  # 14:00 in Shanghai is 06:00 UTC
        assert session.hours == 3 and session.venue == "党校二楼"
        assert _count(AdminEvent, AdminEvent.action == "class.change") == 1


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"starts_at": "2001-01-01T09:00", "ends_at": "2001-01-01T10:00"}, "starts_at",
     "within the class"),
    ({"ends_at": "START"}, "ends_at", "after the start"),
    ({"hours": "-1"}, "hours", "between 0 and 24"),
    ({"hours": "abc"}, "hours", "must be a number"),
    ({"hours": "23"}, "hours", "hold 35.5 hours, more than the class"),
    ({"title": ""}, "title", "is required"),
])
def test_bad_sessions_are_refused_naming_the_field(app, auth, client, running, english,
                                                   change, field, words):
    auth.login("ua1")
    with app.app_context():
        first = db.session.get(t.TrainingClass, running.cls).starts_on.isoformat()
    data = {"title": "讨论", "starts_at": f"{first}T09:00", "ends_at": f"{first}T10:00",
            "hours": "1"}
    data.update(change)
    if data.get("ends_at") == "START":
        data["ends_at"] = data["starts_at"]
    response = english.post(f"/training/classes/{running.cls}/sessions/new", data=data)
    assert response.status_code == 422
    assert words in field_error(response.get_data(as_text=True), field)
    with app.app_context():
        assert _count(t.ClassSession) == 4


def test_no_sessions_change_once_the_class_is_closed(app, auth, client, running):
    with app.app_context():
        db.session.get(t.TrainingClass, running.cls).status = "closed"
        db.session.commit()
    auth.login("ua1")
    response = client.post(f"/training/sessions/{running.sessions['tomorrow']}/delete")
    assert response.status_code == 302
    with app.app_context():
        assert _count(t.ClassSession) == 4


def test_a_session_with_attendance_is_not_removed(app, auth, client, running):
    with app.app_context():
        db.session.add(t.SessionAttendance(session_id=running.sessions["past"],
                                           user_id=running.users["cadre_jd01"], method="roster"))
        db.session.commit()
    auth.login("ua1")
    client.post(f"/training/sessions/{running.sessions['past']}/delete")
    client.post(f"/training/sessions/{running.sessions['late']}/delete")
    with app.app_context():
        assert db.session.get(t.ClassSession, running.sessions["past"]) is not None
        assert db.session.get(t.ClassSession, running.sessions["late"]) is None


def test_another_street_never_sees_the_class(app, auth, client, running):
    auth.login("ua2")
    assert client.get(f"/training/classes/{running.cls}/sessions").status_code == 404
    assert client.get(f"/training/sessions/{running.sessions['now']}/code").status_code == 404


# ---- codes ---------------------------------------------------------------------------------

def test_a_code_is_six_random_digits_shown_large_with_its_qr_code(app, auth, client, running):
    code = _open_code(app, auth, client, running)
    assert len(code) == 6 and code.isdigit()
    auth.login("ua1")
    page = client.get(f"/training/sessions/{running.sessions['now']}/code")
    html = page.get_data(as_text=True)
    assert code in html and "code.svg" in html
    svg = client.get(f"/training/sessions/{running.sessions['now']}/code.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.headers["Cache-Control"] == "no-store"
    assert svg.data.lstrip().startswith(b"<?xml") or b"<svg" in svg.data[:200]
    # Closing it early: the image is gone and the code reads as expired.
    client.post(f"/training/sessions/{running.sessions['now']}/code/close")
    assert client.get(f"/training/sessions/{running.sessions['now']}/code.svg").status_code == 404


def test_the_qr_code_encodes_the_check_in_page_with_the_code(app, running):
    from lms.training.attendance import checkin

    with app.test_request_context("/", base_url="https://lms.example.org"):
        session = db.session.get(t.ClassSession, running.sessions["now"])
        checkin.open_code(session, 15, actor_id=running.users["unit_admin"])
        from flask import url_for

        assert url_for("training.checkin", code=session.checkin_code, _external=True) == (
            f"https://lms.example.org/training/checkin?code={session.checkin_code}")


def test_a_trainee_checks_in_once_with_the_code(app, auth, client, running):
    code = _open_code(app, auth, client, running)
    auth.login("c1")
    form = client.get(f"/training/checkin?code={code}").get_data(as_text=True)
    assert f'value="{code}"' in form
    assert client.post("/training/checkin", data={"code": code}).status_code == 302
    again = client.post("/training/checkin", data={"code": code}, follow_redirects=True)
    assert "无需重复签到" in again.get_data(as_text=True)
    with app.app_context():
        rows = db.session.scalars(select(t.SessionAttendance)).all()
        assert [(r.user_id, r.method) for r in rows] == [(running.users["cadre_jd01"], "code")]


@pytest.mark.parametrize(("who", "code", "words"), [
    ("c1", "000000x", "6 digits"),
    ("c1", "EXPIRED", "has expired"),
    ("lect", "OPEN", "not for a class you attend"),
    ("c1", "WRONG", "is wrong"),
])
def test_refused_codes_name_the_problem_and_write_nothing(app, auth, client, running, english,
                                                          who, code, words):
    real = _open_code(app, auth, client, running)
    if code == "EXPIRED":
        with app.app_context():
            session = db.session.get(t.ClassSession, running.sessions["now"])
            session.code_expires_at = utcnow() - timedelta(minutes=1)
            db.session.commit()
        code = real
    elif code == "OPEN":
        code = real
    elif code == "WRONG":
        code = f"{(int(real) + 1) % 1000000:06d}"
    auth.login(who)
    response = english.post("/training/checkin", data={"code": code})
    assert response.status_code == 422
    assert words in field_error(response.get_data(as_text=True), "code")
    with app.app_context():
        assert _count(t.SessionAttendance) == 0


def test_a_code_of_another_class_is_refused(app, auth, client, running, district, english):
    from tests.training_attendance_helpers import build_class

    with app.app_context():
        other = build_class(district, unit_code="JD02")
        # 赵二 is a trainee of the other class only once removed from the first.
        db.session.delete(db.session.get(t.ClassTrainee, running.trainees["cadre_jd02"]))
        db.session.commit()
    code = _open_code(app, auth, client, running)
    auth.login("c2")
    response = english.post("/training/checkin", data={"code": code})
    assert "not for a class you attend" in field_error(response.get_data(as_text=True), "code")
    with app.app_context():
        assert _count(t.SessionAttendance) == 0
        assert other.cls != running.cls


def test_wrong_codes_are_throttled(app, auth, client, running, english):
    real = _open_code(app, auth, client, running)
    auth.login("c1")
    wrong = f"{(int(real) + 1) % 1000000:06d}"
    for _n in range(10):
        assert english.post("/training/checkin", data={"code": wrong}).status_code == 422
    blocked = english.post("/training/checkin", data={"code": real})
    assert blocked.status_code == 429
    assert "Too many codes" in blocked.get_data(as_text=True)
    with app.app_context():
        assert _count(t.SessionAttendance) == 0


# ---- the roster ----------------------------------------------------------------------------

def test_the_roster_marks_present_and_absent(app, auth, client, running):
    auth.login("ua1")
    url = f"/training/sessions/{running.sessions['past']}/roster"
    assert client.get(url).status_code == 200
    everyone = [str(running.users[k]) for k in ("cadre_jd01", "learner", "cadre_jd02")]
    client.post(url, data={"present": everyone[:2], "shown": everyone})
    client.post(url, data={"present": everyone[1:2], "shown": everyone})
    with app.app_context():
        rows = db.session.scalars(select(t.SessionAttendance)).all()
        assert [(r.user_id, r.method) for r in rows] == [(running.users["learner"], "roster")]
        assert _count(AdminEvent, AdminEvent.action == "class.attendance") == 2
    # A page of the roster touches only the trainees it showed.
    client.post(url, data={"present": [], "shown": [str(running.users["cadre_jd01"])]})
    with app.app_context():
        assert _count(t.SessionAttendance) == 1
    # A session that has not started has no roster yet.
    client.post(f"/training/sessions/{running.sessions['tomorrow']}/roster",
                data={"present": everyone[1:2], "shown": everyone})
    with app.app_context():
        assert _count(t.SessionAttendance) == 1


# ---- leave and the 1/7 rule ----------------------------------------------------------------

def _ask(client, session_id: int, reason: str = "家中有事"):
    return client.post(f"/training/sessions/{session_id}/leave", data={"reason": reason},
                       follow_redirects=True)


def test_leave_is_asked_decided_and_noticed_both_ways(app, auth, client, running):
    auth.login("c1")
    _ask(client, running.sessions["tomorrow"])
    auth.logout()
    with app.app_context():
        leave = db.session.scalar(select(t.LeaveRequest))
        assert leave.status == "pending"
        told = db.session.scalars(select(Notice).where(Notice.kind == "leave")).all()
        assert [n.user_id for n in told] == [running.users["unit_admin"]]
        assert "家中有事" in told[0].message
    auth.login("ua1")
    assert "家中有事" in client.get(f"/training/classes/{running.cls}/sessions").get_data(
        as_text=True)
    client.post(f"/training/leave/{leave.id}/decide", data={"grant": "1", "reply": "同意"})
    with app.app_context():
        assert db.session.get(t.LeaveRequest, leave.id).status == "approved"
        notice = db.session.scalar(select(Notice).where(
            Notice.user_id == running.users["cadre_jd01"], Notice.kind == "leave"))
        assert notice.message == "你在培训班“中青年干部培训班”课次“现场教学”的请假已获准。同意"
        assert _count(AdminEvent, AdminEvent.action == "class.leave") == 2


def test_refusing_leave_needs_a_reply(app, auth, client, running):
    auth.login("c1")
    _ask(client, running.sessions["tomorrow"])
    auth.logout()
    auth.login("ua1")
    with app.app_context():
        leave_id = db.session.scalar(select(t.LeaveRequest.id))
    client.post(f"/training/leave/{leave_id}/decide", data={"refuse": "1", "reply": ""})
    with app.app_context():
        assert db.session.get(t.LeaveRequest, leave_id).status == "pending"
    client.post(f"/training/leave/{leave_id}/decide", data={"refuse": "1", "reply": "课程重要"})
    with app.app_context():
        assert db.session.get(t.LeaveRequest, leave_id).status == "refused"


def test_leave_for_a_session_attended_or_over_is_refused(app, auth, client, running, english):
    with app.app_context():
        db.session.add(t.SessionAttendance(session_id=running.sessions["now"],
                                           user_id=running.users["cadre_jd01"], method="code"))
        db.session.commit()
    auth.login("c1")
    attended = _ask(english, running.sessions["now"]).get_data(as_text=True)
    assert "You attended the session “专题辅导”" in attended
    over = _ask(english, running.sessions["past"]).get_data(as_text=True)
    assert "is over" in over
    empty = _ask(english, running.sessions["tomorrow"], "").get_data(as_text=True)
    assert "Reason is required" in empty
    with app.app_context():
        assert _count(t.LeaveRequest) == 0


def test_leave_is_refused_after_the_class_closed(app, auth, client, running, english):
    with app.app_context():
        db.session.get(t.TrainingClass, running.cls).status = "closed"
        db.session.commit()
    auth.login("c1")
    assert "closed" in _ask(english, running.sessions["tomorrow"]).get_data(as_text=True)
    with app.app_context():
        assert _count(t.LeaveRequest) == 0


def _grant(app, world, user_key: str, *session_keys: str) -> None:
    with app.app_context():
        for key in session_keys:
            db.session.add(t.LeaveRequest(session_id=world.sessions[key],
                                          user_id=world.users[user_key], reason="病假",
                                          status="approved"))
        db.session.commit()


def test_five_hours_of_a_35_hour_class_is_within_one_seventh(app, running):
    _grant(app, running, "cadre_jd01", "tomorrow")  # 5 hours: exactly the limit
    with app.app_context():
        cls = db.session.get(t.TrainingClass, running.cls)
        assert rates.limit_hours(cls) == pytest.approx(5)
        assert rates.over_limit(cls) == {}
        sheet = rates.sheets(cls, [db.session.get(t.ClassTrainee,
                                                  running.trainees["cadre_jd01"])])[0]
        assert sheet.leave_hours == 5 and not sheet.over_limit


def test_five_and_a_half_hours_pass_one_seventh_and_withdraw(app, auth, client, running):
    _grant(app, running, "learner", "tomorrow", "late")  # 5.5 hours
    with app.app_context(), app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        cls = db.session.get(t.TrainingClass, running.cls)
        assert rates.over_limit(cls) == {running.users["learner"]: 5.5}
        assert rates.over_text(cls, 5.5) == (
            "请假 5.5 学时，超过本班 35 学时的七分之一（5 学时），应予退学。")
    auth.login("ua1")
    page = client.get(f"/training/classes/{running.cls}/sessions").get_data(as_text=True)
    assert "七分之一" in page
    # The organiser may not withdraw someone within the limit.
    client.post(f"/training/trainees/{running.trainees['cadre_jd01']}/withdraw")
    client.post(f"/training/trainees/{running.trainees['learner']}/withdraw")
    with app.app_context():
        assert db.session.get(t.ClassTrainee, running.trainees["cadre_jd01"]).status == (
            "confirmed")
        withdrawn = db.session.get(t.ClassTrainee, running.trainees["learner"])
        assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_at is not None
        told = {n.user_id for n in db.session.scalars(select(Notice).where(
            Notice.kind == "attendance"))}
        assert running.users["learner"] in told
        # 李学员's community has no administrator of its own: its street (ua1) hears.
        assert _count(AdminEvent, AdminEvent.action == "class.trainees") == 1


def test_leave_taken_but_attended_anyway_does_not_count(app, running):
    _grant(app, running, "learner", "now", "tomorrow")  # 7 hours granted
    with app.app_context():
        db.session.add(t.SessionAttendance(session_id=running.sessions["now"],
                                           user_id=running.users["learner"], method="code"))
        db.session.commit()
        cls = db.session.get(t.TrainingClass, running.cls)
        assert rates.over_limit(cls) == {}


def test_attendance_rates_count_held_hours(app, running):
    with app.app_context():
        for key in ("past", "now"):
            db.session.add(t.SessionAttendance(session_id=running.sessions[key],
                                               user_id=running.users["cadre_jd01"],
                                               method="roster"))
        db.session.add(t.SessionAttendance(session_id=running.sessions["past"],
                                           user_id=running.users["learner"], method="roster"))
        db.session.commit()
        cls = db.session.get(t.TrainingClass, running.cls)
        trainees = db.session.scalars(select(t.ClassTrainee).order_by(t.ClassTrainee.id)).all()
        by_key = {s.trainee.user_id: s for s in rates.sheets(cls, trainees)}
        assert by_key[running.users["cadre_jd01"]].rate == pytest.approx(1.0)
        assert by_key[running.users["learner"]].rate == pytest.approx(5 / 7)
        assert by_key[running.users["cadre_jd02"]].rate == 0
        assert rates.class_rate(cls) == pytest.approx(12 / 21)


# ---- the learner's page --------------------------------------------------------------------

def test_my_classes_shows_sessions_attendance_and_rate(app, auth, client, running,
                                                       page_queries):
    with app.app_context():
        db.session.add(t.SessionAttendance(session_id=running.sessions["past"],
                                           user_id=running.users["cadre_jd01"], method="roster"))
        db.session.commit()
    auth.login("c1")
    html = client.get("/training/me").get_data(as_text=True)
    assert "中青年干部培训班" in html and "开班式" in html and "71%" in html
    first, _size = page_queries(client, "/training/me")
    from tests.training_attendance_helpers import build_class

    with app.app_context():
        for _n in range(3):
            other = build_class(running.users, unit_code="JD02")
            assert other.cls
    more, _size = page_queries(client, "/training/me")
    assert more == first  # one query per kind of thing, whatever the number of classes


def test_the_sessions_tab_runs_the_same_queries_for_more_trainees(app, auth, client, running,
                                                                   make_user, page_queries):
    auth.login("ua1")
    url = f"/training/classes/{running.cls}/sessions"
    first, _size = page_queries(client, url)
    with app.app_context():
        from lms.org import services

        unit = services.unit_by_code("JD01").id
        for n in range(6):
            uid = make_user(f"extra{n}", "learner", "JD01")
            db.session.add(t.ClassTrainee(class_id=running.cls, user_id=uid, unit_id=unit,
                                          status="confirmed"))
            db.session.add(t.SessionAttendance(session_id=running.sessions["past"],
                                               user_id=uid, method="roster"))
            db.session.add(t.LeaveRequest(session_id=running.sessions["tomorrow"],
                                          user_id=uid, reason="病假"))
        db.session.commit()
    more, _size = page_queries(client, url)
    assert more == first


def test_the_organiser_sets_the_class_leave_limit(app, auth, client, running):
    _grant(app, running, "cadre_jd01", "tomorrow")  # 5 hours
    auth.login("ua1")
    url = f"/training/classes/{running.cls}/leave-limit"
    for bad in ("0", "1", "abc", "1/0", "-1/7"):
        client.post(url, data={"leave_limit": bad})
        with app.app_context():
            assert db.session.get(t.TrainingClass, running.cls).leave_limit == pytest.approx(1 / 7)
    client.post(url, data={"leave_limit": "1/8"})
    with app.app_context():
        cls = db.session.get(t.TrainingClass, running.cls)
        assert cls.leave_limit == pytest.approx(1 / 8)
        assert rates.over_limit(cls) == {running.users["cadre_jd01"]: 5.0}  # over 4.375
    page = client.get(f"/training/classes/{running.cls}/sessions").get_data(as_text=True)
    assert "八分之一" in page and 'value="1/8"' in page


def test_the_qr_link_survives_signing_in(app, auth, client, running):
    response = client.get("/training/checkin?code=123456")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "code%3D123456" in response.headers["Location"]
    signed = auth.login("c1", query_string={"next": "/training/checkin?code=123456"})
    assert signed.headers["Location"].endswith("/training/checkin?code=123456")
