"""The required reading list and reading notes: published by the organisation department,
written by cadres, called in and reviewed by administrators in scope; an approved note is in
the learning record and every step is in the audit chain."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org.models import Unit
from lms.progress.models import Notice
from lms.records import chain, reading
from lms.records.models import AuditEvent, ReadingCall, ReadingItem, ReadingNote, RecordEntry
from tests.conftest import own_statements

YEAR = local_today().year
BOOK = "习近平新时代中国特色社会主义思想学习纲要"


@pytest.fixture
def published(app, client, auth, district) -> int:
    """The organisation department adds two items and publishes the year's list."""
    auth.login("org")
    for title, required in ((BOOK, "y"), ("之江新语", "")):
        data = {"title": title, "author": "中共中央宣传部", "sort_order": "1"}
        if required:
            data["required"] = "y"
        response = client.post(f"/admin/records/reading?year={YEAR}", data=data)
        assert response.status_code == 302
    # Cadres do not see an unpublished list.
    auth.logout()
    auth.login("learn")
    assert BOOK not in client.get(f"/reading?year={YEAR}").get_data(as_text=True)
    auth.logout()
    auth.login("org")
    response = client.post(f"/admin/records/reading?year={YEAR}", data={"action": "publish"},
                           follow_redirects=True)
    assert "已发布" in response.get_data(as_text=True) or response.status_code == 200
    auth.logout()
    with app.app_context():
        item = db.session.scalar(select(ReadingItem).filter_by(title=BOOK))
        assert item.published and item.required
        return item.id


def _submit(client, auth, username: str, item_id: int, body: str = "学习体会：要学深悟透。"):
    auth.login(username)
    response = client.post(f"/me/reading/{item_id}",
                           data={"title": "读书笔记", "body": body, "submit": "1"})
    auth.logout()
    return response


def _note_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(ReadingNote.id).join(User, User.id == ReadingNote.user_id)
                                 .where(User.username == username))


def _actions(app, user_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.user_id == user_id).order_by(AuditEvent.seq)))


def test_publish_write_submit_approve_puts_the_note_in_the_record(app, client, auth,
                                                                  district, published):
    auth.login("learn")
    page = client.get(f"/reading?year={YEAR}").get_data(as_text=True)
    assert BOOK in page and "之江新语" in page
    # A draft first: saved, still editable, not visible to administrators.
    client.post(f"/me/reading/{published}", data={"title": "初稿", "body": "第一段", "save": "1"})
    auth.logout()
    auth.login("ua1")
    assert "初稿" not in client.get("/admin/records/notes?status=all").get_data(as_text=True)
    auth.logout()

    assert _submit(client, auth, "learn", published).status_code == 302
    note_id = _note_id(app, "learn")
    auth.login("ua1")
    queue = client.get("/admin/records/notes").get_data(as_text=True)
    assert "读书笔记" in queue and "李学员" in queue
    response = client.post(f"/admin/records/notes/{note_id}",
                           data={"comment": "体会深刻", "approve": "1"}, follow_redirects=True)
    assert response.status_code == 200
    # Approving twice writes nothing more.
    client.post(f"/admin/records/notes/{note_id}", data={"comment": "再次", "approve": "1"})
    auth.logout()

    with app.app_context():
        note = db.session.get(ReadingNote, note_id)
        entries = db.session.scalars(select(RecordEntry).where(
            RecordEntry.user_id == district["learner"])).all()
        assert note.status == "approved" and note.comment == "体会深刻"
        assert [(e.kind, e.title, e.hours, e.source) for e in entries] == [
            ("reading_note", BOOK, 0.0, f"reading_note:{note_id}")]
        assert note.entry_id == entries[0].id
        assert entries[0].details["item_id"] == published
        assert entries[0].occurred_on == local_today()
        assert chain.verify().findings == []
    assert _actions(app, district["learner"]) == ["note.submit", "entry.add", "note.approve"]
    with app.app_context():
        approve = db.session.scalar(select(AuditEvent).filter_by(action="note.approve"))
        assert approve.actor_id == district["unit_admin"] and approve.reason == "体会深刻"

    # The cadre sees it approved and can no longer change it.
    auth.login("learn")
    assert ">Approved<" in client.get("/me/reading?lang=en").get_data(as_text=True)
    client.post(f"/me/reading/{published}", data={"title": "改", "body": "改动", "save": "1"})
    with app.app_context():
        assert db.session.get(ReadingNote, note_id).body == "学习体会：要学深悟透。"
        assert reading.notes_summary(district["learner"], YEAR)[0].status == "approved"


