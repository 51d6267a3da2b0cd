"""Starting, closing and filing a class: each trainee's outcome, one record entry per
completed trainee (written once, under four eyes), their hours in the record and the
requirement statuses, and the notices."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from lms.audit.models import AdminEvent
from lms.auth.models import User
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.progress.models import Notice
from lms.records import chain, hours, rules
from lms.records.models import RecordEntry
from lms.training import models as t
from lms.training.attendance.errors import Refused
from lms.training.closing import services as closing
from tests import records_helpers, training_attendance_helpers
from tests.training_attendance_helpers import build_class

running = training_attendance_helpers.running
chain_stays_whole = records_helpers.chain_stays_whole
english = records_helpers.english
pytestmark = pytest.mark.usefixtures("chain_stays_whole")


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _attend(world, user_key: str, *sessions: str) -> None:
    for key in sessions:
        db.session.add(t.SessionAttendance(session_id=world.sessions[key],
                                           user_id=world.users[user_key], method="roster"))
    db.session.commit()


def _close(app, world, actor_key: str = "unit_admin"):
    with app.test_request_context():
        cls = db.session.get(t.TrainingClass, world.cls)
        return closing.close(cls, actor=db.session.get(User, world.users[actor_key]))


def test_closing_decides_outcomes_and_writes_each_completed_record_once(app, running):
    with app.app_context():
        _attend(running, "cadre_jd01", "past", "now")
        _attend(running, "learner", "past")
        rules.seed_defaults()
        db.session.commit()
        found = {o.trainee.user_id: o.outcome for o in _close(app, running)}
        users = running.users
        assert found == {users["cadre_jd01"]: "completed", users["learner"]: "completed",
                         users["cadre_jd02"]: "absent"}
        cls = db.session.get(t.TrainingClass, running.cls)
        assert cls.status == "closed" and cls.closed_by == users["unit_admin"]
        entries = db.session.scalars(select(RecordEntry).order_by(RecordEntry.user_id)).all()
        assert [(e.user_id, e.kind, e.hours, e.days, e.origin, e.entered_by_id, e.source)
                for e in entries] == [
            (uid, "training_class", 35.0, 5.0, "entered", users["unit_admin"],
             f"class:{cls.id}") for uid in sorted((users["cadre_jd01"], users["learner"]))]
        assert entries[0].organiser == "城关街道" and entries[0].title == "中青年干部培训班"
        trainee = db.session.get(t.ClassTrainee, running.trainees["cadre_jd01"])
        assert trainee.outcome == "completed"
        assert db.session.get(RecordEntry, trainee.entry_id).user_id == users["cadre_jd01"]
        absent = db.session.get(t.ClassTrainee, running.trainees["cadre_jd02"])
        assert absent.outcome == "absent" and absent.entry_id is None
        # The event, the audit, and each trainee's notice of their outcome.
        events = db.session.scalars(select(t.ClassEvent)).all()
        assert [(e.action, e.from_status, e.to_status) for e in events] == [
            ("close", "running", "closed")]
        assert _count(AdminEvent, AdminEvent.action == "class.change") == 1
        record_notices = {n.user_id: n.message for n in db.session.scalars(
            select(Notice).where(Notice.kind == "record"))}
        assert "35 学时、5 天" in record_notices[users["cadre_jd01"]]
        assert "缺训" in record_notices[users["cadre_jd02"]]
        summary = db.session.scalars(select(Notice.user_id).where(
            Notice.kind == "class_plan")).all()
        assert set(summary) == {users["unit_admin2"], users["org_admin"]}  # JD02's, the dept
        # The hours reach the record and the requirement statuses.
        standing = hours.standing(users["cadre_jd01"], local_today().year)
        assert standing.recorded.by_kind == {"training_class": 35.0}
        yearly = [v for v in standing.requirements if v.rule_set.code == "section-yearly"]
        assert yearly and yearly[0].hours == pytest.approx(35.0)
        # Closing again is refused and writes nothing.
        with pytest.raises(Refused) as refused:
            _close(app, running)
        assert refused.value.code == "status"
        assert _count(RecordEntry) == 2


def test_an_entry_is_written_once_per_class_and_cadre(app, running):
    with app.app_context(), app.test_request_context():
        cls = db.session.get(t.TrainingClass, running.cls)
        first = closing._entry(cls, running.users["learner"], running.users["unit_admin"])
        again = closing._entry(cls, running.users["learner"], running.users["unit_admin"])
        db.session.commit()
        assert first == again and _count(RecordEntry) == 1


def test_closing_concurrently_writes_once(app, running):
    with app.app_context():
        _attend(running, "cadre_jd01", "past")
        _attend(running, "learner", "past")
    outcomes: list[str] = []

    def close() -> None:
        with app.app_context():
            try:
                _close(app, running)
                outcomes.append("closed")
            except Refused as exc:
                outcomes.append(exc.code)
            except Exception as exc:  # noqa: BLE001 - SQLite's writer lock, reported below
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=close) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("closed") == 1, outcomes
    with app.app_context():
        assert _count(RecordEntry) == 2
        assert _count(t.ClassEvent) == 1


def test_the_withdrawn_and_the_excused_get_no_credit(app, running):
    with app.app_context():
        _attend(running, "cadre_jd01", "past")
        _attend(running, "learner", "past")
        _attend(running, "cadre_jd02", "past")
        db.session.get(t.ClassTrainee, running.trainees["learner"]).status = "withdrawn"
        db.session.get(t.ClassTrainee, running.trainees["cadre_jd02"]).status = "excused"
        db.session.commit()
        found = {o.trainee.user_id: o.outcome for o in _close(app, running)}
        assert sorted(found.values()) == ["completed", "excused", "withdrawn"]
        assert db.session.scalars(select(RecordEntry.user_id)).all() == [
            running.users["cadre_jd01"]]


def test_four_eyes_refuse_a_closer_who_may_not_credit_a_trainee(app, running, auth, client,
                                                                 english):
    with app.app_context():
        # The organiser's superior (the organisation department's administrator) is a trainee.
        from lms.org import services

        db.session.add(t.ClassTrainee(class_id=running.cls, user_id=running.users["org_admin"],
                                      unit_id=services.unit_by_code("QU").id,
                                      status="confirmed"))
        _attend(running, "org_admin", "past")
        _attend(running, "cadre_jd01", "past")
        with pytest.raises(Refused) as refused:
            _close(app, running)
        assert refused.value.code == "four_eyes"
        assert "org" in refused.value.problems["trainees"]
        assert _count(RecordEntry) == 0
        assert db.session.get(t.TrainingClass, running.cls).status == "running"
    auth.login("ua1")
    page = english.get(f"/training/classes/{running.cls}/close").get_data(as_text=True)
    assert "an administrator of the unit above closes it" in page
    assert "Close the class and write the records" not in page
    response = english.post(f"/training/classes/{running.cls}/close")
    assert response.status_code == 403
    with app.app_context():
        assert _count(RecordEntry) == 0


def test_a_classroom_class_without_sessions_is_not_closed(app, running):
    with app.app_context():
        for session in db.session.scalars(select(t.ClassSession)).all():
            db.session.delete(session)
        db.session.commit()
        with pytest.raises(Refused) as refused:
            _close(app, running)
        assert "sessions" in refused.value.problems


def test_an_online_class_completes_from_its_courses(app, district, monkeypatch):
    from lms.training.online import services as online

    with app.app_context():
        world = build_class(district, form="online")
        monkeypatch.setattr(online, "cohort_completed",
                            lambda cls: {district["cadre_jd02"]})
        found = {o.trainee.user_id: o.outcome for o in _close(app, world)}
        assert found[district["cadre_jd02"]] == "completed"
        assert found[district["cadre_jd01"]] == "absent"


def test_the_organiser_starts_and_closes_and_the_department_files(app, district, auth, client):
    with app.app_context():
        world = build_class(district, status="approved")
    auth.login("ua1")
    client.post(f"/training/classes/{world.cls}/start")
    with app.app_context():
        assert db.session.get(t.TrainingClass, world.cls).status == "running"
        started = {n.user_id for n in db.session.scalars(select(Notice).where(
            Notice.kind == "class_plan"))}
        assert {district["cadre_jd01"], district["learner"], district["org_admin"]} <= started
        _attend(world, "cadre_jd01", "past")
    preview = client.get(f"/training/classes/{world.cls}/close").get_data(as_text=True)
    assert "王一" in preview and "结业" in preview
    assert client.post(f"/training/classes/{world.cls}/close").status_code == 302
    # A unit administrator does not file; the organisation department does.
    assert client.post(f"/training/classes/{world.cls}/file").status_code == 404
    auth.logout()
    auth.login("org")
    client.post(f"/training/classes/{world.cls}/file")
    with app.app_context():
        cls = db.session.get(t.TrainingClass, world.cls)
        assert cls.status == "filed" and cls.filed_by == district["org_admin"]
        assert [e.action for e in db.session.scalars(
            select(t.ClassEvent).order_by(t.ClassEvent.id))] == ["start", "close", "file"]


def test_whoever_closed_a_class_does_not_file_it(app, district):
    with app.app_context():
        world = build_class(district, unit_code="QU")
        _attend(world, "cadre_jd01", "past")
        _close(app, world, "org_admin")
        with app.test_request_context():
            cls = db.session.get(t.TrainingClass, world.cls)
            with pytest.raises(Refused) as refused:
                closing.file(cls, actor=db.session.get(User, district["org_admin"]))
            assert refused.value.code == "four_eyes"
        assert db.session.get(t.TrainingClass, world.cls).status == "closed"


def test_the_record_page_shows_the_class_and_its_hours(app, running, auth, client):
    with app.app_context():
        _attend(running, "cadre_jd01", "past")
        _close(app, running)
        assert chain.verify().findings == []
    auth.login("c1")
    page = client.get("/me/record", follow_redirects=True).get_data(as_text=True)
    assert "中青年干部培训班" in page and "35" in page
    mine = client.get("/training/me").get_data(as_text=True)
    assert "已记入我的学习档案 35 学时、5 天" in mine


def test_leave_over_the_limit_withdraws_at_closing_too(app, running):
    with app.app_context():
        _attend(running, "learner", "past")
        for key in ("tomorrow", "late"):  # 5.5 hours of a 35-hour class
            db.session.add(t.LeaveRequest(session_id=running.sessions[key],
                                          user_id=running.users["learner"], reason="病假",
                                          status="approved"))
        db.session.commit()
        found = {o.trainee.user_id: o.outcome for o in _close(app, running)}
        assert found[running.users["learner"]] == "withdrawn"
        trainee = db.session.get(t.ClassTrainee, running.trainees["learner"])
        assert trainee.status == "withdrawn" and trainee.entry_id is None
        assert _count(RecordEntry) == 0
