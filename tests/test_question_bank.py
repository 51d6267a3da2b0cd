"""The question bank in the browser: who sees which bank, filters and pages, imports that
write everything or nothing, the GIFT export and deleting."""
from __future__ import annotations

import io

import pytest

from lms.activities.builtin.quiz.gift import parse_gift
from lms.assessment import bank as bank_views
from lms.assessment.importer import import_questions
from lms.assessment.models import Question, QuestionCategory
from lms.assessment.xlsx import COLUMNS
from lms.catalog.models import Course
from lms.extensions import db
from lms.org.tabular import xlsx_bytes

GIFT = """$CATEGORY: 公文写作/格式

// [tag:公文] [tag:基础]
::种类:: 下列哪一项属于法定公文种类？ {
  =通知 # 正确
  ~简报
  ~工作总结
}

// [tag:公文]
::要素:: 公文的必备要素有哪些？ {
  ~%50%发文机关标识
  ~%50%标题
  ~%-100%页码
}

::折扣:: 100%_完成率的写法 {T}

$CATEGORY: 公文写作/格式/标题

::标题:: 公文标题由哪几部分组成？ {=发文机关、事由和文种 =三部分}

$CATEGORY: 公文写作/写作

// [tag:写作]
::问答:: 简述请示与报告的区别。 {}
"""


@pytest.fixture
def course_id(app, sample_courses) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Course.id).filter_by(slug="gongwen-xiezuo"))


@pytest.fixture
def bank(app, course_id) -> str:
    """The course's bank holding the GIFT questions above; returns its URL."""
    with app.test_request_context():
        import_questions(GIFT, "gift", course_id)
    return f"/teach/questions/course/{course_id}"


def _count(app, **where) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Question)
                                 .filter_by(**where))


def _names(html: str) -> set[str]:
    return {name for name in ("种类", "要素", "折扣", "标题", "问答")
            if f"<summary>{name}</summary>" in html}


def _upload(client, url: str, data: bytes, name: str, fmt: str = "auto"):
    return client.post(url, data={"file": (io.BytesIO(data), name), "format": fmt},
                       content_type="multipart/form-data")


def test_a_lecturer_of_the_course_sees_its_bank(client, auth, bank, course_id):
    auth.login("lecturer")
    response = client.get(bank)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _names(html) == {"种类", "要素", "折扣", "标题", "问答"}
    assert "公文写作/格式/标题" in html and "发文机关标识" in html
    assert f'href="{bank}"' in client.get(f"/teach/courses/{course_id}").get_data(as_text=True)


def test_others_get_404(client, auth, make_user, bank):
    make_user("other", "lecturer", "QU")
    auth.login("other")
    assert client.get(bank).status_code == 404
    assert client.get(bank + "/export.gift").status_code == 404
    assert _upload(client, bank, GIFT.encode(), "x.gift").status_code == 404
    auth.logout()
    auth.login("learn")
    for url in (bank, "/teach/questions/shared", bank + "/export.gift",
                "/teach/questions/shared/export.gift"):
        assert client.get(url).status_code == 404, url


def test_filters_and_search_narrow_the_list(app, client, auth, bank):
    auth.login("lecturer")
    with app.app_context():
        ids = dict(db.session.execute(db.select(QuestionCategory.path, QuestionCategory.id))
                   .all())

    def names(**args) -> set[str]:
        response = client.get(bank, query_string=args)
        assert response.status_code == 200
        return _names(response.get_data(as_text=True))

    assert names(category=ids["公文写作/格式"]) == {"种类", "要素", "折扣", "标题"}
    assert names(category=ids["公文写作/格式/标题"]) == {"标题"}
    assert names(type="multiresponse") == {"要素"}
    assert names(type="essay") == {"问答"}
    assert names(type="no-such-type") == _names(client.get(bank).get_data(as_text=True))
    assert names(tag="公文") == {"种类", "要素"}
    assert names(tag="写作") == {"问答"}
    assert names(tag="公") == set()  # a tag matches whole
    assert names(q="请示") == {"问答"}
    assert names(q="种类") == {"种类"}  # the name or the text
    assert names(q="%") == {"折扣"} and names(q="_") == {"折扣"}  # escaped, not wildcards
    assert names(q="请示", type="essay", category=ids["公文写作/写作"]) == {"问答"}
    assert names(q="请示", type="multichoice") == set()


def test_pages(client, auth, bank):
    auth.login("lecturer")
    seen = []
    for page in (1, 2, 3):
        html = client.get(bank, query_string={"per_page": 2, "page": page}).get_data(
            as_text=True)
        seen.append(_names(html))
    assert [len(s) for s in seen] == [2, 2, 1]
    assert set().union(*seen) == {"种类", "要素", "折扣", "标题", "问答"}
    assert 'rel="next"' in client.get(bank, query_string={"per_page": 2}).get_data(as_text=True)


def test_upload_imports_a_gift_file(app, client, auth, course_id):
    auth.login("lecturer")
    client.get("/?lang=en")
    url = f"/teach/questions/course/{course_id}"
    response = _upload(client, url, GIFT.encode(), "公文.gift")
    assert response.status_code == 302 and "/jobs/" in response.location  # imported by a job
    assert _count(app, course_id=course_id, source="gift") == 5
    page = client.get(response.location).get_data(as_text=True)
    assert "Imported 5 questions." in page and "Import questions · 公文.gift" in page