def test_return_with_a_comment_then_resubmit(app, client, auth, district, published):
    _submit(client, auth, "learn", published)
    note_id = _note_id(app, "learn")
    auth.login("ua1")
    # Returning needs a comment.
    client.post(f"/admin/records/notes/{note_id}", data={"comment": "", "send_back": "1"})
    with app.app_context():
        assert db.session.get(ReadingNote, note_id).status == "submitted"
    client.post(f"/admin/records/notes/{note_id}",
                data={"comment": "请结合本职工作谈体会", "send_back": "1"})
    auth.logout()
    with app.app_context():
        assert db.session.get(ReadingNote, note_id).status == "returned"

    auth.login("learn")
    page = client.get(f"/me/reading/{published}").get_data(as_text=True)
    assert "请结合本职工作谈体会" in page and "<textarea" in page
    client.post(f"/me/reading/{published}",
                data={"title": "读书笔记", "body": "结合街道工作的体会。", "submit": "1"})
    auth.logout()
    with app.app_context():
        note = db.session.get(ReadingNote, note_id)
        assert (note.status, note.body) == ("submitted", "结合街道工作的体会。")
        returned = db.session.scalar(select(AuditEvent).filter_by(action="note.return"))
        assert returned.reason == "请结合本职工作谈体会"
        assert returned.actor_id == district["unit_admin"]
    assert _actions(app, district["learner"]) == ["note.submit", "note.return", "note.submit"]


def test_administrators_out_of_scope_and_other_learners_get_404(app, client, auth, district,
                                                                 published):
    _submit(client, auth, "learn", published)
    note_id = _note_id(app, "learn")
    for username in ("ua2", "c1", "lect"):
        auth.login(username)
        assert client.get(f"/admin/records/notes/{note_id}").status_code == 404
        assert client.post(f"/admin/records/notes/{note_id}",
                           data={"approve": "1"}).status_code == 404
        auth.logout()
    auth.login("ua2")
    assert "读书笔记" not in client.get(
        "/admin/records/notes?status=all").get_data(as_text=True)
    assert client.get("/admin/records/notes?unit=JD01").status_code == 404
    auth.logout()
    with app.app_context():
        assert db.session.get(ReadingNote, note_id).status == "submitted"
        assert db.session.scalar(select(func.count()).select_from(RecordEntry)) == 0
    # A learner reaches only their own note: the same item shows c1 an empty note.
    auth.login("c1")
    assert "学习体会" not in client.get(f"/me/reading/{published}").get_data(as_text=True)
    assert "学习体会" not in client.get("/me/reading").get_data(as_text=True)
    # Unit administrators do not publish the list.
    auth.logout()
    auth.login("ua1")
    assert client.get("/admin/records/reading").status_code == 404


def test_an_administrator_does_not_review_their_own_note(app, client, auth, district,
                                                         published):
    _submit(client, auth, "ua1", published)  # ua1 is a cadre of JD01 as well
    note_id = _note_id(app, "ua1")
    auth.login("ua1")
    client.post(f"/admin/records/notes/{note_id}", data={"approve": "1"})
    with app.app_context():
        assert db.session.get(ReadingNote, note_id).status == "submitted"
    auth.logout()
    auth.login("org")
    client.post(f"/admin/records/notes/{note_id}", data={"approve": "1"})
    with app.app_context():
        assert db.session.get(ReadingNote, note_id).status == "approved"


def test_markdown_is_sanitised(app, client, auth, district, published):
    body = ("## 体会\n\n<script>alert('x')</script>\n\n<img src=x onerror=\"alert(2)\">\n\n"
            "[链接](javascript:alert(3)) **重点**")
    auth.login("learn")
    preview = client.post(f"/me/reading/{published}",
                          data={"title": "t", "body": body, "preview": "1"})
    text = preview.get_data(as_text=True)
    assert "<strong>重点</strong>" in text and "<script>alert" not in text
    auth.logout()
    _submit(client, auth, "learn", published, body)
    note_id = _note_id(app, "learn")
    auth.login("ua1")
    page = client.get(f"/admin/records/notes/{note_id}").get_data(as_text=True)
    auth.logout()
    auth.login("learn")
    own = client.get(f"/me/reading/{published}").get_data(as_text=True)
    for html in (page, own):
        assert "<h2" in html and "体会" in html
        assert "<script>alert" not in html and "onerror" not in html
        assert "javascript:" not in html


def _call_rows(app, call_id: int, username: str):
    """The call's rows as `username` sees them."""
    from flask_login import login_user

    with app.test_request_context():
        login_user(db.session.scalar(select(User).filter_by(username=username)))
        call = db.session.get(ReadingCall, call_id)
        stmt, _wanted = reading.call_select(call, db.session.get(Unit, call.unit_id))
        return db.session.execute(stmt).all()


