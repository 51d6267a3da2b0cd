"""Assignment (调训) of courses with due dates, completion reports, their export and reminders."""
from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from lms.auth.models import User
from lms.catalog.models import Activity, ActivityState, Course
from lms.core.timeutil import local_today, utcnow
from lms.extensions import db
from lms.org import services as org_services
from lms.progress import assignments, services
from lms.progress.models import AssignmentTarget, Enrolment, Notice
from tests.conftest import COURSES

SLUG = "gongwen-xiezuo"


@pytest.fixture
def course(app, district, make_user, import_course) -> str:
    """A published sample course in the small district."""
    make_user("lecturer", "lecturer", "QU", name="党校教师")
    import_course(COURSES / SLUG)
    return SLUG


def _user(username: str) -> User:
    return db.session.scalar(db.select(User).filter_by(username=username))


def _course() -> Course:
    return db.session.scalar(db.select(Course).filter_by(slug=SLUG))


def _due(days: int = 30) -> date:
    return local_today() + timedelta(days=days)


def _enrolled(app) -> dict[str, Enrolment]:
    with app.app_context():
        rows = db.session.execute(db.select(User.username, Enrolment).join(
            Enrolment, Enrolment.user_id == User.id)).all()
        db.session.expunge_all()
        return dict(rows)


def test_audience_assignment_reaches_its_subtree_and_later_joiners(app, course, make_user,
                                                                  category_ids):
    make_user("young", "learner", "JD01-SQ01", birth_date=date(2000, 1, 1),
              categories=("young",))
    make_user("old", "learner", "JD01", birth_date=date(1960, 1, 1),
              categories=("young",))
    with app.app_context():
        unit = org_services.unit_by_code("JD01")
        row, reached = assignments.assign_audience(
            _course(), assignments.Audience(unit=unit, age_max=30), _due(),
            _user("ua1"))
        assert reached == 1  # young (born 2000); not those born 1988 or 1960, not JD02
        assignment_id = row.id
    enrolled = _enrolled(app)
    assert set(enrolled) == {"young"}
    assert all(e.source == "assigned" and e.due_at is not None for e in enrolled.values())
    with app.app_context():  # without the age filter the whole subtree is reached
        _row, reached = assignments.assign_audience(
            _course(), assignments.Audience(unit=org_services.unit_by_code("JD01-SQ01")),
            _due(), _user("ua1"))
        assert reached == 2  # learn and young, both in the community

    # A cadre who joins the subtree later is assigned as they join; one outside is not.
    with app.app_context():
        data = org_services.CadreData(username="newcomer", name="新同志",
                                      unit=org_services.unit_by_code("JD01-SQ01"),
                                      birth_date=date(2001, 3, 1))
        org_services.create_cadre(data)
        data = org_services.CadreData(username="elsewhere", name="外单位",
                                      unit=org_services.unit_by_code("JD02"),
                                      birth_date=date(2001, 3, 1))
        org_services.create_cadre(data)
        # Moving a cadre into the subtree reaches them too.
        moved = db.session.get(User, db.session.scalar(
            db.select(User.id).filter_by(username="c2"))).profile
        org_services.update_cadre(moved, org_services.CadreData(
            username="c2", name="赵二", unit=org_services.unit_by_code("JD01"),
            rank=moved.rank, birth_date=date(1999, 1, 1)))
        targets = db.session.scalar(db.select(db.func.count()).select_from(AssignmentTarget)
                                    .where(AssignmentTarget.assignment_id == assignment_id))
        assert targets == 3  # young, newcomer, c2
    assert {"newcomer", "c2"} <= set(_enrolled(app)) and "elsewhere" not in _enrolled(app)


def test_audience_filters_by_category_and_rank(app, course, make_user):
    make_user("tagged", "learner", "JD01", categories=("young",), rank="subsection")
    make_user("division", "learner", "JD01", categories=("young",), rank="division")
    with app.app_context():
        _row, reached = assignments.assign_audience(
            _course(), assignments.Audience(unit=org_services.unit_by_code("QU"),
                                            categories=["young"], ranks=["subsection"]),
            _due(), _user("org"))
    assert reached == 1 and set(_enrolled(app)) == {"tagged"}


