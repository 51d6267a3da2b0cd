"""Course packages from the browser: the download round-trips into another installation, and
a package naming lecturers who have no account there imports with a warning."""
from __future__ import annotations

import io
import zipfile

import pytest
from sqlalchemy import select, text

from lms.auth.models import User
from lms.catalog.models import Course, MediaFile
from lms.extensions import db
from tests.authoring_helpers import as_user, zipped
from tests.conftest import COURSES, KEEP, job_page
from tests.test_packages import zip_of

SAMPLES = ("gongwen-xiezuo", "tufa-shijian-yingji", "xinxi-baosong")


def upload(client, data: bytes, name: str = "package.zip"):
    return client.post("/teach/packages", data={"pkg-file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=True)


def snapshot(app, slug: str) -> dict:
    """What a package carries of a course, without this installation's ids and accounts."""
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug=slug))
        media = sorted((m.path, m.sha256, m.kind) for m in db.session.scalars(
            select(MediaFile).where(MediaFile.course_id == course.id)))
        return {
            "course": (course.title, course.summary, course.category.name, course.hours,
                       course.required, course.completion_count,
                       course.cover.path if course.cover else None),
            "activities": [(a.key, a.type_key, a.title, a.hours, a.optional, a.config)
                           for a in course.activities if not a.retired],
            "media": media,
        }


def new_installation(app) -> None:
    """Empty every table but the reference data, as on a freshly installed platform."""
    with app.app_context():
        db.session.rollback()
        if db.engine.dialect.name == "postgresql":  # the audit log refuses DELETE otherwise
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in KEEP:
                db.session.execute(table.delete())
        db.session.commit()


@pytest.fixture
def people(make_unit, make_user):
    make_unit("QU", "青山区", "district")
    make_user("lect", "lecturer", "QU", name="教师甲")
    make_user("org", "org_admin", "QU", name="组织部")
    make_user("learn", "learner", "QU", name="李学员")


def test_download_round_trips_into_another_installation(app, sample_courses, make_unit,
                                                        make_user):
    lect = as_user(app, "lecturer")
    with app.app_context():
        course_id = db.session.scalar(select(Course.id).filter_by(slug="tufa-shijian-yingji"))
    page = lect.get(f"/teach/courses/{course_id}").get_data(as_text=True)
    assert f"/teach/courses/{course_id}/package.zip" in page
    response = lect.get(f"/teach/courses/{course_id}/package.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "tufa-shijian-yingji-v1.zip" in disposition
    data = response.data
    before = snapshot(app, "tufa-shijian-yingji")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert "course.toml" in zf.namelist()

    new_installation(app)  # elsewhere: no demo `lecturer` account, no course
    make_unit("QU", "青山区", "district")
    make_user("lect", "lecturer", "QU", name="教师甲")
    imported = upload(as_user(app, "lect"), data, "tufa-shijian-yingji-v1.zip")
    html = imported.get_data(as_text=True)
    assert imported.status_code == 200 and "已完成" in html  # the job's page, with the warning
    assert "没有账号：lecturer" in html
    assert snapshot(app, "tufa-shijian-yingji") == before
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="tufa-shijian-yingji"))
        assert course.status == "draft" and [u.username for u in course.lecturers] == ["lect"]


EXAM = """\
[course]
slug = "zige-kaoshi"
title = "任职资格考试"
category = "业务知识"
hours = 0
lecturers = ["lecturer"]

[[activities]]
key = "exam"
type = "exam"
title = "任职资格考试（科级）"
questions = "quiz/exam.gift"
duration_minutes = 60
opens_at = "2026-01-05 09:00"
closes_at = "2026-01-05 11:00"
"""


def test_who_downloads_a_package(app, sample_courses, make_user, import_course):
    make_user("lect", "lecturer", "QU")
    import_course(zip_of({"course.toml": EXAM,
                          "quiz/exam.gift": "::q1::民主集中制是党的根本组织原则。{T}\n"}))
    with app.app_context():
        ids = {c.slug: c.id for c in db.session.scalars(select(Course))}
    org = as_user(app, "org")
    # The organisation department downloads a course without an exam, not one with its
    # questions sealed: only the exam's lecturers read those.
    assert org.get(f"/teach/courses/{ids['gongwen-xiezuo']}/package.zip").status_code == 200
    sealed = org.get(f"/teach/courses/{ids['zige-kaoshi']}/package.zip")
    assert sealed.status_code == 404
    assert "package.zip" not in org.get(
        f"/teach/courses/{ids['zige-kaoshi']}").get_data(as_text=True)
    review = org.get(f"/teach/courses/{ids['zige-kaoshi']}/review").get_data(as_text=True)
    assert "package.zip" not in review and "只有主讲教师可以下载" in review
    lecturer = as_user(app, "lecturer")  # the exam's lecturer
    exported = lecturer.get(f"/teach/courses/{ids['zige-kaoshi']}/package.zip")
    assert exported.status_code == 200
    with zipfile.ZipFile(io.BytesIO(exported.data)) as zf:
        assert "民主集中制" in zf.read("quiz/exam.gift").decode()
    other = as_user(app, "lect")  # a lecturer of none of them
    assert other.get(f"/teach/courses/{ids['gongwen-xiezuo']}/package.zip").status_code == 404
    assert as_user(app, "learn").get(
        f"/teach/courses/{ids['gongwen-xiezuo']}/package.zip").status_code == 403


def test_sample_courses_sync_without_the_demo_lecturer(app):
    result = app.test_cli_runner().invoke(args=["courses", "sync", "--folder", str(COURSES)])
    assert result.exit_code == 0, result.output
    assert result.output.count("WARNING") == len(SAMPLES) and "lecturer" in result.output
    with app.app_context():
        courses = db.session.scalars(select(Course).order_by(Course.slug)).all()
        assert [c.slug for c in courses] == sorted(SAMPLES)
        assert all(c.status == "published" and not c.lecturers for c in courses)


def test_sample_courses_upload_without_the_demo_lecturer(app, people):
    lect = as_user(app, "lect")
    for name in SAMPLES:
        page = upload(lect, zipped(COURSES / name), f"{name}.zip")
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and "课程包已导入" in html, html[-2000:]
        assert "在本平台没有账号：lecturer" in html
    with app.app_context():
        courses = db.session.scalars(select(Course)).all()
        assert len(courses) == len(SAMPLES)
        assert all(c.status == "draft" and [u.username for u in c.lecturers] == ["lect"]
                   for c in courses)


def test_an_account_that_may_not_author_is_still_refused(app, people):
    manifest = (COURSES / "gongwen-xiezuo" / "course.toml").read_text(encoding="utf-8")
    folder = {p.relative_to(COURSES / "gongwen-xiezuo").as_posix(): p.read_bytes()
              for p in (COURSES / "gongwen-xiezuo").rglob("*") if p.is_file()}
    folder["course.toml"] = manifest.replace('lecturers = ["lecturer"]',
                                             'lecturers = ["learn", "nobody"]').encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in folder.items():
            zf.writestr(name, data)
    lect = as_user(app, "lect")
    page = job_page(lect, lect.post(
        "/teach/packages", data={"pkg-file": (io.BytesIO(out.getvalue()), "p.zip")},
        content_type="multipart/form-data"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "失败" in html and "learn" in html
    with app.app_context():
        assert db.session.scalar(select(Course.id)) is None
        assert db.session.scalar(select(User.id).filter_by(username="nobody")) is None
