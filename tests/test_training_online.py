"""Online special classes (网络专题班): a bundle of published courses for a cohort, enrolled
when the class starts, complete when every course was completed by the class's last day."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.catalog.models import Course, SubjectCategory
from lms.core.timeutil import end_of_local_day
from lms.extensions import db
from lms.org import services as org_services
from lms.progress.models import Enrolment, Notice
from lms.training.models import ClassCourse, ClassTrainee, TrainingClass
from lms.training.online import services

START = date(2026, 3, 2)
END = date(2026, 3, 20)


def _course(slug: str, title: str, status: str = "published") -> int:
    subject = db.session.scalar(select(SubjectCategory.id).limit(1))
    row = Course(slug=slug, title=title, category_id=subject, status=status, hours=2.0)
    db.session.add(row)
    db.session.flush()
    return row.id


def _class(unit: str = "JD01", *, form: str = "online", status: str = "draft",
           title: str = "学习贯彻专题网络班") -> int:
    cls = TrainingClass(year=START.year, title=title, unit_id=org_services.unit_by_code(unit).id,
                        category="online", form=form, starts_on=START, ends_on=END, days=19,
                        hours=12, status=status)
    db.session.add(cls)
    db.session.flush()
    return cls.id


def _trainee(class_id: int, user_id: int, status: str = "confirmed") -> None:
    unit_id = db.session.get(TrainingClass, class_id).unit_id
    db.session.add(ClassTrainee(class_id=class_id, user_id=user_id, unit_id=unit_id,
                                status=status))



@pytest.fixture(autouse=True)
def _english(client) -> None:
    """Pages in English (the platform's default is Chinese)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

@pytest.fixture
def world(app, district) -> dict:
    """Three published courses and a draft one; an online class of JD01 and one held in
    person."""
    with app.app_context():
        ids = {"a": _course("dangshi", "党史专题"), "b": _course("fazhi", "法治专题"),
               "c": _course("jingji", "经济专题"), "draft": _course("caogao", "草稿专题", "draft")}
        ids["online"] = _class()
        ids["in_person"] = _class(form="short_off_job", title="面授班")
        db.session.commit()
    return {**district, **ids}


def _bundle(app, class_id: int) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(ClassCourse.course_id).where(
            ClassCourse.class_id == class_id).order_by(ClassCourse.position)))


def _post(client, class_id: int, op: str, course_id: int, **kwargs):
    return client.post(f"/training/classes/{class_id}/courses",
                       data={"op": op, "course_id": course_id}, **kwargs)


def test_the_organiser_bundles_searches_and_orders_courses(app, client, auth, world):
    auth.login("ua1")
    cid = world["online"]
    page = client.get(f"/training/classes/{cid}/courses?q=专题").get_data(as_text=True)
    assert "党史专题" in page and "法治专题" in page
    assert "草稿专题" not in page  # only published courses are offered
    for key in ("a", "b", "c"):
        assert _post(client, cid, "add", world[key]).status_code == 302
    assert _bundle(app, cid) == [world["a"], world["b"], world["c"]]
    _post(client, cid, "down", world["a"])
    _post(client, cid, "up", world["c"])
    assert _bundle(app, cid) == [world["b"], world["c"], world["a"]]
    _post(client, cid, "remove", world["c"])
    assert _bundle(app, cid) == [world["b"], world["a"]]
    # A course in the bundle is not offered again.
    page = client.get(f"/training/classes/{cid}/courses?q=法治").get_data(as_text=True)
    assert "No published course not yet in this class" in page
    # A draft course is refused, with the reason.
    response = _post(client, cid, "add", world["draft"], follow_redirects=True)
    assert "Only published courses can be bundled" in response.get_data(as_text=True)
    assert _bundle(app, cid) == [world["b"], world["a"]]
    # A bad request names what is missing and changes nothing.
    response = client.post(f"/training/classes/{cid}/courses", data={"op": "add"},
                           follow_redirects=True)
    assert "Choose a course to add, remove or move." in response.get_data(as_text=True)


def test_the_bundle_is_fixed_once_the_class_runs(app, client, auth, world):
    cid = world["online"]
    with app.app_context():
        db.session.add(ClassCourse(class_id=cid, course_id=world["a"]))
        db.session.get(TrainingClass, cid).status = "running"
        db.session.commit()
    auth.login("ua1")
    response = _post(client, cid, "add", world["b"], follow_redirects=True)
    assert "fixed once it runs" in response.get_data(as_text=True)
    assert _bundle(app, cid) == [world["a"]]
    page = client.get(f"/training/classes/{cid}/courses").get_data(as_text=True)
    assert "The courses are fixed since the class started." in page
    assert "Add a course" not in page