def test_a_unit_admin_assigns_only_inside_their_subtree(app, course):
    with app.app_context():
        with pytest.raises(assignments.AssignmentError):
            assignments.assign_audience(
                _course(), assignments.Audience(unit=org_services.unit_by_code("JD02")),
                _due(), _user("ua1"))
        with pytest.raises(assignments.AssignmentError, match="c2"):
            assignments.assign_people(_course(), ["c1", "c2"], _due(), _user("ua1"))
        with pytest.raises(assignments.AssignmentError):
            assignments.assign_people(_course(), ["c1"], local_today() - timedelta(days=1),
                                      _user("ua1"))
        assert db.session.scalar(db.select(db.func.count()).select_from(Enrolment)) == 0


def test_the_earliest_due_date_wins_and_self_enrolment_becomes_compulsory(app, course):
    with app.app_context():
        services.enrol(_user("c1"), _course())
        assignments.assign_people(_course(), ["c1"], _due(60), _user("ua1"))
        assignments.assign_people(_course(), ["c1"], _due(10), _user("org"))
        assignments.assign_people(_course(), ["c1"], _due(90), _user("org"))
    enrolment = _enrolled(app)["c1"]
    assert enrolment.source == "assigned"
    assert enrolment.due_at.date() in (_due(10), _due(10) - timedelta(days=1))


