"""What learners see: catalogue, search in Chinese, course page, activities, media, API."""
from __future__ import annotations

import io
import zipfile

import pytest

from lms.auth.models import User
from lms.auth.services import create_token
from lms.catalog.models import Activity, Course
from lms.extensions import db
from tests.conftest import PASSWORD


def login(client, username="learn"):
    client.post("/login", data={"username": username, "password": PASSWORD})


def test_catalogue_lists_published_courses_and_finds_chinese_words(client, sample_courses):
    login(client)
    html = client.get("/courses").get_data(as_text=True)
    assert "公文写作基础" in html and "信息报送实务" in html and "共 3 门课程" in html
    found = client.get("/courses?q=应急").get_data(as_text=True)
    assert "突发事件应急处置" in found and "公文写作基础" not in found
    assert "信息报送实务" in client.get("/courses?q=报送").get_data(as_text=True)
    assert "共 0 门课程" in client.get("/courses?q=航天").get_data(as_text=True)
    electives = client.get("/courses?required=0").get_data(as_text=True)
    assert "信息报送实务" in electives and "公文写作基础" not in electives


def test_catalogue_filters_by_subject(app, client, sample_courses):
    from lms.catalog.models import SubjectCategory

    with app.app_context():
        emergency = db.session.scalar(db.select(SubjectCategory.id).filter_by(name="应急管理"))
    login(client)
    html = client.get(f"/courses?category={emergency}").get_data(as_text=True)
    assert "突发事件应急处置" in html and "共 1 门课程" in html


def test_course_page_shows_outline_and_progress(app, client, sample_courses):
    login(client)
    html = client.get("/courses/gongwen-xiezuo").get_data(as_text=True)
    assert "课程目录" in html and "公文的格式要素" in html and "已完成 0 / 8 项学习活动" in html
    from lms.catalog.models import ActivityState
    from lms.core.timeutil import utcnow

    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="learn"))
        first = db.session.scalar(db.select(Activity).filter_by(key="gaishu"))
        db.session.add(ActivityState(user_id=user.id, activity_id=first.id,
                                     completed_at=utcnow()))
        db.session.commit()
    assert "已完成 1 / 8 项学习活动" in client.get("/courses/gongwen-xiezuo").get_data(
        as_text=True)


def test_lecture_page_renders_sanitised_html(app, client, sample_courses):
    login(client)
    with app.app_context():
        lecture = db.session.scalar(db.select(Activity).filter_by(key="geshi")
                                    .where(Activity.course.has(slug="gongwen-xiezuo")))
    html = client.get(f"/activities/{lecture.id}").get_data(as_text=True)
    assert "<table>" in html and "公文的格式要素" in html and "<script" not in html.split(
        "<main")[1].split("</main>")[0]


def test_quiz_page_never_shows_the_answer_key(app, client, sample_courses):
    login(client)
    with app.app_context():
        quiz = db.session.scalar(db.select(Activity).filter_by(type_key="quiz"))
        gift = quiz.config["gift"]
        quiz_id = quiz.id
    html = client.get(f"/activities/{quiz_id}").get_data(as_text=True)
    assert "{=" not in html and "题目数" in html
    answer = gift.split("{=")[1].split("~")[0].strip().split("#")[0].strip()
    assert answer not in html.split('<main')[1]


def test_pages_run_a_bounded_number_of_queries_and_stay_light(client, sample_courses,
                                                              import_course, page_queries):
    login(client)

    def measure(url: str) -> tuple[int, int]:
        cold, _size = page_queries(client, url)  # the first view builds the outline snapshot
        warm, size = page_queries(client, url)
        assert cold <= 10
        return warm, size

    few_catalogue, _ = measure("/courses")
    few_course, _ = measure("/courses/gongwen-xiezuo")
    # Many more courses (and activities) do not add queries.
    from tests.test_packages import MANIFEST, good_files, zip_of

    for i in range(12):
        manifest = MANIFEST.replace("ceshi-kecheng", f"kecheng-{i:02d}")
        import_course(zip_of(good_files(**{"course.toml": manifest})))
    catalogue, catalogue_size = measure("/courses")
    course, course_size = measure("/courses/gongwen-xiezuo")
    assert catalogue == few_catalogue and course == few_course
    assert catalogue <= 10 and course <= 10
    assert catalogue_size <= 50_000 and course_size <= 50_000
    assert "下一页" not in client.get("/courses").get_data(as_text=True)  # 15 fit on a page
    paged = client.get("/courses?per_page=5").get_data(as_text=True)
    assert "第 1 页，共 3 页" in paged


def test_drafts_are_hidden_from_learners(app, client, sample_courses, import_course):
    from tests.test_packages import good_files, zip_of

    import_course(zip_of(good_files()), new_status="draft")
    login(client)
    assert client.get("/courses/ceshi-kecheng").status_code == 404
    assert "测试课程" not in client.get("/courses").get_data(as_text=True)
    with app.app_context():
        draft_activity = db.session.scalar(db.select(Activity).filter_by(key="yi")).id
    assert client.get(f"/activities/{draft_activity}").status_code == 404


