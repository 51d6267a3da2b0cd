"""The later study rules: offline beats replayed late, presence checks, the study clock handed
over, the course's completion rule (optional activities, N of M) and the hours rules."""
from __future__ import annotations

from datetime import timedelta

import pytest

from lms.auth.models import User
from lms.catalog.models import Activity, ActivityState, Course
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.progress import services
from lms.progress.hours import course_hours, parse_buckets
from lms.progress.models import Enrolment
from lms.records.models import RecordEntry


@pytest.fixture
def beat(app, sample_courses):
    """Send a beat as the learner at a chosen server time (seconds from a start)."""
    start = utcnow()

    def send(key: str, seq: int, at: float, *, age: float = 0, visible: bool = True,
             position=None):
        with app.app_context():
            user = db.session.scalar(db.select(User).filter_by(username="learn"))
            activity = db.session.scalar(db.select(Activity).filter_by(key=key)  # keys repeat
                                         .where(Activity.course.has(slug="gongwen-xiezuo")))
            return services.heartbeat(user, activity, seq=seq, visible=visible,
                                      position=position, age=age,
                                      now=start + timedelta(seconds=at))
    return send


def test_beats_kept_offline_are_credited_when_replayed(beat):
    beat("gaishu", 1, 0)
    assert beat("gaishu", 2, 30).counted == 30
    # The network drops after 30 s; the page keeps beats taken at 60, 90 and 120 s and sends
    # them on reconnecting at 125 s, each with its age.
    assert beat("gaishu", 3, 125, age=65).counted == 30
    assert beat("gaishu", 4, 125.2, age=35.2).counted == 30
    result = beat("gaishu", 5, 125.4, age=5.4)
    assert result.counted == 30 and result.credited_seconds == 120
    # Live again: never more than the real time since the run started.
    assert beat("gaishu", 6, 150).credited_seconds == 150


def test_replayed_beats_never_credit_more_than_real_time(beat):
    beat("gaishu", 1, 0)
    # A script claims ten beats taken over the past five minutes, all sent at 10 s: they are
    # placed no earlier than the previous beat, so they earn at most the 10 s that passed.
    total = 0
    for seq in range(2, 12):
        total += beat("gaishu", seq, 10, age=300 - seq * 30).counted
    assert total <= 10


def test_a_run_cannot_start_in_the_past(beat):
    # The first beat claims to be fifteen minutes old: the run starts when the server sees it.
    beat("gaishu", 1, 0, age=900)
    assert beat("gaishu", 2, 1, age=0).counted <= 1


def test_beats_older_than_the_replay_window_earn_nothing(app, beat):
    beat("gaishu", 1, 0)
    window = app.config["LMS_BEAT_REPLAY_SECONDS"]
    stale = beat("gaishu", 2, window + 60, age=window + 30)
    assert stale.reason == "stale" and stale.counted == 0
    assert beat("gaishu", 2, window + 61).reason == "replayed"  # its sequence is used up


def test_presence_check_stops_credit_until_answered(app, beat, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_PRESENCE_CHECK_MINUTES", 0.4)  # due in 12-36 s
    beat("gaishu", 1, 0)
    assert beat("gaishu", 2, 10).counted == 10  # schedules a check 22-46 s from the start
    waiting = beat("gaishu", 3, 50)
    assert waiting.presence_check and waiting.counted == 0 and waiting.reason == "presence"
    assert beat("gaishu", 4, 80).counted == 0  # still unanswered: nothing counts
    monkeypatch.setitem(app.config, "LMS_PRESENCE_CHECK_MINUTES", 30)  # next one far off
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="learn"))
        activity = db.session.scalar(db.select(Activity).filter_by(key="gaishu"))
        state = db.session.scalar(db.select(ActivityState))
        answer_at = state.last_beat_at + timedelta(seconds=5)
        assert services.answer_presence(user, activity, now=answer_at)
        after = db.session.scalar(db.select(ActivityState))
        assert after.presence_due_at > answer_at  # the next check is scheduled
    resumed = beat("gaishu", 5, 105)  # 20 s after the answer (at 85)
    assert resumed.reason == "credited" and resumed.counted == 20
    assert resumed.credited_seconds == 10 + 20