def test_a_class_held_in_person_bundles_nothing(app, client, auth, world):
    auth.login("ua1")
    cid = world["in_person"]
    page = client.get(f"/training/classes/{cid}/courses").get_data(as_text=True)
    assert "Only an online special class bundles courses" in page
    response = _post(client, cid, "add", world["a"], follow_redirects=True)
    assert "Only an online special class bundles courses." in response.get_data(as_text=True)
    assert _bundle(app, cid) == []


def test_scope_other_units_and_learners_get_404(app, client, auth, world):
    cid = world["online"]
    for username in ("ua2", "learn", "sys"):
        auth.login(username)
        assert client.get(f"/training/classes/{cid}/courses").status_code == 404
        assert _post(client, cid, "add", world["a"]).status_code == 404
        auth.logout()
    assert _bundle(app, cid) == []
    auth.login("org")  # the organisation department administers the district's subtree
    assert _post(client, cid, "add", world["a"]).status_code == 302
    assert _bundle(app, cid) == [world["a"]]


def _enrolments(class_id: int) -> dict[tuple[int, int], Enrolment]:
    rows = db.session.scalars(select(Enrolment).where(Enrolment.course_id.in_(
        select(ClassCourse.course_id).where(ClassCourse.class_id == class_id))))
    return {(e.user_id, e.course_id): e for e in rows}


def test_enrol_cohort_enrols_the_attending_trainees_once(app, world, make_user):
    cid = world["online"]
    late_joiner = make_user("late", "learner", "JD01")  # before the session below writes
    with app.app_context():
        for key in ("a", "b"):
            db.session.add(ClassCourse(class_id=cid, course_id=world[key]))
        _trainee(cid, world["cadre_jd01"], "confirmed")
        _trainee(cid, world["learner"], "assigned")
        _trainee(cid, world["cadre_jd02"], "excused")
        # Enrolled by themselves before, with no due date: now due at the class's end.
        db.session.add(Enrolment(user_id=world["learner"], course_id=world["a"]))
        cls = db.session.get(TrainingClass, cid)
        assert services.enrol_cohort(cls) == 3
        db.session.commit()
        rows = _enrolments(cid)
        assert set(rows) == {(world["cadre_jd01"], world["a"]), (world["cadre_jd01"], world["b"]),
                             (world["learner"], world["a"]), (world["learner"], world["b"])}
        due = end_of_local_day(END)
        assert all(e.due_at == due for e in rows.values())
        assert rows[(world["cadre_jd01"], world["a"])].source == "class"
        assert rows[(world["learner"], world["a"])].source == "self"
        assert services.enrol_cohort(cls) == 0  # idempotent
        told = dict(db.session.execute(select(Notice.user_id, Notice.message).where(
            Notice.kind == "class_trainee")).all())
        assert set(told) == {world["cadre_jd01"], world["learner"]}
        assert told[world["learner"]] == ("你已报名网络专题班“学习贯彻专题网络班”的 2 门课程："
                                          "请在 2026-03-20 前全部完成，即完成本班。")
        # A trainee confirmed after the start is enrolled by `enrol_trainee`.
        assert services.enrol_trainee(cls, late_joiner) == 0  # not running yet: at start
        cls.status = "running"
        _trainee(cid, late_joiner, "confirmed")
        assert services.enrol_trainee(cls, late_joiner) == 2
        assert services.enrol_trainee(cls, late_joiner) == 0
        db.session.commit()
        assert len(_enrolments(cid)) == 6
        # A class held in person enrols nobody.
        assert services.enrol_cohort(db.session.get(TrainingClass, world["in_person"])) == 0


def test_cohort_completed_counts_every_course_by_the_last_day(app, world, make_user):
    cid = world["online"]
    people = {name: make_user(name, "learner", "JD01") for name in
              ("all_in_time", "at_deadline", "one_late", "one_missing", "excused", "none")}
    due = end_of_local_day(END)
    done = {"all_in_time": (due - timedelta(days=3), due - timedelta(days=1)),
            "at_deadline": (due, due),
            "one_late": (due - timedelta(days=3), due + timedelta(seconds=1)),
            "one_missing": (due - timedelta(days=3), None),
            "excused": (due - timedelta(days=3), due - timedelta(days=2)),
            "none": (None, None)}
    with app.app_context():
        cls = db.session.get(TrainingClass, cid)
        assert services.cohort_completed(cls) == set()  # no courses: nobody
        for key in ("a", "b"):
            db.session.add(ClassCourse(class_id=cid, course_id=world[key]))
        for name, uid in people.items():
            _trainee(cid, uid, "excused" if name == "excused" else "confirmed")
            for key, when in zip(("a", "b"), done[name], strict=True):
                db.session.add(Enrolment(user_id=uid, course_id=world[key], source="class",
                                         due_at=due, completed_at=when))
        # Completing a course of another class counts for nothing here.
        db.session.add(Enrolment(user_id=people["one_missing"], course_id=world["c"],
                                 completed_at=due - timedelta(days=1)))
        db.session.commit()
        assert services.cohort_completed(cls) == {people["all_in_time"], people["at_deadline"]}


