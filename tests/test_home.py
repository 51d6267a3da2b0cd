"""The home page: its panels follow the roles held, its 学时 are My learning's, the navigation
counts unread notices, and each role's home costs a fixed number of queries whatever the data."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.catalog.models import Activity, Course
from lms.core.timeutil import local_today
from lms.extensions import db
from tests.conftest import PASSWORD
from tests.route_world import World, build

# The home page's queries per role stay under these, however much data there is.
BOUND = {"learn": 17, "lect": 21, "ua1": 22, "org": 24}


def home_world(app) -> World:
    """The walk's district (`route_world.build`), plus: the learner assigned gongwen with a
    due date and enrolled in tufa, whose face-to-face session has begun; two more notices
    for the learner; one returned course of the lecturer."""
    from lms.org.services import unit_by_code
    from lms.progress.assignments import Audience, assign_audience
    from lms.progress.models import Notice
    from lms.progress.services import enrol

    with app.test_request_context():
        world = build(app)
        org = db.session.get(User, world.users["org"])
        learner = db.session.get(User, world.users["learn"])
        gongwen = db.session.get(Course, world.courses["gongwen"][0])
        tufa = db.session.get(Course, world.courses["tufa"][0])
        assign_audience(gongwen, Audience(unit=unit_by_code("JD01")),
                        local_today() + timedelta(days=30), org, note="年底前完成")
        enrol(learner, tufa)
        session = db.session.get(Activity, world.activities[("tufa", "offline")])
        session.config = {**session.config, "starts_at": "2020-01-01T09:00"}
        # More unread notices than the home page lists, so the navigation counts them.
        db.session.add_all(Notice(user_id=learner.id, kind="message", message=message,
                                  link="/me/plan", created_by=org.id)
                           for message in ("请于本月20日前提交年度学习计划。",
                                           "年度学时统计将于12月25日截止。"))
        db.session.commit()
        _returned_course(db.session.get(User, world.users["lect"]), org)
    return world


def _returned_course(lect: User, org: User) -> Course:
    """A copy of xinxi, the lecturer's, submitted and returned with a comment."""
    import shutil
    import tempfile
    from pathlib import Path

    from lms.catalog import services as catalog
    from lms.catalog.package_files import open_package
    from lms.catalog.packages import import_package
    from tests.conftest import COURSES

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "xinxi"
        shutil.copytree(COURSES / "xinxi-baosong", copy)
        toml = copy / "course.toml"
        toml.write_text(toml.read_text(encoding="utf-8").replace(
            'slug = "xinxi-baosong"', 'slug = "xinxi-fuben"').replace(
            'title = "', 'title = "（修订）', 1), encoding="utf-8")
        with open_package(copy) as files:
            course = import_package(files, actor=org, new_status="draft").course
    course.owner_id = lect.id
    db.session.commit()
    catalog.submit_for_review(course, lect)
    from lms.catalog.models import ReviewComment

    db.session.add_all(ReviewComment(course_id=course.id, activity_id=activity.id,
                                     author_id=org.id, text="案例请换成本区的。")
                       for activity in course.activities[:2])
    catalog.return_to_author(course, org, "请补充一个本街道的信息报送案例。")
    db.session.commit()
    return course


@pytest.fixture
def world(app) -> World:
    return home_world(app)


def _client(app, username: str):
    client = app.test_client()
    assert client.post("/login", data={"username": username,
                                       "password": PASSWORD}).status_code == 302
    return client


def test_each_role_sees_its_panels(app, world):
    learner = _client(app, "learn").get("/").get_data(as_text=True)
    for text in ("年学时", "继续学习", "布置给我的课程", "通知", "向我开放的考试", "结业考试",
                 "公文写作基础", "截止"):
        assert text in learner, text
    assert "待我处理" not in learner and "待评分的答卷" not in learner
    lecturer = _client(app, "lect").get("/").get_data(as_text=True)
    for text in ("我的课程", "突发事件应急处置", "已发布", "已退回", "待评分的答卷",
                 "请补充一个本街道的信息报送案例", "待登记的出勤", "出勤：桌面推演",
                 "有 2 条审核意见待阅读"):
        assert text in lecturer, text
    assert "结业考试" not in lecturer.split("向我开放的考试")[-1]  # its author never sits it
    unit_admin = _client(app, "ua1").get("/").get_data(as_text=True)
    for text in ("待我处理", "待审核的学习申报", "读书笔记审核", "待审核的学习计划",
                 "待登记的出勤", "出勤：桌面推演", "学时达标情况", "布置的课程"):
        assert text in unit_admin, text
    assert "待审核课程" not in unit_admin
    org = _client(app, "org").get("/").get_data(as_text=True)
    for text in ("待审核课程", "待评分的答卷", "学时达标情况"):
        assert text in org, text


