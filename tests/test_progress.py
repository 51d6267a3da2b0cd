"""Study time is credited by server rules only; completion and its record happen once."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from lms.auth.models import User
from lms.catalog.models import Activity, ActivityState, Course
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.progress import services
from lms.progress.models import Enrolment
from lms.records.models import RecordEntry
from tests.conftest import PASSWORD, own_statements

INTERVAL = 30  # LMS_HEARTBEAT_SECONDS default


@pytest.fixture
def study(app, sample_courses):
    """Beat as the learner on an activity at chosen times (seconds from a start)."""
    start = utcnow()

    def beat(key: str, seq: int, at: float, *, visible: bool = True, position=None,
             slug: str = "gongwen-xiezuo"):
        with app.app_context():
            user = db.session.scalar(db.select(User).filter_by(username="learn"))
            course = db.session.scalar(db.select(Course).filter_by(slug=slug))
            activity = db.session.scalar(db.select(Activity).filter_by(course_id=course.id,
                                                                      key=key))
            return services.heartbeat(user, activity, seq=seq, visible=visible,
                                      position=position, now=start + timedelta(seconds=at))
    return beat


def test_contiguous_visible_beats_are_credited(study):
    assert study("gaishu", 1, 0).reason == "started"
    assert study("gaishu", 2, 30).counted == 30
    result = study("gaishu", 3, 55)
    assert result.counted == 25 and result.credited_seconds == 55  # never more than elapsed


def test_no_credit_for_a_hidden_page(study):
    study("gaishu", 1, 0)
    assert study("gaishu", 2, 30, visible=False).counted == 0
    assert study("gaishu", 3, 60, visible=False).credited_seconds == 0


def test_no_credit_across_a_gap(study):
    study("gaishu", 1, 0)
    result = study("gaishu", 2, 30 + 3600)
    assert result.counted == 0 and result.reason == "gap"
    assert study("gaishu", 3, 3660).counted == 30  # a new contiguous run counts again


def test_no_credit_for_a_replayed_or_duplicate_sequence(study):
    study("gaishu", 1, 0)
    study("gaishu", 2, 30)
    assert study("gaishu", 2, 31).reason == "replayed"
    assert study("gaishu", 1, 60).counted == 0
    assert study("gaishu", 3, 60).credited_seconds == 60


def test_no_credit_for_a_second_parallel_activity(study):
    study("gaishu", 1, 0)
    study("geshi", 1, 5)
    study("gaishu", 2, 30)
    parallel = study("geshi", 2, 35)
    assert parallel.counted == 0 and parallel.reason == "other_activity"
    assert study("gaishu", 3, 60).counted == 30
    # Once the first activity falls silent, the other one may take over.
    study("geshi", 3, 200)
    assert study("geshi", 4, 230).counted == 30


def test_media_frontier_ignores_seeking_ahead(app, study):
    study("gaishu", 1, 0, position=0)
    study("gaishu", 2, 30, position=29)
    jumped = study("gaishu", 3, 60, position=900)  # skipped to near the end
    with app.app_context():
        state = db.session.scalar(db.select(ActivityState).where(
            ActivityState.study_seconds > 0))
        assert state.frontier <= 29 + 2 * 30 + 2  # at most twice real time past the frontier
        assert state.position == 900  # where to resume
    assert jumped.counted == 30  # time spent still counts, the skipped part does not


def test_lecture_completes_on_credited_time_and_course_once(app, study):
    # gaishu needs 20 minutes.
    study("gaishu", 1, 0)
    t = 0
    for seq in range(2, 43):
        t += 30
        result = study("gaishu", seq, t)
    assert result.completed and result.credited_seconds >= 20 * 60
    with app.app_context():
        assert db.session.scalar(db.select(Enrolment)).source == "self"
        assert db.session.scalar(db.select(db.func.count()).select_from(RecordEntry)) == 0


def test_course_completion_writes_the_record_once(app, sample_courses):
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="learn"))
        course = db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo"))
        now = utcnow()
        services.enrol(user, course)
        for activity in course.activities:
            db.session.add(ActivityState(user_id=user.id, activity_id=activity.id,
                                         study_seconds=600, completed_at=now, state={}))
        db.session.commit()
        assert services.complete_course_if_done(user, course, now)
        assert services.complete_course_if_done(user, course, now)
        entries = list(db.session.scalars(db.select(RecordEntry)))
        assert len(entries) == 1
        entry = entries[0]
        assert entry.kind == "online_course" and entry.year == now.year
        # 8 activities x 600 s = 80 min at 45 min per 学时 = 1.78, within the course's 4.0
        assert entry.hours == 1.78
        assert db.session.scalar(db.select(Enrolment)).completed_at is not None


def test_course_completes_once_under_concurrent_requests(app, db_url, sample_courses):
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrency is proven on PostgreSQL (the second pass of make test)")
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).filter_by(username="learn"))
        course = db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo"))
        course_id, now = course.id, utcnow()
        services.enrol(db.session.get(User, user_id), course)
        for activity in course.activities:
            db.session.add(ActivityState(user_id=user_id, activity_id=activity.id,
                                         study_seconds=600, completed_at=now, state={}))
        db.session.commit()
    barrier = threading.Barrier(20)
    errors = []

    def complete():
        try:
            barrier.wait(timeout=30)  # all start together (before taking a connection)
            with app.app_context():
                user = db.session.get(User, user_id)
                course = db.session.get(Course, course_id)
                services.complete_course_if_done(user, course, now)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=complete) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(RecordEntry)) == 1


def test_heartbeat_api_and_page_endpoint(app, client, sample_courses):
    from lms.auth.services import create_token

    with app.app_context():
        token = create_token(db.session.scalar(db.select(User).filter_by(username="learn")), "t")
        lecture = db.session.scalar(db.select(Activity).filter_by(key="gaishu")).id
    headers = {"Authorization": f"Bearer {token}"}
    enrolled = client.post("/api/v1/courses/gongwen-xiezuo/enrolment", headers=headers)
    assert enrolled.status_code == 200 and enrolled.get_json()["source"] == "self"
    first = client.post(f"/api/v1/activities/{lecture}/heartbeat", headers=headers,
                        json={"seq": 1, "visible": True})
    assert first.status_code == 200
    assert first.get_json() == {"credited_seconds": 0, "completed": False, "counted": 0,
                                "reason": "started", "presence_check": False,
                                "counting": True, "message": ""}
    bad = client.post(f"/api/v1/activities/{lecture}/heartbeat", headers=headers,
                      json={"seq": "x", "visible": True})
    assert bad.status_code == 400 and bad.get_json()["error"]
    for body in ({"seq": 2**31, "visible": True}, {"seq": 2, "visible": True, "age": "1"},
                 {"seq": True, "visible": True}, {"seq": 2, "visible": "yes"}):
        assert client.post(f"/api/v1/activities/{lecture}/heartbeat", headers=headers,
                           json=body).status_code == 400, body
    assert client.post(f"/api/v1/activities/{lecture}/heartbeat",
                       json={"seq": 2, "visible": True}).status_code == 401
    client.post("/login", data={"username": "learn", "password": PASSWORD})
    page = client.get(f"/activities/{lecture}").get_data(as_text=True)
    assert 'data-beat-url="/activities/' in page and 'data-seq="1"' in page
    replay = client.post(f"/activities/{lecture}/beat", json={"seq": 1, "visible": True})
    assert replay.get_json()["reason"] == "replayed"


def test_my_learning_page_and_api(app, client, study, page_queries):
    from lms.auth.services import create_token
    from lms.records import rules

    with app.app_context():  # the requirements are the national default rule sets
        rules.seed_defaults()
        db.session.commit()
    study("gaishu", 1, 0)
    study("gaishu", 2, 30)
    client.post("/login", data={"username": "learn", "password": PASSWORD})
    html = client.get("/me/learning").get_data(as_text=True)
    assert "公文写作基础" in html and "继续学习：公文的性质、作用与种类" in html
    assert "干部网络培训年度学时" in html and "乡科级及以下干部年度培训" in html
    with app.app_context():
        token = create_token(db.session.scalar(db.select(User).filter_by(username="learn")), "t")
    body = client.get("/api/v1/me/learning",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["in_progress"][0]["course"] == "gongwen-xiezuo"
    assert body["in_progress"][0]["total"] == 8 and body["online_required_hours"] == 50.0
    assert body["required_hours"] == 90.0  # section level: 90 学时 a year
    online = next(r for r in body["requirements"] if r["rule_set"] == "online-yearly")
    assert online["hours"] == 0 and online["missing"][0]["need"] == 50
    assert body["resume_activity_id"] is not None
    queries, _size = page_queries(client, "/me/learning")
    # Ten for the courses, hours and notices; two for the requirements (the active rule sets;
    # the cadre's audiences with their stored statuses). The navigation's count of unread
    # notices is the notices listed.
    assert queries <= 12


def test_a_beat_whose_write_fails_is_not_acknowledged_and_its_retry_counts_once(
        app, client, sample_courses, monkeypatch):
    """No acknowledged second is lost: a beat whose write fails (the database went away) is
    answered 500, not 200, and left nothing behind; the page sends it again with the same
    `seq` and its `age`, and it is credited once, at the moment it was taken."""
    from sqlalchemy import text

    from lms.auth.services import create_token

    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="learn"))
        token = create_token(user, "t")
        lecture = db.session.scalar(db.select(Activity).filter_by(key="gaishu")).id
    start, clock = utcnow(), {"at": 0.0}
    monkeypatch.setattr(services, "utcnow", lambda: start + timedelta(seconds=clock["at"]))

    def beat(seq: int, at: float, age: float = 0.0):
        clock["at"] = at
        return client.post(f"/api/v1/activities/{lecture}/heartbeat",
                           headers={"Authorization": f"Bearer {token}"},
                           json={"seq": seq, "visible": True, "age": age})

    assert beat(1, 0).get_json()["reason"] == "started"
    assert beat(2, 30).get_json()["counted"] == 30
    with monkeypatch.context() as broken:
        broken.setattr(services, "_WRITE", text("UPDATE no_such_table SET x = 1"))
        broken.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
        assert beat(3, 60).status_code == 500
    with app.app_context():
        state = db.session.scalar(db.select(ActivityState).filter_by(activity_id=lecture))
        assert (state.study_seconds, state.last_seq) == (30, 2)
    retried = beat(3, 65, age=5).get_json()  # the page's retry: same seq, taken 5 s ago
    assert (retried["reason"], retried["counted"], retried["credited_seconds"]) == \
        ("credited", 30, 60)
    again = beat(3, 70, age=10).get_json()  # sent once more: nothing more
    assert (again["reason"], again["counted"], again["credited_seconds"]) == ("replayed", 0, 60)


def test_steady_api_beat_is_one_read_one_write_and_keeps_every_rule(app, client, sample_courses,
                                                                    monkeypatch):
    """Through the API a steady beat costs two statements (the token with its user, the
    state, the study clock, the activity and its course; one conditional UPDATE), and
    the rules still hold: replays, hidden pages, a second activity, gaps, completion, an
    archived course, deactivated accounts."""
    from lms.auth.services import create_token

    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="learn"))
        user_id, token = user.id, create_token(user, "t")
        lecture = db.session.scalar(db.select(Activity).filter_by(key="gaishu")).id
        other = db.session.scalar(db.select(Activity).filter_by(key="geshi")
                                  .where(Activity.course.has(slug="gongwen-xiezuo"))).id
        engine = db.engine
    headers = {"Authorization": f"Bearer {token}"}
    start, clock = utcnow(), {"at": 0.0}
    monkeypatch.setattr(services, "utcnow", lambda: start + timedelta(seconds=clock["at"]))

    def beat(activity: int, seq: int, at: float, visible: bool = True) -> dict:
        clock["at"] = at
        answer = client.post(f"/api/v1/activities/{activity}/heartbeat", headers=headers,
                             json={"seq": seq, "visible": visible})
        assert answer.status_code == 200
        return answer.get_json()

    assert beat(lecture, 1, 0)["reason"] == "started"
    assert beat(lecture, 2, 30)["counted"] == 30  # takes the study clock
    with own_statements(engine) as statements:
        steady = beat(lecture, 3, 60)
    assert steady == {"credited_seconds": 60, "completed": False, "counted": 30,
                      "reason": "credited", "presence_check": False, "counting": True,
                      "message": ""}
    # The token with its user, the state, the clock, the activity and its course; the
    # conditional UPDATE (committed by itself: no BEGIN, no COMMIT).
    assert len(statements) == 2 and statements[-1].startswith("UPDATE activity_states")

    assert beat(lecture, 3, 90)["reason"] == "replayed"
    assert beat(lecture, 4, 90, visible=False)["counted"] == 0
    assert beat(other, 1, 95)["reason"] == "started"
    refused = beat(other, 2, 100)
    assert (refused["reason"], refused["counting"]) == ("other_activity", False)
    assert "另一个标签页" in refused["message"]
    assert beat(lecture, 5, 200)["reason"] == "gap"
    seq, at, answer = 5, 200.0, {}
    while not answer.get("completed"):  # gaishu needs 20 minutes
        seq, at = seq + 1, at + 30
        answer = beat(lecture, seq, at)
        assert seq < 60
    assert answer["credited_seconds"] >= 20 * 60 and answer["credited_seconds"] < 20 * 60 + 30
    with app.app_context():  # an archived course is closed to study at once
        course = db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo"))
        course.status = "archived"
        db.session.commit()
    assert client.post(f"/api/v1/activities/{other}/heartbeat", headers=headers,
                       json={"seq": 3, "visible": True}).status_code == 404
    with app.app_context():
        db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo")).status = \
            "published"
        db.session.commit()
    with app.app_context():
        state = db.session.scalar(db.select(ActivityState).filter_by(activity_id=lecture))
        assert state.completed_at is not None and state.study_seconds == answer["credited_seconds"]
        db.session.get(User, user_id).is_active_flag = False
        db.session.commit()
    refused = client.post(f"/api/v1/activities/{lecture}/heartbeat", headers=headers,
                          json={"seq": seq + 1, "visible": True})
    assert refused.status_code == 401
