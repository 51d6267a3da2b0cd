"""Training classes: drafting with every field checked, the review from draft to approval
(four eyes, comments, notices, audit), scope, attachments and the list."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from lms.audit.models import AdminEvent
from lms.extensions import db
from lms.training.models import ClassAttachment, ClassEvent, TrainingClass
from tests.conftest import own_statements
from tests.training_helpers import (
    YEAR,
    class_count,
    class_form,
    class_status,
    notices,
    unit_id,
)


@pytest.fixture
def world(district, make_user):
    make_user("org2", "org_admin", "QU", name="组织部二")
    return district


def _draft(app, client, auth, who="ua1", unit="JD01", **changes) -> int:
    auth.login(who)
    response = client.post("/training/classes/new", data=class_form(unit_id(app, unit),
                                                                     **changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def test_a_street_drafts_submits_is_returned_fixes_and_is_approved(app, client, auth, world):
    class_id = _draft(app, client, auth)
    page = client.get(f"/training/classes/{class_id}").get_data(as_text=True)
    assert "办班方案" in page and "<h1" in page and "张教授" in page
    with app.app_context():
        cls = db.session.get(TrainingClass, class_id)
        assert cls.status == "draft" and cls.year == YEAR and cls.lecturers == ["张教授", "李老师"]
        assert "<h1" in cls.plan_html and "<li>理论学习</li>" in cls.plan_html
    assert client.post(f"/training/classes/{class_id}/submit").status_code == 302
    assert class_status(app, class_id) == "submitted"
    assert any("提交审核" in m for m in notices(app, "org", "class_plan"))
    assert any("提交审核" in m for m in notices(app, "org2", "class_plan"))
    assert notices(app, "ua2") == []  # another street hears nothing
    # The street cannot review its own class.
    assert client.post(f"/training/classes/{class_id}/review",
                       data={"decision": "approve"}).status_code == 404
    auth.logout()
    auth.login("org")
    # Returning needs a comment; nothing changes without one.
    client.post(f"/training/classes/{class_id}/review", data={"decision": "return"})
    assert class_status(app, class_id) == "submitted"
    client.post(f"/training/classes/{class_id}/review",
                data={"decision": "return", "comment": "请补充经费预算说明"})
    assert class_status(app, class_id) == "returned"
    assert any("请补充经费预算说明" in m for m in notices(app, "ua1", "class_plan"))
    auth.logout()
    auth.login("ua1")
    page = client.get(f"/training/classes/{class_id}").get_data(as_text=True)
    assert "请补充经费预算说明" in page
    client.post(f"/training/classes/{class_id}/edit",
                data=class_form(unit_id(app, "JD01"), plan_text="# 办班方案\n\n经费：两万元"))
    client.post(f"/training/classes/{class_id}/submit")
    assert class_status(app, class_id) == "submitted"
    auth.logout()
    auth.login("org2")
    client.post(f"/training/classes/{class_id}/review", data={"decision": "approve"})
    assert class_status(app, class_id) == "approved"
    assert any("批准" in m for m in notices(app, "ua1", "class_plan"))
    with app.app_context():
        steps = list(db.session.scalars(select(ClassEvent.action).where(
            ClassEvent.class_id == class_id).order_by(ClassEvent.id)))
        assert steps == ["create", "submit", "return", "submit", "approve"]
        audited = list(db.session.scalars(select(AdminEvent.detail).where(
            AdminEvent.action == "class.change")))
        assert [d["action"] for d in audited] == ["create", "submit", "return", "edit",
                                                  "submit", "approve"]
    # Approved: no longer editable.
    auth.logout()
    auth.login("ua1")
    client.post(f"/training/classes/{class_id}/edit", data=class_form(
        unit_id(app, "JD01"), title="改名"))
    with app.app_context():
        assert db.session.get(TrainingClass, class_id).title != "改名"


def test_the_department_never_reviews_a_class_it_submitted(app, client, auth, world):
    class_id = _draft(app, client, auth, who="org", unit="QU")
    client.post(f"/training/classes/{class_id}/submit")
    response = client.post(f"/training/classes/{class_id}/review",
                           data={"decision": "approve"}, follow_redirects=True)
    assert "四眼" in response.get_data(as_text=True) or "另一名" in response.get_data(
        as_text=True)
    assert class_status(app, class_id) == "submitted"
    auth.logout()
    auth.login("org2")
    client.post(f"/training/classes/{class_id}/review", data={"decision": "approve"})
    assert class_status(app, class_id) == "approved"


def test_submitting_needs_a_class_plan(app, client, auth, world):
    class_id = _draft(app, client, auth, plan_text="")
    page = client.post(f"/training/classes/{class_id}/submit",
                       follow_redirects=True).get_data(as_text=True)
    assert "办班方案" in page
    assert class_status(app, class_id) == "draft"


@pytest.mark.parametrize("changes, field, words", [
    ({"ends_on": f"{YEAR}-05-01"}, "ends_on", "结束日期"),
    ({"title": ""}, "title", "名称"),
    ({"days": "9"}, "days", "天数"),
    ({"hours": "1001"}, "hours", "学时"),
    ({"capacity": "-1"}, "capacity", "人数"),
    ({"organiser_kind": "outside", "organiser_name": ""}, "organiser_name", "主办"),
    ({"category": "nope"}, "category", "类别"),
    ({"starts_on": "2026-13-01"}, "starts_on", "开始日期"),
])
def test_bad_input_names_the_field_and_writes_nothing(app, client, auth, world, changes, field,
                                                      words):
    auth.login("ua1")
    before = class_count(app)
    response = client.post("/training/classes/new",
                           data=class_form(unit_id(app, "JD01"), **changes))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert f'id="{field}-err"' in text and words in text
    assert class_count(app) == before


def test_a_unit_proposes_only_for_its_own_subtree(app, client, auth, world):
    auth.login("ua1")
    response = client.post("/training/classes/new", data=class_form(unit_id(app, "JD02")))
    assert response.status_code == 200 and 'id="unit_id-err"' in response.get_data(as_text=True)
    assert class_count(app) == 0
    # The community below is the street's own.
    assert client.post("/training/classes/new", data=class_form(
        unit_id(app, "JD01-SQ01"))).status_code == 302


def test_another_street_neither_sees_nor_touches_the_class(app, client, auth, world):
    class_id = _draft(app, client, auth)
    auth.logout()
    auth.login("ua2")
    for url in (f"/training/classes/{class_id}", f"/training/classes/{class_id}/edit",
                f"/training/classes/{class_id}/trainees"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/training/classes/{class_id}/submit").status_code == 404
    assert class_status(app, class_id) == "draft"
    assert "城关街道中青年干部培训班" not in client.get("/training/classes").get_data(
        as_text=True)
    auth.logout()
    auth.login("learn")  # a learner who is no trainee of it
    assert client.get(f"/training/classes/{class_id}").status_code == 404


_PDF = b"%PDF-1.4\n%test\n"


def test_attachments_are_checked_by_content_and_downloaded_in_scope(app, client, auth, world):
    class_id = _draft(app, client, auth)
    client.post(f"/training/classes/{class_id}/attachments",
                data={"attachment": (io.BytesIO(_PDF), "方案.pdf")},
                content_type="multipart/form-data")
    page = client.post(f"/training/classes/{class_id}/attachments",
                       data={"attachment": (io.BytesIO(b"MZ\x90\x00evil"), "方案.pdf")},
                       content_type="multipart/form-data",
                       follow_redirects=True).get_data(as_text=True)
    assert "附件" in page
    with app.app_context():
        rows = list(db.session.scalars(select(ClassAttachment)))
        assert [r.filename for r in rows] == ["方案.pdf"]
        attachment_id = rows[0].id
    download = client.get(f"/training/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == _PDF
    assert "attachment" in download.headers["Content-Disposition"]
    auth.logout()
    auth.login("ua2")
    assert client.get(f"/training/attachments/{attachment_id}").status_code == 404
    assert client.post(f"/training/attachments/{attachment_id}/remove").status_code == 404
    auth.logout()
    auth.login("ua1")
    client.post(f"/training/attachments/{attachment_id}/remove")
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(ClassAttachment)) == 0


def test_word_files_are_recognised_inside_their_zip(app, client, auth, world):
    import zipfile

    class_id = _draft(app, client, auth)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    buffer.seek(0)
    client.post(f"/training/classes/{class_id}/attachments",
                data={"attachment": (buffer, "方案.docx")}, content_type="multipart/form-data")
    with app.app_context():
        row = db.session.scalar(select(ClassAttachment))
        assert row is not None and row.content_type.endswith("wordprocessingml.document")


def test_the_list_filters_and_runs_a_bounded_number_of_queries(app, client, auth, world,
                                                               page_queries):
    _draft(app, client, auth)
    few, _size = page_queries(client, "/training/classes")
    for n in range(5):
        _draft(app, client, auth, title=f"第{n}期培训班", category="professional")
    many, _size = page_queries(client, "/training/classes")
    assert many == few
    text = client.get("/training/classes?category=professional").get_data(as_text=True)
    assert "第3期培训班" in text and "城关街道中青年干部培训班" not in text
    auth.logout()
    auth.login("org")
    with app.app_context(), own_statements(db.engine):
        text = client.get("/training/classes?status=review").get_data(as_text=True)
    assert "第3期培训班" not in text  # none submitted yet
