"""Authoring for lecturers who are not programmers: the web address name made from the title,
the editor's preview through the server's sanitiser, the course's files from the activity
form, declared hours checked against the activities, and pages free of developer terms."""
from __future__ import annotations

import io
import re

from lms.catalog.models import Activity, Course, MediaFile
from lms.catalog.slugs import slug_from_title, unique_slug
from lms.extensions import db
from tests.authoring_helpers import as_user, authoring_people, subject_id  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def create(app, client, title: str, slug: str = "", hours: str = "2", **extra):
    return client.post("/teach/courses/new", data={
        "title": title, "slug": slug, "summary": "", "category_id": subject_id(app),
        "hours": hours, **extra})


def course_by_title(app, title: str) -> Course:
    with app.app_context():
        return db.session.scalars(db.select(Course).filter_by(title=title)
                                  .order_by(Course.id)).all()


# ---- the web address name --------------------------------------------------------------------

def test_slug_is_pinyin_words_of_the_title():
    assert slug_from_title("公文写作基础") == "gongwen-xiezuo-jichu"
    assert slug_from_title("绿色发展") == "lvse-fazhan"  # ü as v, ASCII only
    assert slug_from_title("2026年 Excel 数据分析！") == "2026-nian-excel-shujufenxi"
    assert slug_from_title("课") == "kecheng-ke"  # at least 3 characters
    assert slug_from_title("！！") == "kecheng"
    long = slug_from_title("习近平新时代中国特色社会主义思想" * 4)
    assert len(long) <= 64 and not long.endswith("-") and re.fullmatch(r"[a-z0-9-]+", long)
    taken = {"gongwen", "gongwen-2"}
    assert unique_slug("gongwen", taken.__contains__) == "gongwen-3"
    assert unique_slug("a" * 64, {"a" * 64}.__contains__) == "a" * 62 + "-2"


def test_a_new_course_needs_no_slug_and_gets_a_unique_one(app, people):
    lect = as_user(app, "lect")
    form = lect.get("/teach/courses/new").get_data(as_text=True)
    assert "网址名称" in form and "slug" not in _visible(form).lower()
    assert create(app, lect, "应急值守基础").status_code == 302
    assert create(app, lect, "应急值守基础").status_code == 302
    slugs = [c.slug for c in course_by_title(app, "应急值守基础")]
    assert slugs == ["yingji-zhishou-jichu", "yingji-zhishou-jichu-2"]
    # What the form shows as the title is typed: the name the next such course would get.
    answer = lect.get("/teach/courses/web-address-name?title=应急值守基础").get_json()
    assert answer == {"slug": "yingji-zhishou-jichu-3"}
    assert lect.get("/teach/courses/web-address-name?title=").get_json() == {"slug": ""}