def test_upload_imports_a_spreadsheet_and_a_chosen_format(app, client, auth, course_id):
    auth.login("lecturer")
    url = f"/teach/questions/course/{course_id}"
    sheet = xlsx_bytes([c.zh for c in COLUMNS], [
        ["判断", "培训", "请示应当一文一事。", *[""] * 8, "对", "", ""]])
    assert _upload(client, url, sheet, "bank.xlsx").status_code == 302
    aiken = "下列哪一项属于法定公文种类？\nA. 通知\nB. 简报\nANSWER: A\n".encode()
    assert _upload(client, url, aiken, "bank.txt").status_code == 400  # format unknown
    assert _upload(client, url, aiken, "bank.txt", "aiken").status_code == 302
    assert _count(app, course_id=course_id, source="xlsx") == 1
    assert _count(app, course_id=course_id, source="aiken") == 1


def test_a_bad_gift_file_lists_every_problem_and_imports_nothing(app, client, auth, course_id):
    auth.login("lecturer")
    client.get("/?lang=en")
    url = f"/teach/questions/course/{course_id}"
    bad = GIFT.replace("{T}", "{T").replace("~%-100%页码", "~%-100%页码\n  ~%300%正文")
    response = _upload(client, url, bad.encode(), "bad.gift")
    assert response.status_code == 302  # the job refuses the file: its page lists why
    html = client.get(response.location).get_data(as_text=True)
    assert "Nothing was imported: 2 problems" in html and "Failed" in html
    lines = bad.splitlines()
    assert f"<td>{lines.index('::折扣:: 100%_完成率的写法 {T') + 1}</td>" in html
    assert "weight %300% is outside" in html
    assert _count(app) == 0
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(QuestionCategory)) == 0


def test_a_bad_sheet_lists_rows_and_columns(app, client, auth, course_id):
    auth.login("lecturer")
    client.get("/?lang=en")
    url = f"/teach/questions/course/{course_id}"
    sheet = xlsx_bytes([c.zh for c in COLUMNS], [
        ["判断", "", "请示应当一文一事。", *[""] * 8, "对", "", ""],
        ["单选", "", "只有一个选项", "通知", *[""] * 7, "B", "", ""]])
    response = _upload(client, url, sheet, "bad.xlsx")
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert "<td>3</td><td>Option A</td>" in html and "<td>3</td><td>Answer</td>" in html
    assert _count(app) == 0


def test_wrong_or_large_files_are_refused(app, client, auth, course_id, monkeypatch):
    auth.login("lecturer")
    url = f"/teach/questions/course/{course_id}"
    assert _upload(client, url, b"MZ", "setup.exe").status_code == 400
    assert bank_views.MAX_BYTES == 2 * 1024 * 1024
    monkeypatch.setattr(bank_views, "MAX_BYTES", 256)  # a small limit keeps the test light
    client.get("/?lang=en")
    response = _upload(client, url, GIFT.encode(), "big.gift")
    assert response.status_code == 400
    assert "The file is larger than" in response.get_data(as_text=True)
    assert client.post(url, data={"format": "gift"}).status_code == 400  # no file
    assert _count(app) == 0


def test_export_reads_back_as_the_same_questions(app, client, auth, bank):
    auth.login("lecturer")
    response = client.get(bank + "/export.gift")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    by_name = lambda qs: sorted(qs, key=lambda q: q.name)  # noqa: E731
    assert by_name(parse_gift(response.get_data(as_text=True))) == by_name(parse_gift(GIFT))


def test_the_shared_bank(app, client, auth, sample_courses, bank):
    with app.test_request_context():
        import_questions(GIFT, "gift", None)
    auth.login("lecturer")  # exams draw from it: lecturers neither browse nor export it
    assert client.get("/teach/questions/shared").status_code == 404
    assert "/teach/questions/shared" not in client.get("/teach/courses").get_data(as_text=True)
    page = client.get(bank)  # their course's own bank does not offer it either
    assert page.status_code == 200
    assert "/teach/questions/shared" not in page.get_data(as_text=True)
    assert _upload(client, "/teach/questions/shared", GIFT.encode(), "x.gift").status_code == 404
    with app.app_context():
        question_id = db.session.scalar(db.select(Question.id)
                                        .filter_by(name="种类", course_id=None))
    assert client.post(f"/teach/questions/{question_id}/delete").status_code == 404
    assert client.get("/teach/questions/shared/export.gift").status_code == 404
    auth.logout()
    auth.login("org")  # the organisation department reads and manages it
    response = client.get("/teach/questions/shared")
    assert response.status_code == 200 and len(_names(response.get_data(as_text=True))) == 5
    assert client.get("/teach/questions/shared/export.gift").status_code == 200
    assert _upload(client, "/teach/questions/shared", GIFT.encode(), "x.gift").status_code == 302
    assert _count(app, course_id=None) == 10
    response = client.post(f"/teach/questions/{question_id}/delete",
                           data={"next": "/teach/questions/shared?type=essay"})
    assert response.status_code == 302
    assert response.location.endswith("/teach/questions/shared?type=essay")
    assert _count(app, course_id=None) == 9


def test_the_course_lecturer_deletes_from_the_course_bank(app, client, auth, bank):
    auth.login("lecturer")
    with app.app_context():
        question_id = db.session.scalar(db.select(Question.id).filter_by(name="问答"))
    response = client.post(f"/teach/questions/{question_id}/delete",
                           data={"next": "https://elsewhere.example/"})
    assert response.status_code == 302 and response.location.endswith(bank)
    assert _count(app) == 4
    assert client.post(f"/teach/questions/{question_id}/delete").status_code == 404