def test_the_auditor_still_goes_to_the_log(app, world):
    response = _client(app, "aud").get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/audit")


def test_home_hours_are_my_learnings(app, world):
    """The home page shows each requirement's 学时 exactly as My learning does."""
    import re

    client = _client(app, "learn")
    home = client.get("/").get_data(as_text=True)
    mine = client.get("/me/learning").get_data(as_text=True)
    pattern = re.compile(r"周期 [^<]*学时")
    counted = pattern.findall(mine)
    assert counted and pattern.findall(home) == counted
    recorded = re.compile(r"今年已记录[^<]*?学时")
    assert recorded.findall(home) == recorded.findall(mine) != []


def test_unread_notices_are_counted_in_the_navigation(app, world):
    from lms.progress.models import Notice

    client = _client(app, "learn")
    html = client.get("/courses").get_data(as_text=True)
    with app.app_context():
        unread = db.session.scalar(select(db.func.count()).select_from(Notice).where(
            Notice.user_id == world.users["learn"], Notice.read_at.is_(None)))
        notice = db.session.scalar(select(Notice.id).where(
            Notice.user_id == world.users["learn"]))
    assert unread >= 1
    assert f'<span class="badge" aria-hidden="true">{unread}</span>' in html
    assert f"（{unread} 条未读通知）" in html
    client.post(f"/me/notices/{notice}/read")
    html = client.get("/courses").get_data(as_text=True)
    if unread == 1:
        assert 'class="badge"' not in html
    else:
        assert f'<span class="badge" aria-hidden="true">{unread - 1}</span>' in html


def _more_data(app, world: World) -> None:
    """More of everything each panel lists or counts: courses, enrolments, notices, cadres
    with entries, notes, plans and claims, exams."""
    import shutil
    import tempfile
    from pathlib import Path

    from lms.catalog.packages import import_package
    from lms.demo.records import _learner_year
    from lms.org import services
    from lms.progress.notices import remind
    from lms.progress.services import enrol
    from tests.conftest import _HASH, COURSES
    from tests.route_world import _with_exam

    with app.test_request_context():
        org = db.session.get(User, world.users["org"])
        ua1 = db.session.get(User, world.users["ua1"])
        lect = db.session.get(User, world.users["lect"])
        learner = db.session.get(User, world.users["learn"])
        for i in range(4):
            with tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / f"copy-{i}"
                shutil.copytree(COURSES / "tufa-shijian-yingji", copy)
                toml = copy / "course.toml"
                toml.write_text(toml.read_text(encoding="utf-8").replace(
                    'slug = "tufa-shijian-yingji"', f'slug = "tufa-copy-{i}"'), encoding="utf-8")
                with _with_exam(copy) as files:
                    course = import_package(files, actor=org, new_status="published").course
            course.owner_id = lect.id
            db.session.commit()
            enrol(learner, course)
            session = db.session.scalar(select(Activity).where(
                Activity.course_id == course.id, Activity.type_key == "offline"))
            session.config = {**session.config, "starts_at": "2020-01-01T09:00"}
            db.session.commit()
            remind([learner.id], course, org)
        for i in range(3):
            user = services.add_account(f"more{i}", f"更多{i}", _HASH, "learner",
                                        services.unit_by_code("JD01"), rank="section")
            db.session.commit()
            _learner_year(world.year, db.session.get(User, user.id), ua1)
            db.session.commit()


@pytest.mark.parametrize("username", sorted(BOUND))
def test_home_queries_are_few_and_do_not_grow(app, world, page_queries, username):
    client = _client(app, username)
    client.get("/")  # the catalogue's outline snapshots, built once per process
    few, _size = page_queries(client, "/")
    assert few <= BOUND[username], few
    _more_data(app, world)
    many, _size = page_queries(client, "/")
    assert many == few
