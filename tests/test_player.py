"""The course player: each activity states its completion rule and the learner's progress, the
heartbeat says why time is not counted, the course page shows where the learner stands in
each activity at a fixed cost in queries, and a completed course gives a certificate whose
number can be checked."""
from __future__ import annotations

import io
import re
from datetime import timedelta

from pypdf import PdfReader

from lms.activities.registry import registry
from lms.auth.models import User
from lms.catalog.models import Activity, Course
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.progress import services
from lms.progress.models import Enrolment
from lms.records import certificates
from tests.conftest import PASSWORD

SLUG = "gongwen-xiezuo"


def _login(client, username: str = "learn") -> None:
    client.post("/login", data={"username": username, "password": PASSWORD})


def _activity(key: str, slug: str = SLUG) -> Activity:
    return db.session.scalar(db.select(Activity).where(
        Activity.key == key, Activity.course.has(slug=slug)))


def _learner() -> User:
    return db.session.scalar(db.select(User).filter_by(username="learn"))


def test_every_builtin_type_states_its_rule_in_words(app):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        reg = registry()
        lecture, reading = reg.get("lecture"), reg.get("reading")
        assert lecture.completion_text({"min_minutes": 30}) == "完成条件：学习不少于 30 分钟"
        assert lecture.required_seconds({"min_minutes": 30}) == 1800
        assert "80%" in lecture.completion_text({"min_minutes": 5, "min_played_percent": 80})
        assert "30 分钟" in reading.completion_text({"min_minutes": 30})
        assert reg.get("quiz").completion_text({"pass_score": 80}) == "完成条件：成绩达到 80%"
        assert "80%" in reg.get("exam").completion_text({"pass_score": 80})
        assert "出勤" in reg.get("offline").completion_text({})
        assert reg.get("quiz").required_seconds({}) == 0


def test_activity_page_shows_rule_progress_and_ticks(app, client, sample_courses):
    with app.app_context():
        gaishu, geshi = _activity("gaishu"), _activity("geshi")
        needed = gaishu.config["min_minutes"]
        user = _learner()
        start = utcnow()
        for seq in range(1, 4):
            services.heartbeat(user, geshi, seq=seq, visible=True,
                               now=start + timedelta(seconds=30 * seq))
        state = db.session.scalar(db.select(services.ActivityState).filter_by(
            user_id=user.id, activity_id=geshi.id))
        services.mark_complete(user, geshi, utcnow(), state_id=state.id)
        gaishu_id, geshi_id = gaishu.id, geshi.id
    _login(client)
    html = client.get(f"/activities/{gaishu_id}").get_data(as_text=True)
    assert f"完成条件：学习不少于 {needed} 分钟" in html
    assert f'data-required="{needed * 60}"' in html and "<progress data-meter" in html
    assert re.search(r'data-next\s+hidden', html)  # "next" waits for completion
    # The outline ticks the completed activity.
    assert re.search(rf'/activities/{geshi_id}"[^>]*>[^<]*</a> <span class="tick"', html)
    done = client.get(f"/activities/{geshi_id}").get_data(as_text=True)
    assert "您已完成本活动。" in done and not re.search(r"data-next\s+hidden", done)
    assert "下一项活动：" in done


def test_beat_answer_says_why_time_is_not_counted(app, client, sample_courses):
    with app.app_context():
        one, two = _activity("gaishu").id, _activity("geshi").id
    _login(client)

    def beat(activity: int, seq: int, visible: bool = True) -> dict:
        return client.post(f"/activities/{activity}/beat",
                           json={"seq": seq, "visible": visible}).get_json()

    assert beat(one, 1)["counting"] is True
    beat(one, 2)  # takes the study clock (a beat within the interval)
    other = beat(two, 1)
    other = beat(two, 2)
    assert other["reason"] == "other_activity" and other["counting"] is False
    assert "另一个标签页" in other["message"]
    hidden = beat(one, 3, visible=False)
    assert hidden["reason"] == "hidden" and "后台" in hidden["message"]


