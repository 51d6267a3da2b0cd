"""Hostile uploads to a course's files: empty, lying about their type, oversized names,
paths and control characters. Each is refused with a sentence naming the file, or stored
under a safe name; none answers 500 or stores anything it refused."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from lms.catalog.models import MediaFile
from lms.extensions import db
from tests.authoring_helpers import as_user, authoring_people  # noqa: F401
from tests.test_authoring import PNG, course_by_title, create

HTML = b"<!doctype html><script>alert(1)</script>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def course_id(app, people):
    lect = as_user(app, "lect")
    create(app, lect, "上传课程", slug="shangchuan")
    return course_by_title(app, "上传课程")[0].id


def _upload(client, course_id: int, body: bytes, name: str):
    return client.post(f"/teach/courses/{course_id}/media",
                       data={"media-file": (io.BytesIO(body), name)},
                       content_type="multipart/form-data",
                       headers={"Accept": "application/json"})


def _stored(app, course_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(MediaFile.path)
                                       .where(MediaFile.course_id == course_id)))


@pytest.mark.parametrize("body, name", [
    (b"", "empty.png"),                      # zero bytes
    (HTML, "picture.png"),                   # a page that says it is a picture
    (HTML, "document.pdf"),
    (SVG, "drawing.png"),                    # a drawing with a script
    (b"MZ\x90\x00" + b"\x00" * 60, "setup.mp4"),  # a program that says it is a video
])
def test_content_that_is_not_what_it_says_is_refused(app, course_id, body, name):
    answer = _upload(as_user(app, "lect"), course_id, body, name)
    assert answer.status_code == 400
    [problem] = answer.get_json()["problems"]
    assert name in problem
    assert _stored(app, course_id) == []


@pytest.mark.parametrize("name", [
    "../../etc/passwd.png", "..\\..\\windows\\a.png", "a\x00b.png", "con.png",
    "（" * 300 + ".png", "图" * 400 + ".png", " .png", "....png", "a\u202egnp.exe.png",
])
def test_names_are_made_safe_or_refused(app, course_id, name):
    answer = _upload(as_user(app, "lect"), course_id, PNG, name)
    assert answer.status_code in (200, 400)
    if answer.status_code == 400:  # a sentence, as JSON or (a NUL, refused first) a page
        text = answer.get_data(as_text=True)
        assert (answer.get_json() or {}).get("problems") or "无法保存" in text
        assert _stored(app, course_id) == []
        return
    [path] = _stored(app, course_id)
    stored = path.removeprefix("media/")
    assert "/" not in stored and "\\" not in stored and ".." not in stored.strip(".")
    assert "\x00" not in stored and len(stored) <= 120 and stored.endswith(".png")
    assert as_user(app, "lect").get(f"/teach/courses/{course_id}").status_code == 200


def test_a_refused_upload_leaves_the_other_files_alone(app, course_id):
    lect = as_user(app, "lect")
    assert _upload(lect, course_id, PNG, "keep.png").status_code == 200
    assert _upload(lect, course_id, HTML, "keep.png").status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MediaFile)) == 1
    assert _stored(app, course_id) == ["media/keep.png"]