def test_progress_page_shows_each_trainee_with_bounded_queries(app, client, auth, world,
                                                               make_user, page_queries):
    cid = world["online"]
    due = end_of_local_day(END)
    with app.app_context():
        for key in ("a", "b"):
            db.session.add(ClassCourse(class_id=cid, course_id=world[key]))
        _trainee(cid, world["cadre_jd01"])
        db.session.add_all([
            Enrolment(user_id=world["cadre_jd01"], course_id=world["a"], completed_at=due),
            Enrolment(user_id=world["cadre_jd01"], course_id=world["b"],
                      completed_at=due + timedelta(hours=1))])
        db.session.commit()
    auth.login("ua1")
    url = f"/training/classes/{cid}/courses"
    page = client.get(url).get_data(as_text=True)
    assert "王一" in page and "1 of 2" in page and ">50<" in page
    assert "Completed after the class ended: does not complete the class" in page
    small, _size = page_queries(client, url)
    more = [make_user(f"x{n}", "learner", "JD01") for n in range(12)]
    with app.app_context():
        for uid in more:
            _trainee(cid, uid)
            db.session.add(Enrolment(user_id=uid, course_id=world["a"],
                                     completed_at=due - timedelta(days=1)))
        db.session.commit()
    large, _size = page_queries(client, url)

    assert large == small


def test_learner_progress_tells_in_time_from_late(app, world):
    cid = world["online"]
    uid = world["learner"]
    due = end_of_local_day(END)
    with app.app_context():
        for position, key in enumerate(("a", "b", "c")):
            db.session.add(ClassCourse(class_id=cid, course_id=world[key], position=position))
        db.session.add_all([Enrolment(user_id=uid, course_id=world["a"], completed_at=due),
                            Enrolment(user_id=uid, course_id=world["b"],
                                      completed_at=due + timedelta(days=1))])
        db.session.commit()
        rows = services.learner_progress(db.session.get(TrainingClass, cid), uid)
        assert [r.course.title for r in rows] == ["党史专题", "法治专题", "经济专题"]
        assert [(r.enrolled, r.in_time, r.late) for r in rows] == [
            (True, True, False), (True, False, True), (False, False, False)]


def test_the_learner_partial_shows_their_own_progress(app, world):
    from flask import render_template_string
    from flask_login import login_user

    from lms.auth.models import User

    cid = world["online"]
    due = end_of_local_day(END)
    with app.app_context():
        for position, key in enumerate(("a", "b")):
            db.session.add(ClassCourse(class_id=cid, course_id=world[key], position=position))
        db.session.add(Enrolment(user_id=world["learner"], course_id=world["a"],
                                 completed_at=due + timedelta(minutes=1)))
        db.session.commit()
    page = ('{% set training_class = cls %}'
            '{% include "training/_online_progress.html" %}')
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        login_user(db.session.get(User, world["learner"]))
        html = render_template_string(page, cls=db.session.get(TrainingClass, cid))
        assert "党史专题" in html and "0 of 2 completed in time" in html
        assert "Completed after the class ended: does not complete the class" in html
        assert "You are enrolled when the class starts." in html
        held = db.session.get(TrainingClass, world["in_person"])
        assert render_template_string(page, cls=held).strip() == ""


def test_a_cadre_called_up_to_a_running_online_class_is_enrolled_at_once(app, world):
    """Call-ups after the start (named, or sent back to attend) enrol in the bundle."""
    from lms.auth.models import User
    from lms.training.callup import services as callup

    with app.test_request_context():
        cls = db.session.get(TrainingClass, world["online"])
        for position, key in enumerate(("a", "b")):
            db.session.add(ClassCourse(class_id=cls.id, course_id=world[key],
                                       position=position))
        cls.status = "running"
        db.session.commit()
        callup.call_up(cls, ["c1"], db.session.get(User, world["unit_admin"]))
        enrolled = set(db.session.scalars(select(Enrolment.course_id).where(
            Enrolment.user_id == world["cadre_jd01"])))
        assert enrolled == {world["a"], world["b"]}