def test_course_page_shows_each_activity_standing_at_a_fixed_cost(
        app, client, sample_courses, page_queries, import_course):
    with app.app_context():
        user, gaishu, geshi = _learner(), _activity("gaishu"), _activity("geshi")
        start = utcnow()
        for seq, at in enumerate((0, 30, 60, 90), start=1):
            services.heartbeat(user, gaishu, seq=seq, visible=True,
                               now=start + timedelta(seconds=at))
        state = services.ensure_state(user, geshi)
        services.mark_complete(user, geshi, utcnow(), state_id=state)
        percent = 100 * 90 // (gaishu.config["min_minutes"] * 60)
    _login(client)
    html = client.get(f"/courses/{SLUG}").get_data(as_text=True)
    assert f"学习中 {percent}%" in html and "✓ 已完成" in html and "未开始" in html
    page_queries(client, f"/courses/{SLUG}")  # builds the outline snapshot
    few, _size = page_queries(client, f"/courses/{SLUG}")
    # More activities started and completed add no query.
    with app.app_context():
        user = _learner()
        course = db.session.scalar(db.select(Course).filter_by(slug=SLUG))
        for activity in course.activities[2:]:
            services.mark_complete(user, activity, utcnow(),
                                   state_id=services.ensure_state(user, activity))
    many, _size = page_queries(client, f"/courses/{SLUG}")
    assert many == few or many == few + 1  # + the record entry once the course completes
    # The session, the grants, the course, the learner's enrolment with their states, and the
    # navigation's count of unread notices.
    assert few <= 5


def test_completed_course_gives_a_checkable_certificate(app, client, sample_courses):
    with app.app_context():
        user = _learner()
        course = db.session.scalar(db.select(Course).filter_by(slug=SLUG))
        for activity in course.activities:
            if not activity.retired:
                services.mark_complete(user, activity, utcnow(),
                                       state_id=services.ensure_state(user, activity))
        enrolment = db.session.scalar(db.select(Enrolment).filter_by(user_id=user.id,
                                                                     course_id=course.id))
        assert enrolment.completed_at is not None
        number = certificates.number(enrolment.id)
        # Numbers of neighbouring enrolments look unrelated, and only issued ones check.
        assert certificates.enrolment_id(number) == enrolment.id
        assert certificates.enrolment_id(number.lower().replace("-", " ")) == enrolment.id
        assert certificates.number(enrolment.id + 1)[:4] != number[:4] or \
            certificates.number(enrolment.id + 1)[5:9] != number[5:9]
        forged = number[:-1] + ("0" if number[-1] != "0" else "1")
        assert certificates.enrolment_id(forged) is None
        assert certificates.enrolment_id("nonsense") is None
    _login(client)
    page = client.get(f"/courses/{SLUG}").get_data(as_text=True)
    assert f"/courses/{SLUG}/certificate.pdf" in page and "在我的学习档案中查看" in page
    record_link = re.search(r'href="(/cadres/learn/record\?year=\d+#entry-\d+)"', page)
    assert record_link
    response = client.get(f"/courses/{SLUG}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join("".join(p.extract_text().split())
                   for p in PdfReader(io.BytesIO(response.data)).pages)
    for expected in ("李学员", "公文写作基础", "学时", "结业证书", number):
        assert expected in text, expected
    checked = client.get("/certificates/verify", query_string={"number": number})
    body = checked.get_data(as_text=True)
    assert "此证书真实有效" in body and "李学员" in body and "公文写作基础" in body
    nothing = client.get("/certificates/verify", query_string={"number": forged})
    assert "没有此编号的证书" in nothing.get_data(as_text=True)
    # Someone who did not complete the course has no certificate for it.
    client.post("/logout")
    _login(client, "org")
    assert client.get(f"/courses/{SLUG}/certificate.pdf").status_code == 404
