"""Every source reaches one record: a learner who completes a course, passes an exam and has a
reading note approved sees all three on their record page at once, and the organisation
department's compliance report counts them under the national default rules."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest

from lms.assessment import attempts as engine
from lms.auth.models import User
from lms.catalog.models import Activity, ActivityState, Course
from lms.core.timeutil import local_today, utcnow
from lms.extensions import db
from lms.progress import services
from lms.records import chain, reading, rules
from lms.records.models import RecordEntry
from tests.test_attempts import GIFT, KEYS


def _exam_package(tmp, opens: str, closes: str):
    folder = tmp / "exam-2026"
    (folder / "quiz").mkdir(parents=True, exist_ok=True)
    (folder / "quiz" / "exam.gift").write_text(GIFT, encoding="utf-8")
    (folder / "course.toml").write_text(f"""\
[course]
slug = "kaoshi-2026"
title = "2026年理论考试"
summary = "年度理论考试"
category = "政治理论"
hours = 0
lecturers = ["org"]
version = 1

[[activities]]
key = "exam"
type = "exam"
title = "年度理论知识考试"
questions = "quiz/exam.gift"
duration_minutes = 60
opens_at = {json.dumps(opens)}
closes_at = {json.dumps(closes)}
pass_score = 60
""", encoding="utf-8")
    return folder


def _user(name: str) -> User:
    return db.session.scalar(db.select(User).filter_by(username=name))


@pytest.fixture
def year_of_learning(app, client, auth, sample_courses, import_course, tmp_path):
    """The learner's year: the course completed, the exam passed and published, the note
    approved; the national default rules in force."""
    now = utcnow() + timedelta(hours=8)  # exam windows are written in local time
    import_course(_exam_package(tmp_path, (now - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
                                (now + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")))
    year = local_today().year
    with app.app_context():
        rules.seed_defaults()
        learner, org = _user("learn"), _user("org")
        course = db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo"))
        services.enrol(learner, course)
        for activity in course.activities:
            db.session.add(ActivityState(user_id=learner.id, activity_id=activity.id,
                                         study_seconds=3600, completed_at=utcnow(), state={}))
        db.session.commit()
        services.complete_course_if_done(learner, course, utcnow())

        exam = db.session.scalar(db.select(Activity).filter_by(key="exam"))
        attempt = engine.start_or_resume(learner, exam)
        engine.save_answers(attempt, {
            s["slot"]: engine._to_paper(s, KEYS[s["name"]]) for s in attempt.slots
            if s["name"] in KEYS})
        engine.finish(attempt)

        item = reading.add_item(year, title="干部教育培训工作条例", author="中共中央")
        db.session.commit()
        reading.publish_year(year, org.id)
        note = reading.save_note(learner, item, title="学习体会",
                                 body="条例要求**如实登记**学习档案。", submit=True)
        db.session.commit()
        note_id, exam_id, course_hours = note.id, exam.id, course.hours
    auth.login("org")
    assert client.post(f"/teach/activities/{exam_id}/release").status_code in (200, 302)
    with app.app_context():
        reading.approve(note_id, _user("org"), "认真")
        db.session.commit()
    auth.logout()
    return {"year": year, "course_hours": course_hours}


def test_course_exam_and_note_together_on_the_record_and_in_the_report(
        app, client, auth, year_of_learning):
    with app.app_context():
        entries = {e.title: e for e in db.session.scalars(db.select(RecordEntry))}
        assert chain.verify().findings == []
    # The exam's own course completes too (0 学时): it is an online course like any other.
    assert {(e.kind, title) for title, e in entries.items()} == {
        ("online_course", "公文写作基础"), ("exam", "年度理论知识考试"),
        ("online_course", "2026年理论考试"), ("reading_note", "干部教育培训工作条例")}
    course_hours = entries["公文写作基础"].hours
    assert course_hours > 0

    auth.login("learn")
    page = client.get("/cadres/learn/record?lang=en").get_data(as_text=True)
    for text in ("公文写作基础", "年度理论知识考试", entries["年度理论知识考试"].reference,
                 "干部教育培训工作条例"):
        assert text in page, text
    auth.logout()

    # The compliance report counts all three: the section-level rule converts the course
    # by its hours, the passed exam (0.5) and the approved note (2) per entry.
    auth.login("org")
    year = year_of_learning["year"]
    token_page = client.get(f"/admin/records/compliance?year={year}&q=learn&lang=en")
    assert token_page.status_code == 200
    html = token_page.get_data(as_text=True)
    assert "李学员" in html
    want = course_hours + 0.5 + 2
    assert f"Study hours: {want:g} of 90" in html
    auth.logout()


def test_a_reversed_note_reads_so_on_the_record(app, client, auth, year_of_learning):
    with app.app_context():
        entry = db.session.scalar(db.select(RecordEntry).filter_by(kind="reading_note"))
        chain.reverse_entry(entry, actor_id=_user("org").id, reason="笔记系抄袭")
        db.session.commit()
    auth.login("learn")
    page = client.get("/cadres/learn/record?lang=en").get_data(as_text=True)
    assert "Approved, then reversed" in page and "笔记系抄袭" in page
