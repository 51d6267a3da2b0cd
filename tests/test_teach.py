"""Authoring in the browser and the review workflow."""
from __future__ import annotations

import io

from lms.catalog.models import Activity, Course, CourseReview
from lms.extensions import db
from tests.authoring_helpers import as_user, authoring_people, subject_id  # noqa: F401
from tests.conftest import job_page

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def new_course(app, client, slug="yingji-jichu", title="应急值守基础") -> int:
    response = client.post("/teach/courses/new", data={
        "slug": slug, "title": title, "summary": "值班值守要点。", "category_id": subject_id(app),
        "required": "y", "hours": "2"})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    with app.app_context():
        return db.session.scalar(db.select(Course.id).filter_by(slug=slug))


def test_lecturer_authors_submits_and_org_admin_publishes(app, people):
    lect = as_user(app, "lect")
    course_id = new_course(app, lect)
    upload = lect.post(f"/teach/courses/{course_id}/media", data={
        "media-file": (io.BytesIO(PNG), "tu.png")}, content_type="multipart/form-data")
    assert upload.status_code == 302
    body = ("## 值班要求\n\n| 项目 | 要求 |\n|---|---|\n| 在岗 | 24 小时 |\n\n"
            "![示意](media/tu.png)\n")
    preview = lect.post(f"/teach/courses/{course_id}/activities/new/lecture", data={
        "title": "值班制度", "hours": "0.5", "body": body, "preview": "1"})
    html = preview.get_data(as_text=True)
    assert "<table>" in html and '/media/' in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Activity)) == 0
    saved = lect.post(f"/teach/courses/{course_id}/activities/new/lecture", data={
        "title": "值班制度", "hours": "0.5", "body": body, "min_minutes": "10"})
    assert saved.status_code == 302
    learner = as_user(app, "learn")
    assert learner.get("/courses/yingji-jichu").status_code == 404  # still a draft
    assert lect.post(f"/teach/courses/{course_id}/submit", data={"confirm": "y"}
                     ).status_code == 302
    with app.app_context():
        assert db.session.get(Course, course_id).status == "review"
    # Once submitted the lecturer can no longer change it.
    assert lect.get(f"/teach/courses/{course_id}/activities/new/lecture").status_code == 403
    org = as_user(app, "org")
    assert "应急值守基础" in org.get("/teach/review").get_data(as_text=True)
    org.post(f"/teach/courses/{course_id}/review", data={"comment": "", "publish": "1"})
    with app.app_context():
        assert db.session.get(Course, course_id).status == "published"
    page = learner.get("/courses?q=值守").get_data(as_text=True)
    assert "应急值守基础" in page
    with app.app_context():
        lecture_id = db.session.scalar(db.select(Activity.id))
    assert "24 小时" in learner.get(f"/activities/{lecture_id}").get_data(as_text=True)


def test_return_with_comments_reopens_the_draft(app, people):
    lect = as_user(app, "lect")
    course_id = new_course(app, lect)
    lect.post(f"/teach/courses/{course_id}/activities/new/reading", data={
        "title": "书目", "hours": "0.5", "items_text": "突发事件应对法 | 全国人大常委会 | | | yes"})
    lect.post(f"/teach/courses/{course_id}/submit", data={"confirm": "y"})
    org = as_user(app, "org")
    empty = org.post(f"/teach/courses/{course_id}/review", data={"send_back": "1"},
                     follow_redirects=True)
    assert "请说明需要修改的内容" in empty.get_data(as_text=True)
    org.post(f"/teach/courses/{course_id}/review", data={"comment": "补充案例", "send_back": "1"})
    with app.app_context():
        assert db.session.get(Course, course_id).status == "draft"
        review = db.session.scalar(db.select(CourseReview).filter_by(action="returned"))
        assert review.comment == "补充案例"
    assert "补充案例" in lect.get(f"/teach/courses/{course_id}").get_data(as_text=True)


def test_submitting_an_empty_course_is_refused(app, people):
    lect = as_user(app, "lect")
    course_id = new_course(app, lect)
    page = lect.post(f"/teach/courses/{course_id}/submit", data={"confirm": "y"},
                     follow_redirects=True)
    assert "提交前请至少添加一项活动" in page.get_data(as_text=True)


def test_authoring_is_limited_to_authors_of_the_course(app, people):
    lect = as_user(app, "lect")
    course_id = new_course(app, lect)
    other = as_user(app, "lect2")
    assert other.get(f"/teach/courses/{course_id}").status_code == 404
    assert other.post(f"/teach/courses/{course_id}/media", data={
        "media-file": (io.BytesIO(PNG), "x.png")},
        content_type="multipart/form-data").status_code == 404
    learner = as_user(app, "learn")
    assert learner.get("/teach/courses").status_code == 403
    assert learner.get("/teach/review").status_code == 403
    assert lect.get("/teach/review").status_code == 403