def test_a_call_notifies_the_subtree_only_and_shows_who_is_missing(app, client, auth,
                                                                  district, published):
    _submit(client, auth, "learn", published)
    auth.login("ua1")
    with app.app_context():
        jd01, jd02 = (db.session.scalar(select(Unit.id).filter_by(code=c))
                      for c in ("JD01", "JD02"))
    # Another unit's subtree is out of scope: not a choice, nothing is written.
    client.post("/admin/records/reading/calls/new", data={
        "unit_id": jd02, "year": YEAR, "item_id": 0, "message": "x"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReadingCall)) == 0
        assert db.session.scalar(select(func.count()).select_from(Notice)) == 0
    response = client.post("/admin/records/reading/calls/new", data={
        "unit_id": jd01, "year": YEAR, "item_id": 0,
        "due_on": local_today().replace(month=12, day=31).isoformat(),
        "message": "请于年底前提交读书笔记"})
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        told = set(db.session.scalars(select(Notice.user_id).filter_by(kind="reading_call")))
        call = db.session.scalar(select(ReadingCall))
        assert db.session.scalar(select(AuditEvent).filter_by(action="reading.call")) \
            .reason == "请于年底前提交读书笔记"
    assert district["learner"] in told and district["cadre_jd01"] in told
    assert district["cadre_jd02"] not in told and district["unit_admin2"] not in told
    assert "李学员" in detail and "王一" in detail and "赵二" not in detail
    # One required item: learn has submitted it, everyone else in JD01 is missing it.
    rows = {r.username: (r.submitted, r.approved, r.missing)
            for r in _call_rows(app, call.id, "ua1")}
    assert rows["learn"] == (1, 0, 0) and rows["c1"] == (0, 0, 1) and "c2" not in rows
    missing = client.get(f"/admin/records/reading/calls/{call.id}?missing=1")
    assert "王一" in missing.get_data(as_text=True)
    assert "李学员" not in missing.get_data(as_text=True)
    auth.logout()
    auth.login("ua2")
    assert client.get(f"/admin/records/reading/calls/{call.id}").status_code == 404
    auth.logout()
    auth.login("learn")
    assert "请于年底前提交读书笔记" in client.get("/me/reading").get_data(as_text=True)


def test_the_queue_runs_a_bounded_number_of_queries(app, client, auth, make_user, district,
                                                    published, page_queries):
    _submit(client, auth, "learn", published)
    auth.login("ua1")
    few, _size = page_queries(client, "/admin/records/notes")
    auth.logout()
    for n in range(6):
        make_user(f"jd{n}", "learner", "JD01-SQ01")
        _submit(client, auth, f"jd{n}", published)
    auth.login("ua1")
    many, _size = page_queries(client, "/admin/records/notes")
    assert many == few
    with app.app_context(), own_statements(db.engine) as statements:
        text = client.get("/admin/records/notes?q=jd3").get_data(as_text=True)
    assert ">jd3<" in text and ">jd4<" not in text and len(statements) == few
    # The call page too: the same queries for one cadre with a note as for seven.
    with app.app_context():
        jd01 = db.session.scalar(select(Unit.id).filter_by(code="JD01"))
    call = client.post("/admin/records/reading/calls/new",
                       data={"unit_id": jd01, "year": YEAR, "item_id": 0}).headers["Location"]
    call_queries, _size = page_queries(client, call)
    with app.app_context():
        db.session.execute(ReadingNote.__table__.delete().where(ReadingNote.user_id.in_(
            select(User.id).where(User.username.like("jd%")))))
        db.session.commit()
    assert page_queries(client, call)[0] == call_queries


def test_published_items_stay_and_unpublished_ones_change(app, client, auth, district,
                                                          published):
    auth.login("org")
    client.post(f"/admin/records/reading/items/{published}",
                data={"title": "改名", "required": "y"})
    client.post(f"/admin/records/reading/items/{published}/remove")
    with app.app_context():
        assert db.session.get(ReadingItem, published).title == BOOK
    client.post(f"/admin/records/reading?year={YEAR}", data={"title": "新书"})
    with app.app_context():
        new = db.session.scalar(select(ReadingItem).filter_by(title="新书"))
        assert not new.published
    client.post(f"/admin/records/reading/items/{new.id}", data={"title": "新书（第二版）"})
    with app.app_context():
        assert db.session.get(ReadingItem, new.id).title == "新书（第二版）"
    client.post(f"/admin/records/reading/items/{new.id}/remove")
    with app.app_context():
        assert db.session.get(ReadingItem, new.id) is None
        assert db.session.scalar(select(AuditEvent).filter_by(action="reading.publish"))


def test_notes_summary_lists_each_required_item(app, client, auth, district, published):
    with app.app_context():
        lines = reading.notes_summary(district["learner"], YEAR)
        assert [(line.title, line.status) for line in lines] == [(BOOK, "missing")]
    _submit(client, auth, "learn", published)
    with app.app_context():
        lines = reading.notes_summary(district["learner"], YEAR)
        assert [(line.title, line.status) for line in lines] == [(BOOK, "submitted")]
        assert reading.notes_summary(district["learner"], YEAR - 1) == []