def test_assignment_form_and_the_learners_page(app, client, auth, course):
    auth.login("ua1")
    with app.app_context():
        course_id = _course().id
        unit_id = org_services.unit_by_code("JD01-SQ01").id
    response = client.post("/admin/assignments/new", data={
        "course_id": course_id, "kind": "audience", "unit_id": unit_id,
        "due_on": _due(5).isoformat(), "note": "年底前完成"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "已向 1 名干部布置" in page and "完成情况：公文写作基础" in page
    assert "李学员" in page and "王一" not in page
    listing = client.get("/admin/assignments").get_data(as_text=True)
    assert "公文写作基础" in listing and "0 / 1" in listing

    auth.logout()
    auth.login("learn")
    mine = client.get("/me/learning").get_data(as_text=True)
    assert "布置给我的课程" in mine and f"截止 {_due(5).isoformat()}" in mine
    assert "年底前完成" in mine  # the assignment's note
    assert "已逾期" not in mine
    with app.app_context():
        db.session.execute(db.update(Enrolment).values(due_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    assert "已逾期" in client.get("/me/learning").get_data(as_text=True)


def _complete_for(app, username: str) -> None:
    with app.app_context():
        user, course = _user(username), _course()
        now = utcnow()
        for activity in course.activities:
            db.session.add(ActivityState(user_id=user.id, activity_id=activity.id,
                                         study_seconds=900, completed_at=now, state={}))
        db.session.commit()
        services.complete_course_if_done(user, course, now)


def test_completion_report_holds_only_the_admins_subtree(app, client, auth, course):
    with app.app_context():
        assignments.assign_audience(
            _course(), assignments.Audience(unit=org_services.unit_by_code("QU")), _due(),
            _user("org"))
    _complete_for(app, "c1")
    auth.login("ua1")
    page = client.get(f"/admin/completion/{SLUG}").get_data(as_text=True)
    assert "王一" in page and "李学员" in page and "赵二" not in page
    assert "33%" in page  # JD01 itself: c1 of c1, ua1 and lect completed
    completed = client.get(f"/admin/completion/{SLUG}?status=completed").get_data(as_text=True)
    assert "王一" in completed and "李学员" not in completed
    assert client.get(f"/admin/completion/{SLUG}?unit=JD02").status_code == 404

    export = client.get(f"/admin/completion/{SLUG}/export.xlsx")
    sheet = load_workbook(io.BytesIO(export.data)).active
    values = list(sheet.values)
    assert values[0][0].startswith("完成情况 · 课程：") and values[1][0] == "账号"
    assert {r[0] for r in values[2:]} == {"c1", "learn", "ua1", "lect"}
    done = next(r for r in values[2:] if r[0] == "c1")
    assert done[5] == 100 and done[6] == 120.0 and done[7] is not None  # 8 x 15 min

    # The API: the same scope, one row per cadre with the required fields.
    with app.app_context():
        from lms.auth.services import create_token

        token = create_token(_user("ua1"), "report")
        learner_token = create_token(_user("learn"), "mine")
    headers = {"Authorization": f"Bearer {token}"}
    body = client.get(f"/api/v1/courses/{SLUG}/completion", headers=headers).get_json()
    assert {r["username"] for r in body["items"]} == {"c1", "learn", "ua1", "lect"}
    row = next(r for r in body["items"] if r["username"] == "c1")
    assert row["credited_seconds"] == 8 * 900 and row["completed_at"] and row["progress"] == 100
    assert row["unit"]["code"] == "JD01" and row["hours"] > 0
    assert client.get(f"/api/v1/courses/{SLUG}/completion?unit=JD02",
                      headers=headers).status_code == 404
    assert client.get(f"/api/v1/courses/{SLUG}/completion?unit=JD01-SQ01",
                      headers=headers).get_json()["total"] == 1
    assert client.get(f"/api/v1/courses/{SLUG}/completion", headers={
        "Authorization": f"Bearer {learner_token}"}).status_code == 403


def test_reminders_reach_those_behind_once_a_day(app, client, auth, course):
    with app.app_context():
        assignments.assign_audience(
            _course(), assignments.Audience(unit=org_services.unit_by_code("JD01")), _due(),
            _user("ua1"))
    _complete_for(app, "c1")
    auth.login("ua1")
    first = client.post(f"/admin/completion/{SLUG}/remind", follow_redirects=True)
    assert "已提醒 3 名" in first.get_data(as_text=True)  # learn, ua1 and lect; not c1
    again = client.post(f"/admin/completion/{SLUG}/remind", follow_redirects=True)
    assert "已提醒 0 名" in again.get_data(as_text=True)
    with app.app_context():
        # Each cadre was told of the assignment too; these are the reminders.
        reminded = {n.user_id for n in db.session.scalars(db.select(Notice)
                                                          .filter_by(kind="reminder"))}
        assert reminded == set(db.session.scalars(db.select(User.id).where(
            User.username.in_(["learn", "ua1", "lect"]))))
    auth.logout()
    auth.login("learn")
    page = client.get("/me/learning").get_data(as_text=True)
    assert "前完成必修课程《公文写作基础》" in page
    with app.app_context():
        notice_id = db.session.scalar(db.select(Notice.id).where(
            Notice.user_id == _user("learn").id, Notice.kind == "reminder"))
    client.post(f"/me/notices/{notice_id}/read")
    assert "前完成必修课程" not in client.get("/me/learning").get_data(as_text=True)


def test_a_reminder_previews_its_message_and_many_need_a_confirmation(app, client, auth,
                                                                      course, make_user):
    from lms.progress.notices import CONFIRM_ABOVE

    for n in range(CONFIRM_ABOVE):
        make_user(f"jd{n:02d}", "learner", "JD01-SQ01")
    with app.app_context():
        assignments.assign_audience(
            _course(), assignments.Audience(unit=org_services.unit_by_code("JD01")), _due(),
            _user("ua1"))
        due = _due()
    auth.login("ua1")
    report = client.get(f"/admin/completion/{SLUG}").get_data(as_text=True)
    assert f'href="/admin/completion/{SLUG}/remind"' in report  # a preview, not a POST
    total = CONFIRM_ABOVE + 4  # the new cadres, learn, c1, ua1 and lect
    preview = client.get(f"/admin/completion/{SLUG}/remind").get_data(as_text=True)
    message = f"请于 {due.isoformat()} 前完成必修课程《公文写作基础》。"
    assert message in preview and f"发送给 {total} 名干部" in preview
    assert f'name="confirmed" value="{total}"' in preview
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Notice)
                                 .filter_by(kind="reminder")) == 0
    # More than the threshold: nothing is sent without the confirmation of that preview.
    refused = client.post(f"/admin/completion/{SLUG}/remind", follow_redirects=True)
    assert "未发送任何提醒" in refused.get_data(as_text=True)
    client.post(f"/admin/completion/{SLUG}/remind", data={"confirmed": str(total - 1)})
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Notice)
                                 .filter_by(kind="reminder")) == 0
    sent = client.post(f"/admin/completion/{SLUG}/remind", data={"confirmed": str(total)},
                       follow_redirects=True)
    assert f"已提醒 {total} 名" in sent.get_data(as_text=True)
    with app.app_context():
        messages = set(db.session.scalars(db.select(Notice.message)
                                          .filter_by(kind="reminder")))
        assert messages == {message}
    again = client.get(f"/admin/completion/{SLUG}/remind").get_data(as_text=True)
    assert "没有需要提醒的干部" in again and f"另有 {total} 人今天已" in again