def test_bad_activity_input_shows_problems_and_saves_nothing(app, people):
    lect = as_user(app, "lect")
    course_id = new_course(app, lect)
    response = lect.post(f"/teach/courses/{course_id}/activities/new/lecture", data={
        "title": "缺图", "hours": "0.5", "body": "正文\n\n![图](media/none.png)\n"})
    assert "media/none.png" in response.get_data(as_text=True)
    quiz = lect.post(f"/teach/courses/{course_id}/activities/new/quiz", data={
        "title": "测验", "hours": "0.5", "gift": "::一::问题{=甲 ~乙\n", "pass_score": "60"})
    assert quiz.status_code == 200 and "flash-error" in quiz.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Activity)) == 0


def test_package_upload_in_the_browser(app, people):
    from tests.test_packages import MANIFEST, good_files, zip_of

    lect = as_user(app, "lect")
    bad = lect.post("/teach/packages", data={"pkg-file": (io.BytesIO(zip_of(good_files(
        **{"../evil.txt": "x"}))), "p.zip")}, content_type="multipart/form-data")
    assert "../evil.txt" in job_page(lect, bad).get_data(as_text=True)
    manifest = MANIFEST.replace('hours = 1.0', 'hours = 1.0\nlecturers = ["lect"]')
    good = lect.post("/teach/packages", data={"pkg-file": (io.BytesIO(zip_of(good_files(
        **{"course.toml": manifest}))), "p.zip")}, content_type="multipart/form-data")
    assert good.status_code == 302
    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(slug="ceshi-kecheng"))
        assert course.status == "draft" and [u.username for u in course.lecturers] == ["lect"]
    # Another lecturer cannot overwrite it with a package of the same slug.
    other = as_user(app, "lect2")
    refused = other.post("/teach/packages", data={"pkg-file": (io.BytesIO(zip_of(good_files(
        ))), "p.zip")}, content_type="multipart/form-data")
    assert "无权修改" in job_page(other, refused).get_data(as_text=True)


def test_org_admin_adds_a_subject(app, people):
    from lms.catalog.models import SubjectCategory

    org = as_user(app, "org")
    org.post("/teach/subjects", data={"name": "数字素养"})
    try:
        assert "数字素养" in org.get("/teach/subjects").get_data(as_text=True)
        assert as_user(app, "lect").get("/teach/subjects").status_code == 403
    finally:
        with app.app_context():
            db.session.execute(db.delete(SubjectCategory).where(
                SubjectCategory.name == "数字素养"))
            db.session.commit()


def test_archive_takes_a_course_out_of_the_catalogue(app, people, import_course):
    from tests.test_packages import good_files, zip_of

    import_course(zip_of(good_files()))
    with app.app_context():
        course_id = db.session.scalar(db.select(Course.id))
    learner = as_user(app, "learn")
    assert learner.get("/courses/ceshi-kecheng").status_code == 200
    assert as_user(app, "lect").post(f"/teach/courses/{course_id}/archive").status_code == 404
    org = as_user(app, "org")
    org.post(f"/teach/courses/{course_id}/archive")
    assert learner.get("/courses/ceshi-kecheng").status_code == 404
    org.post(f"/teach/courses/{course_id}/review", data={"publish": "1"})
    assert learner.get("/courses/ceshi-kecheng").status_code == 200


def test_course_lecturers_are_chosen_in_the_browser(app, people):
    from lms.auth.models import User

    lect = as_user(app, "lect")
    course_id = new_course(app, lect)
    assert as_user(app, "lect2").get(f"/teach/courses/{course_id}").status_code == 404
    with app.app_context():
        ids = {u.username: u.id for u in db.session.scalars(db.select(User))}
    response = lect.post(f"/teach/courses/{course_id}", data={
        "slug": "yingji-jichu", "title": "应急值守基础", "category_id": subject_id(app),
        "hours": "2", "cover_media_id": "0", "lecturer_ids": [ids["lect"], ids["lect2"]]})
    assert response.status_code == 302
    other = as_user(app, "lect2")
    assert "应急值守基础" in other.get("/teach/courses").get_data(as_text=True)
    assert other.get(f"/teach/courses/{course_id}").status_code == 200


def test_a_lecturer_is_told_why_a_published_course_cannot_be_edited(client, auth,
                                                                   sample_courses, app):
    """Not a bare 404: the lecturer of a published course reads why it is closed to edits."""
    from sqlalchemy import select

    from lms.catalog.models import Course
    from lms.extensions import db

    with app.app_context():
        course = db.session.scalars(select(Course).where(Course.status == "published")).first()
        course_id, title = course.id, course.title
    auth.login("lecturer")
    page = client.get(f"/teach/courses/{course_id}/submit")
    assert page.status_code == 403
    assert f"“{title}”已不是草稿" in page.get_data(as_text=True)