def test_the_slug_is_editable_until_first_published(app, people):
    lect = as_user(app, "lect")
    assert create(app, lect, "值班要点", slug="zhiban").status_code == 302
    course = course_by_title(app, "值班要点")[0]
    assert course.slug == "zhiban"
    # A typed name that breaks the rule, or that another course uses, is refused beside it.
    bad = create(app, lect, "值班要点二", slug="Zhi Ban!").get_data(as_text=True)
    assert "网址名称须为 3 至 64 位小写字母" in bad
    taken = create(app, lect, "值班要点二", slug="zhiban").get_data(as_text=True)
    assert "网址名称 zhiban 已被另一门课程使用" in taken
    data = {"title": "值班要点", "slug": "zhiban-yaodian", "summary": "",
            "category_id": subject_id(app), "hours": "2"}
    assert lect.post(f"/teach/courses/{course.id}", data=data).status_code == 302
    with app.app_context():
        row = db.session.get(Course, course.id)
        assert row.slug == "zhiban-yaodian"
        row.status, row.published_at = "published", row.updated_at
        db.session.commit()
    org = as_user(app, "org")
    page = org.get(f"/teach/courses/{course.id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="slug"[^>]*readonly', page)
    org.post(f"/teach/courses/{course.id}", data={**data, "slug": "another"})
    with app.app_context():
        assert db.session.get(Course, course.id).slug == "zhiban-yaodian"


# ---- the preview -----------------------------------------------------------------------------

def test_preview_renders_through_the_sanitiser_for_authors_only(app, people):
    lect = as_user(app, "lect")
    create(app, lect, "预览课程", slug="yulan")
    course = course_by_title(app, "预览课程")[0]
    lect.post(f"/teach/courses/{course.id}/media", data={
        "media-file": (io.BytesIO(PNG), "tu 1.png")}, content_type="multipart/form-data")
    url = f"/teach/courses/{course.id}/preview"
    answer = lect.post(url, data={"text": "# 标题\n\n**粗体**<script>alert(1)</script>"
                                          '<img src="x" onerror="alert(1)">\n\n'
                                          "![图](media/tu-1.png)"}).get_json()
    assert "<strong>粗体</strong>" in answer["html"] and answer["problems"] == []
    assert "<script" not in answer["html"] and "onerror" not in answer["html"]
    with app.app_context():
        media = db.session.scalar(db.select(MediaFile).filter_by(course_id=course.id))
    assert f'src="{media.url}"' in answer["html"]  # the course's file, as learners get it
    missing = lect.post(url, data={"text": "文字\n\n@[video](media/none.mp4)"}).get_json()
    assert missing["problems"] == ["第 3 行：课程中没有这个媒体文件：media/none.mp4"]
    too_long = lect.post(url, data={"text": "字" * 200_001})
    assert too_long.status_code == 413 and "内容过长" in too_long.get_json()["problems"][0]
    # Another lecturer, a learner: no preview of a course they cannot edit.
    assert as_user(app, "lect2").post(url, data={"text": "x"}).status_code == 404
    assert as_user(app, "learn").post(url, data={"text": "x"}).status_code == 403


def test_preview_needs_the_csrf_token(app, people, monkeypatch):
    lect = as_user(app, "lect")
    create(app, lect, "预览课程", slug="yulan")
    course = course_by_title(app, "预览课程")[0]
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    url = f"/teach/courses/{course.id}/preview"
    assert lect.post(url, data={"text": "x"}).status_code == 400
    page = lect.get(f"/teach/courses/{course.id}").get_data(as_text=True)
    token = re.search(r'data-csrf="([^"]+)"', page).group(1)
    answer = lect.post(url, data={"text": "*x*"}, headers={"X-CSRFToken": token})
    assert answer.status_code == 200 and "<em>x</em>" in answer.get_json()["html"]


# ---- the course's files from the activity form -------------------------------------------

def test_the_activity_form_offers_and_uploads_the_courses_files(app, people):
    lect = as_user(app, "lect")
    create(app, lect, "文件课程", slug="wenjian")
    course = course_by_title(app, "文件课程")[0]
    lect.post(f"/teach/courses/{course.id}/media", data={
        "media-file": (io.BytesIO(PDF), "条例(全文).pdf")}, content_type="multipart/form-data")
    form_url = f"/teach/courses/{course.id}/activities/new/lecture"
    page = lect.get(form_url).get_data(as_text=True)
    assert "条例-全文-.pdf · PDF 文档" in page
    assert 'data-insert-markdown="@[pdf 条例-全文-.pdf](media/条例-全文-.pdf)"' in page
    assert f'data-markdown-preview="/teach/courses/{course.id}/preview"' in page
    # Upload from the form's script: the file and the text that shows it come back.
    answer = lect.post(f"/teach/courses/{course.id}/media", data={
        "media-file": (io.BytesIO(PNG), "示意图.png"), "back": form_url},
        content_type="multipart/form-data", headers={"Accept": "application/json"})
    data = answer.get_json()
    assert data["markdown"] == "![示意图.png](media/示意图.png)"
    assert data["kind"] == "图片（PNG）" and data["message"] == "已上传 示意图.png。"
    refused = lect.post(f"/teach/courses/{course.id}/media", data={
        "media-file": (io.BytesIO(b"plain text, not media"), "a.txt")},
        content_type="multipart/form-data", headers={"Accept": "application/json"})
    assert refused.status_code == 400 and "a.txt" in refused.get_json()["problems"][0]
    # Without the script, the upload returns to the form it came from.
    back = lect.post(f"/teach/courses/{course.id}/media", data={
        "media-file": (io.BytesIO(PNG), "b.png"), "back": form_url},
        content_type="multipart/form-data")
    assert back.headers["Location"].endswith(form_url + "#files")
    # The inserted text saves: the lecture shows the picture.
    saved = lect.post(form_url, data={"title": "第一讲", "hours": "1",
                                      "body": "看图：\n\n" + data["markdown"]})
    assert saved.status_code == 302
    with app.app_context():
        lecture = db.session.scalar(db.select(Activity).filter_by(course_id=course.id))
        assert "<img" in lecture.html


# ---- declared hours --------------------------------------------------------------------------

WARNING = "本课程申报"


def test_hours_warning_names_both_numbers(app, people):
    lect = as_user(app, "lect")
    create(app, lect, "学时课程", slug="xueshi", hours="2")
    course = course_by_title(app, "学时课程")[0]
    page = f"/teach/courses/{course.id}"
    assert WARNING not in lect.get(page).get_data(as_text=True)  # no activities yet
    for title, hours, optional in (("第一讲", "1", ""), ("第二讲", "0.5", ""),
                                   ("选学", "0.5", "y")):
        lect.post(f"/teach/courses/{course.id}/activities/new/lecture", data={
            "title": title, "hours": hours, "body": "正文", "optional": optional})
    html = lect.get(page).get_data(as_text=True)
    assert "本课程申报 2 学时，但学员完成课程所需的各项活动合计 1.5 学时" in html
    assert html.count(WARNING) == 2  # above the outline and beside the hours field
    assert "学员每学习 45 分钟计 1 学时，最多计课程学时。" in html  # the platform's rule
    data = {"title": "学时课程", "summary": "", "category_id": subject_id(app), "hours": "1.5"}
    assert lect.post(page, data=data).status_code == 302
    assert WARNING not in lect.get(page).get_data(as_text=True)
    # Asking for three activities counts the optional one too.
    lect.post(page, data={**data, "completion_count": "3"})
    assert "合计 2 学时" in lect.get(page).get_data(as_text=True)


def test_sample_courses_declare_the_hours_of_their_activities(app, sample_courses):
    from lms.catalog.hours_check import check_hours

    with app.app_context():
        for slug in sample_courses:
            course = db.session.scalar(db.select(Course).filter_by(slug=slug))
            assert check_hours(course).agrees, (slug, check_hours(course))
    org = as_user(app, "org")
    with app.app_context():
        ids = list(db.session.scalars(db.select(Course.id)))
    for course_id in ids:
        assert WARNING not in org.get(f"/teach/courses/{course_id}").get_data(as_text=True)


# ---- no developer terms ----------------------------------------------------------------------

JARGON = [
    re.compile(r"\bslug\b", re.I), re.compile(r"\bmime\b", re.I),
    re.compile(r"\b(image|video|audio|application)/[a-z0-9.+-]+"),  # a MIME type
    re.compile(r"docs/[\w-]+\.md"), re.compile(r"\bmedia/"),  # paths in the repository
    re.compile(r"@\[(video|audio|pdf)"),  # directive syntax
    re.compile(r"\d\s*h\b"),  # "h" for hours
    re.compile(r"\b(lecture|quiz|exam|reading|offline)-\d+\b"),  # activity keys
    re.compile(r"\bMarkdown\b"),
    re.compile(r"\b(min_minutes|min_played_percent|completion_count|duration_minutes)\b"),
]


def _visible(html: str) -> str:
    """The page's text and its attributes a person reads (labels, titles, placeholders),
    without scripts, styles and the data the scripts use."""
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    machine = r"data-[\w-]+|href|src|action|name|id|for|class|accept|value|type|rel"
    html = re.sub(rf'\s(?:{machine})="[^"]*"', "", html)
    return html


def test_no_developer_terms_on_teach_pages(app, sample_courses):
    org = as_user(app, "org")
    lect = as_user(app, "lecturer")
    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo"))
        activities = list(db.session.scalars(db.select(Activity).filter_by(course_id=course.id)
                                             .where(Activity.type_key != "exam")))
        course_id = course.id
    pages = ["/teach/courses", "/teach/courses/new", f"/teach/courses/{course_id}",
             "/teach/subjects"]
    pages += [f"/teach/activities/{a.id}/edit" for a in activities]
    pages += [f"/teach/courses/{course_id}/activities/new/{t}"
              for t in ("lecture", "quiz", "reading", "offline")]
    found, read = [], set()
    for url in pages:
        for client in (org, lect):
            response = client.get(url)
            if response.status_code != 200:
                continue
            read.add(url)
            text = _visible(response.get_data(as_text=True))
            found += [(url, m.group(0)) for pattern in JARGON for m in pattern.finditer(text)]
    assert read == set(pages)
    assert not found, found