def test_learners_and_other_units_cannot_use_the_admin_pages(app, client, auth, course):
    auth.login("learn")
    assert client.get(f"/admin/completion/{SLUG}").status_code == 403
    assert client.get("/admin/assignments/new").status_code == 403
    assert client.post(f"/admin/completion/{SLUG}/remind").status_code == 403
    assert client.get(f"/admin/completion/{SLUG}/remind").status_code == 403


def test_report_queries_do_not_grow_with_the_number_of_cadres(app, client, auth, course,
                                                              make_user, page_queries):
    def assign_all():
        with app.app_context():
            assignments.assign_audience(
                _course(), assignments.Audience(unit=org_services.unit_by_code("QU")),
                _due(), _user("org"))

    auth.login("org")
    assign_all()
    small, _size = page_queries(client, f"/admin/completion/{SLUG}")
    for n in range(60):
        make_user(f"bulk{n:02d}", "learner", "JD02")
    assign_all()
    _complete_for(app, "bulk07")
    large, size = page_queries(client, f"/admin/completion/{SLUG}")
    assert large == small and large <= 12
    assert size < 200_000


def test_live_activity_count_ignores_retired_ones(app, course):
    with app.app_context():
        from lms.progress.report import live_count

        total = live_count(_course().id)
        activity = db.session.scalar(db.select(Activity).filter_by(key="gaishu"))
        activity.retired = True
        db.session.commit()
        assert live_count(_course().id) == total - 1


def test_attendance_completes_the_offline_session(app, client, auth, district, make_user,
                                                  import_course):
    make_user("lecturer", "lecturer", "QU", name="党校教师")
    import_course(COURSES / "tufa-shijian-yingji")
    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(slug="tufa-shijian-yingji"))
        for username in ("learn", "c1", "c2"):
            services.enrol(_user(username), course)
        session_id = db.session.scalar(db.select(Activity.id).filter_by(key="tuiyan"))
        lecture_id = db.session.scalar(db.select(Activity.id).where(
            Activity.course_id == course.id, Activity.type_key == "lecture"))
        ids = {u: _user(u).id for u in ("learn", "c1", "c2")}

    # A unit administrator sees and marks only the cadres of their own units.
    auth.login("ua1")
    page = client.get(f"/admin/activities/{session_id}/attendance").get_data(as_text=True)
    assert "李学员" in page and "王一" in page and "赵二" not in page
    response = client.post(f"/admin/activities/{session_id}/attendance",
                           data={"attended": [ids["learn"], ids["c2"]]}, follow_redirects=True)
    assert "已为 1 名学员记录出勤" in response.get_data(as_text=True)  # c2 is not theirs
    assert client.get(f"/admin/activities/{lecture_id}/attendance").status_code == 404

    # The course's lecturer marks anyone enrolled.
    auth.logout()
    auth.login("lecturer")
    client.post(f"/admin/activities/{session_id}/attendance", data={"attended": [ids["c2"]]})
    with app.app_context():
        done = dict(db.session.execute(db.select(ActivityState.user_id,
                                                 ActivityState.completed_at)
                                       .where(ActivityState.activity_id == session_id)).all())
        assert set(done) == {ids["learn"], ids["c2"]} and all(done.values())
        assert db.session.scalar(db.select(ActivityState.state).where(
            ActivityState.user_id == ids["c2"], ActivityState.activity_id == session_id)) \
            == {"attended": True, "marked_by": _user("lecturer").id}

    # The session type's own page for lecturers: who attended, and its spreadsheet.
    listing = client.get(f"/teach/activities/{session_id}/pages/attended")
    html = listing.get_data(as_text=True)
    assert "出勤名单" in html and "<strong>2</strong>" in html and "赵二" in html
    export = client.get(f"/teach/activities/{session_id}/pages/attended/export.xlsx")
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[1] == ("姓名", "单位", "记录时间")
    assert {r[0] for r in rows[2:]} == {"李学员", "赵二"}

    auth.logout()
    auth.login("c1")
    assert client.get(f"/admin/activities/{session_id}/attendance").status_code == 403
    assert client.get(f"/teach/activities/{session_id}/pages/attended").status_code == 404