def _upload_video(app, size: int) -> tuple[str, bytes]:
    from lms.catalog.services import upload_media

    data = b"\x00\x00\x00\x18ftypisom" + bytes(range(256)) * (size // 256)
    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo"))
        row = upload_media(course, "讲解.mp4", io.BytesIO(data))
        return row.url, data


def test_media_answers_range_requests(app, client, sample_courses):
    url, data = _upload_video(app, 3 * 1024 * 1024)
    responses = []

    def get(*args, **kwargs):
        response = client.get(*args, **kwargs)
        responses.append(response)
        return response

    assert get(url).status_code == 302  # signed in only
    login(client)
    whole = get(url)
    assert whole.status_code == 200 and whole.data == data
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert "private" in whole.headers["Cache-Control"] and whole.headers["ETag"]
    part = get(url, headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    assert part.data == data[1000:2000]
    tail = get(url, headers={"Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.data == data[-100:]
    beyond = get(url, headers={"Range": f"bytes={len(data) + 10}-"})
    assert beyond.status_code == 416 and beyond.headers["Content-Range"] == f"bytes */{len(data)}"
    etag = whole.headers["ETag"]
    assert get(url, headers={"If-None-Match": etag}).status_code == 304
    assert get(url.rsplit("/", 1)[0] + "/other.mp4").status_code == 404
    for response in responses:  # streamed file bodies are closed like a server would
        response.close()


def test_uploads_are_checked_by_content(app, sample_courses):
    from lms.catalog.services import CourseError, upload_media

    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo"))
        with pytest.raises(CourseError):
            upload_media(course, "x.mp4", io.BytesIO(b"<html><script>alert(1)</script>"))
        row = upload_media(course, "../../../etc/evil.png", io.BytesIO(
            b"\x89PNG\r\n\x1a\n" + b"\0" * 100))
        assert row.path == "media/evil.png"


def test_api_courses_outline_and_activity(app, client, sample_courses):
    with app.app_context():
        token = create_token(db.session.scalar(db.select(User).filter_by(username="learn")), "t")
    headers = {"Authorization": f"Bearer {token}"}
    listing = client.get("/api/v1/courses?q=应急", headers=headers).get_json()
    assert [c["slug"] for c in listing["items"]] == ["tufa-shijian-yingji"]
    assert client.get("/api/v1/courses?category=999", headers=headers).get_json()["total"] == 0
    outline = client.get("/api/v1/courses/gongwen-xiezuo", headers=headers).get_json()
    first = outline["activities"][0]
    assert set(first) >= {"id", "key", "type", "title", "hours", "completion"}
    assert first["completion"] == {"kind": "time", "min_minutes": 20}
    lecture = client.get(f"/api/v1/activities/{first['id']}", headers=headers).get_json()
    assert lecture["type"] == "lecture" and "<h2" in lecture["html"]
    quiz_id = next(a["id"] for a in outline["activities"] if a["type"] == "quiz")
    quiz = client.get(f"/api/v1/activities/{quiz_id}", headers=headers)
    assert "{=" not in quiz.get_data(as_text=True)
    assert quiz.get_json()["settings"]["question_count"] >= 8
    assert client.get("/api/v1/courses/nope", headers=headers).status_code == 404


def test_api_lecture_lists_its_media_urls(app, client, sample_courses, import_course):
    from tests.test_packages import good_files, zip_of

    import_course(zip_of(good_files()))
    with app.app_context():
        token = create_token(db.session.scalar(db.select(User).filter_by(username="learn")), "t")
        lecture = db.session.scalar(db.select(Activity).filter_by(key="yi")).id
    body = client.get(f"/api/v1/activities/{lecture}",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["media"][0]["path"] == "media/v.mp4"
    assert body["media"][0]["url"].startswith("/media/") and body["media"][0]["kind"] == "video"


def test_export_of_sample_is_a_zip_with_manifest(app, sample_courses):
    from lms.catalog.packages import export_package

    with app.app_context():
        data = export_package(db.session.scalar(db.select(Course).filter_by(
            slug="tufa-shijian-yingji")))
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert "course.toml" in zf.namelist()
        assert 'type = "offline"' in zf.read("course.toml").decode()


def test_cover_picture_shows_in_the_catalogue(app, client, sample_courses, import_course):
    from tests.test_packages import MANIFEST, good_files, zip_of

    manifest = MANIFEST.replace('hours = 1.0', 'hours = 1.0\ncover = "media/p.png"')
    import_course(zip_of(good_files(**{"course.toml": manifest})))
    login(client)
    html = client.get("/courses?q=测试").get_data(as_text=True)
    assert '<img class="cover" src="/media/' in html


def test_cached_catalogue_follows_every_change(app, client, sample_courses):
    from lms.catalog import services
    from lms.catalog.models import SubjectCategory

    login(client)
    assert "信息报送实务" in client.get("/courses").get_data(as_text=True)
    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(slug="xinxi-baosong"))
        services.archive(course, None)
    assert "信息报送实务" not in client.get("/courses").get_data(as_text=True)
    with app.app_context():
        lecture = db.session.scalar(db.select(Activity).filter_by(key="gaishu"))
        services.retire_activity(lecture)
    assert "7 项活动" in client.get("/courses").get_data(as_text=True)
    with app.app_context():
        db.session.add(SubjectCategory(name="数字素养", sort_order=99))
        db.session.commit()
    try:
        assert "数字素养" in client.get("/courses").get_data(as_text=True)
    finally:
        with app.app_context():
            db.session.execute(db.delete(SubjectCategory).filter_by(name="数字素养"))
            db.session.commit()