def test_the_clock_passes_to_another_activity_only_when_the_first_falls_silent(beat):
    beat("gaishu", 1, 0)
    beat("gaishu", 2, 30)
    beat("geshi", 1, 31)
    assert beat("geshi", 2, 61).reason == "other_activity"
    beat("gaishu", 3, 60)
    # A hidden first tab earns nothing, so after a gap the visible second one takes over.
    beat("gaishu", 4, 90, visible=False)
    assert beat("geshi", 3, 91).reason == "other_activity"  # gaishu earned 31 s ago
    assert beat("geshi", 4, 121).reason == "credited"  # gaishu last earned 61 s ago
    assert beat("gaishu", 5, 122).reason == "other_activity"  # the clock has moved on
    assert beat("geshi", 5, 151).counted == 30


def _finish(app, keys: list[str]) -> bool:
    """Mark the learner's activities complete; True when the course then completed."""
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="learn"))
        course = db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo"))
        services.enrol(user, course)
        now = utcnow()
        have = set(db.session.scalars(db.select(ActivityState.activity_id)))
        for activity in course.activities:
            if activity.key in keys and activity.id not in have:
                db.session.add(ActivityState(user_id=user.id, activity_id=activity.id,
                                             study_seconds=600, completed_at=now, state={}))
        db.session.commit()
        return services.complete_course_if_done(user, course, now)


def _set_rule(app, *, optional: tuple[str, ...] = (), count: int | None = None) -> None:
    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo"))
        course.completion_count = count
        for activity in course.activities:
            activity.optional = activity.key in optional or activity.key in SAMPLE_OPTIONAL
        db.session.commit()


LECTURES = ["gaishu", "geshi", "xingwen", "wenzhong", "shenhe"]
SAMPLE_OPTIONAL = ("fankui",)  # the course's feedback questionnaire, optional in its package


def test_optional_activities_are_not_needed_to_complete(app, sample_courses):
    _set_rule(app, optional=("yuedu", "ceyan"))
    assert _finish(app, LECTURES)


def test_without_a_rule_every_activity_is_needed(app, sample_courses):
    assert not _finish(app, LECTURES)  # the reading list and the quiz are missing


def test_n_of_m(app, sample_courses):
    _set_rule(app, optional=tuple(LECTURES) + ("yuedu", "ceyan"), count=4)
    assert not _finish(app, LECTURES[:3])
    assert _finish(app, LECTURES[:4])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(RecordEntry)) == 1


def test_hours_rules_are_configuration(app, sample_courses, monkeypatch):
    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo"))
        assert course.hours == 4.0
        assert course_hours(90 * 60, course) == 2.0  # 90 min / 45
        assert course_hours(900 * 60, course) == 4.0  # capped at the course's hours
        monkeypatch.setitem(app.config, "LMS_HOURS_RULE", "declared")
        assert course_hours(60, course) == 4.0
        monkeypatch.setitem(app.config, "LMS_HOURS_RULE", "buckets")
        assert course_hours(40 * 60, course) == 1.0
        assert course_hours(20 * 60, course) == 0.5
        assert course_hours(5 * 60, course) == 0.25
        monkeypatch.setitem(app.config, "LMS_MINUTES_PER_HOUR", 60)
        monkeypatch.setitem(app.config, "LMS_HOURS_RULE", "minutes")
        assert course_hours(90 * 60, course) == 1.5
    assert parse_buckets("0:0.25, 30:1") == [(30.0, 1.0), (0.0, 0.25)]
    with pytest.raises(ValueError):
        parse_buckets("thirty:1")


def test_completed_course_hours_follow_the_configured_rule(app, sample_courses, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_HOURS_RULE", "declared")
    _set_rule(app, optional=("yuedu", "ceyan"))
    assert _finish(app, LECTURES)
    with app.app_context():
        assert db.session.scalar(db.select(Enrolment.hours)) == 4.0
        assert db.session.scalar(db.select(RecordEntry.hours)) == 4.0


@pytest.mark.parametrize("setting", [{"LMS_HOURS_RULE": "hourly"},
                                     {"LMS_HOURS_BUCKETS": "half:1"},
                                     {"LMS_MINUTES_PER_HOUR": 0}])
def test_a_wrong_hours_rule_stops_start_up(setting, tmp_path):
    from lms import create_app

    with pytest.raises(ValueError, match=next(iter(setting))):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "SECRET_KEY": "x", **setting})