def test_authors_set_optional_activities_and_n_of_m_in_the_browser_forms(app, client, auth,
                                                                         district):
    auth.login("lect")
    with app.app_context():
        from lms.catalog.models import SubjectCategory

        category = db.session.scalar(db.select(SubjectCategory.id))
    course_form = {"slug": "ceshi-kecheng", "title": "测试课程", "category_id": category,
                   "hours": "2"}
    client.post("/teach/courses/new", data=course_form)
    with app.app_context():
        course_id = db.session.scalar(db.select(Course.id).filter_by(slug="ceshi-kecheng"))
    for title, optional in (("必学讲座", {}), ("选学讲座", {"optional": "y"})):
        client.post(f"/teach/courses/{course_id}/activities/new/lecture", data={
            "title": title, "hours": "1", "body": "正文", **optional})
    too_many = client.post(f"/teach/courses/{course_id}", data={**course_form,
                                                               "completion_count": "3"})
    assert "超过了学习活动总数（2）" in too_many.get_data(as_text=True)
    client.post(f"/teach/courses/{course_id}", data={**course_form, "completion_count": "1"})
    with app.app_context():
        assert db.session.get(Course, course_id).completion_count == 1
        optional = dict(db.session.execute(db.select(Activity.title, Activity.optional).where(
            Activity.course_id == course_id)).all())
        assert optional == {"必学讲座": False, "选学讲座": True}


def test_learners_enrol_themselves_from_the_course_page(app, client, auth, course):
    auth.login("c2")
    page = client.get(f"/courses/{SLUG}").get_data(as_text=True)
    assert "报名学习" in page and "完成条件：完成全部未标为选学的活动。" in page
    done = client.post(f"/courses/{SLUG}/enrol", follow_redirects=True).get_data(as_text=True)
    assert "报名成功" in done and "报名学习" not in done
    assert _enrolled(app)["c2"].source == "self"
    with app.app_context():
        assignments.assign_people(_course(), ["c2"], _due(7), _user("org"))
    page = client.get(f"/courses/{SLUG}").get_data(as_text=True)
    assert "布置给我的课程" in page and f"截止 {_due(7).isoformat()}" in page


def test_a_district_assignment_reports_to_each_unit_admin_for_their_own_cadres(app, client,
                                                                              auth, course):
    with app.app_context():
        row, _n = assignments.assign_audience(
            _course(), assignments.Audience(unit=org_services.unit_by_code("QU")), _due(),
            _user("org"))
        assignment_id = row.id
    auth.login("ua2")
    listing = client.get("/admin/assignments").get_data(as_text=True)
    assert "公文写作基础" in listing and "0 / 2" in listing  # only ua2 and c2 are in JD02
    page = client.get(f"/admin/completion/{SLUG}?assignment={assignment_id}").get_data(
        as_text=True)
    assert "赵二" in page and "王一" not in page and "李学员" not in page


def test_cadres_who_age_into_an_audience_are_reached_by_the_daily_sync(app, course,
                                                                       make_user):
    make_user("almost", "learner", "JD01", birth_date=date(1990, 1, 1))
    with app.app_context():
        _row, reached = assignments.assign_audience(
            _course(), assignments.Audience(unit=org_services.unit_by_code("JD01"),
                                            age_min=40), _due(), _user("ua1"))
        assert reached == 0  # everyone in JD01 is under 40 today
        profile = _user("almost").profile
        profile.birth_date = date(1980, 1, 1)  # as if forty years had passed
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["assignments", "sync"])
    assert result.exit_code == 0 and "1 cadres reached" in result.output
    assert set(_enrolled(app)) == {"almost"}