def test_quick_beats_cannot_add_up_the_seek_tolerance(app, beat):
    """Beats every 0.1 s claiming the end of the video move the frontier at 2x real time."""
    beat("gaishu", 1, 0, position=0)
    seq, at = 2, 0.0
    while at < 30:
        seq, at = seq + 1, at + 0.1
        beat("gaishu", seq, at, position=3600)
    with app.app_context():
        frontier = db.session.scalar(db.select(ActivityState.frontier))
    assert frontier <= 2 * 30 + 2.5


def test_only_timed_activities_earn_study_time(app, client, sample_courses):
    from lms.auth.services import create_token

    with app.app_context():
        token = create_token(db.session.scalar(db.select(User).filter_by(username="learn")), "t")
        quiz = db.session.scalar(db.select(Activity.id).filter_by(type_key="quiz"))
        reading = db.session.scalar(db.select(Activity.id).filter_by(type_key="reading"))
    headers = {"Authorization": f"Bearer {token}"}
    for seq in (1, 2):
        assert client.post(f"/api/v1/activities/{quiz}/heartbeat", headers=headers,
                           json={"seq": seq, "visible": True}).status_code == 404
    assert client.post(f"/api/v1/activities/{reading}/heartbeat", headers=headers,
                       json={"seq": 1, "visible": True}).status_code == 200


def test_a_beat_read_before_the_clock_moved_earns_nothing(app, beat):
    """The holder's beat was read, then another activity took the clock over before the
    holder wrote: the holder's write finds the clock gone and earns nothing."""
    beat("gaishu", 1, 0)
    beat("gaishu", 2, 30)
    beat("geshi", 1, 31)
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="learn"))
        gaishu = db.session.scalar(db.select(Activity.id).filter_by(key="gaishu"))
        geshi = db.session.scalar(db.select(Activity.id).filter_by(key="geshi")
                                  .where(Activity.course.has(slug="gongwen-xiezuo")))
        seen = services.studied_before(user, gaishu)
        assert seen.holder_id == gaishu
        from lms.progress.models import StudyClock

        db.session.execute(db.update(StudyClock).values(activity_id=geshi))
        db.session.commit()
        start = seen.last_beat_at
        late = services.apply_beat(user, seen, seq=3, visible=True,
                                   now=start + timedelta(seconds=30))
        assert late.counted == 0 and late.reason == "concurrent"
        assert db.session.scalar(db.select(ActivityState.study_seconds).where(
            ActivityState.activity_id == gaishu)) == 30


def test_the_record_counts_years_by_the_local_calendar(app, sample_courses):
    from datetime import datetime

    _set_rule(app, optional=("yuedu", "ceyan"))
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="learn"))
        course = db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo"))
        services.enrol(user, course)
        new_year = datetime(2026, 12, 31, 17, 0)  # 1 January 2027, 01:00 in Beijing
        for activity in course.activities:
            db.session.add(ActivityState(user_id=user.id, activity_id=activity.id,
                                         study_seconds=600, completed_at=new_year, state={}))
        db.session.commit()
        assert services.complete_course_if_done(user, course, new_year)
        entry = db.session.scalar(db.select(RecordEntry))
        assert entry.year == 2027 and entry.occurred_on.isoformat() == "2027-01-01"


def test_a_rule_change_completes_learners_who_now_meet_it(app, sample_courses):
    assert not _finish(app, LECTURES)  # the reading list and the quiz are still missing
    with app.app_context():
        from lms.catalog.services import rules_changed

        course = db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo"))
        for activity in course.activities:
            activity.optional = activity.key in ("yuedu", "ceyan", *SAMPLE_OPTIONAL)
        db.session.commit()
        rules_changed(course)
        assert db.session.scalar(db.select(Enrolment.completed_at)) is not None
        assert db.session.scalar(db.select(db.func.count()).select_from(RecordEntry)) == 1
