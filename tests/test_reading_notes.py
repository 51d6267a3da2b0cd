"""The required reading list and reading notes: published by the organisation department,
written by cadres, called in and reviewed by administrators in scope; an approved note is in
the learning record and every step is in the audit chain."""
from __future__ import annotations

import hashlib
import re
import threading
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org.models import Unit
from lms.progress.models import Notice
from lms.records import chain, reading, rules
from lms.records.models import (
    AuditEvent,
    ReadingCall,
    ReadingItem,
    ReadingNote,
    RecordEntry,
    RecordTotal,
    RequirementStatus,
    RuleSet,
)
from tests.conftest import own_statements

# What an administrator of a street reads where they would decide on their own learning.
OWN = ("This is your own learning. Another administrator above you decides this: the "
       "organisation department.")
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
        # The cadre was told, once (approving twice told nothing more).
        told = db.session.execute(select(Notice.kind, Notice.message, Notice.link).where(
            Notice.user_id == district["learner"])).all()
        assert [tuple(t) for t in told] == [
            ("reading_note", f"您关于“{BOOK}”的读书笔记已通过审核。体会深刻",
             f"/me/reading/{published}")]

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
        told = db.session.scalars(select(Notice.message).where(
            Notice.user_id == district["learner"], Notice.kind == "reading_note")).all()
        assert told == [f"您关于“{BOOK}”的读书笔记已退回修改：请结合本职工作谈体会"]
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
    assert f"/admin/records/notes/{note_id}" not in client.get(
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


# ---- the note's year, fingerprints, reversals, races, own notes, tables --------------------

def _approve(client, auth, note_id: int, reviewer: str = "ua1", comment: str = "同意"):
    auth.login(reviewer)
    response = client.post(f"/admin/records/notes/{note_id}",
                           data={"comment": comment, "approve": "1"})
    auth.logout()
    return response


def test_an_approved_note_counts_in_the_year_it_was_handed_in(app, client, auth, district):
    """A note on last year's list, handed in on the last evening of last year (local time)
    and approved this year, counts in last year."""
    with app.app_context():
        item = reading.add_item(YEAR - 1, title="之江新语")
        reading.publish_year(YEAR - 1, district["org_admin"])
        db.session.commit()
        item_id = item.id
    _submit(client, auth, "learn", item_id)
    note_id = _note_id(app, "learn")
    with app.app_context():  # 18:00 on 31 December in Beijing is 10:00 UTC
        db.session.get(ReadingNote, note_id).submitted_at = datetime(YEAR - 1, 12, 31, 10, 0)
        db.session.commit()
    assert _approve(client, auth, note_id).status_code == 302
    with app.app_context():
        entry = db.session.scalar(select(RecordEntry).filter_by(kind="reading_note"))
        assert (entry.occurred_on, entry.year) == (date(YEAR - 1, 12, 31), YEAR - 1)
        totals = db.session.scalars(select(RecordTotal.year).filter_by(
            user_id=district["learner"], kind="reading_note")).all()
        assert totals == [YEAR - 1]


def _digest(title: str, body: str) -> str:
    return hashlib.sha256(f"{title}\x1f{body}".encode()).hexdigest()


def test_each_step_of_a_note_keeps_a_fingerprint_of_its_text(app, client, auth, district,
                                                            published):
    _submit(client, auth, "learn", published, "第一稿")
    note_id = _note_id(app, "learn")
    auth.login("ua1")
    client.post(f"/admin/records/notes/{note_id}", data={"comment": "再深入些",
                                                         "send_back": "1"})
    auth.logout()
    _submit(client, auth, "learn", published, "第二稿")
    _approve(client, auth, note_id)
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("note.%")).order_by(AuditEvent.seq)).all()
        assert [(e.action, e.detail["digest"]) for e in events] == [
            ("note.submit", _digest("读书笔记", "第一稿")),
            ("note.return", _digest("读书笔记", "第一稿")),
            ("note.submit", _digest("读书笔记", "第二稿")),
            ("note.approve", _digest("读书笔记", "第二稿"))]
        # A body rewritten behind the application's back no longer matches.
        db.session.execute(ReadingNote.__table__.update().values(body="篡改"))
        db.session.commit()
        assert reading.note_digest(db.session.get(ReadingNote, note_id)) \
            != events[-1].detail["digest"]


def _required_reading_met(app, user_id: int) -> bool:
    with app.app_context():
        row = db.session.scalar(select(RequirementStatus).where(
            RequirementStatus.user_id == user_id, RequirementStatus.window_start == YEAR))
        return row.met


def test_a_reversed_note_reads_so_and_can_be_handed_in_again(app, client, auth, district,
                                                           published, page_queries):
    with app.app_context():  # a rule set that asks for the note
        rules.save(RuleSet(), {"code": "read", "name": "必读", "window_years": 1,
                               "anchor_year": 2023, "effective_from": date(2023, 1, 1),
                               "config": {"required_reading": [published],
                                          "conversions": {}}},
                   actor_id=None, reason="test")
        db.session.commit()
    _submit(client, auth, "learn", published)
    note_id = _note_id(app, "learn")
    _approve(client, auth, note_id)
    assert _required_reading_met(app, district["learner"])
    auth.login("learn")
    one, _size = page_queries(client, "/me/reading")
    auth.logout()
    with app.app_context():
        first = db.session.get(RecordEntry, db.session.get(ReadingNote, note_id).entry_id)
        chain.reverse_entry(first, actor_id=district["unit_admin"], reason="笔记系抄袭")
        db.session.commit()
    assert not _required_reading_met(app, district["learner"])

    auth.login("learn")
    mine = client.get("/me/reading?lang=en").get_data(as_text=True)
    assert "Approved, then reversed" in mine and "笔记系抄袭" in mine and ">Approved<" not in mine
    assert "Revise the note" in client.get(f"/reading?year={YEAR}&lang=en").get_data(
        as_text=True)
    page = client.get(f"/me/reading/{published}").get_data(as_text=True)
    assert "<textarea" in page and "笔记系抄袭" in page
    assert page_queries(client, "/me/reading")[0] == one  # the reversal is joined in
    auth.logout()
    with app.app_context():
        assert reading.notes_summary(district["learner"], YEAR)[0].reversed
    auth.login("ua1")
    queue = client.get("/admin/records/notes?status=all&lang=en").get_data(as_text=True)
    assert "Approved, then reversed" in queue and "笔记系抄袭" in queue
    assert "读书笔记" in client.get("/admin/records/notes?status=reversed").get_data(
        as_text=True)
    assert "读书笔记" not in client.get("/admin/records/notes?status=approved").get_data(
        as_text=True)
    with app.app_context():
        jd01 = db.session.scalar(select(Unit.id).filter_by(code="JD01"))
    call = client.post("/admin/records/reading/calls/new",
                       data={"unit_id": jd01, "year": YEAR, "item_id": 0}).headers["Location"]
    auth.logout()
    call_id = int(call.rsplit("/", 1)[1])
    rows = {r.username: (r.submitted, r.approved, r.missing)
            for r in _call_rows(app, call_id, "ua1")}
    assert rows["learn"] == (0, 0, 1)  # reversed: missing again

    # The cadre revises (a draft again) and hands it in; the next approval counts once more.
    auth.login("learn")
    client.post(f"/me/reading/{published}",
                data={"title": "读书笔记", "body": "重写中", "save": "1"})
    with app.app_context():
        assert db.session.get(ReadingNote, note_id).status == "draft"
    client.post(f"/me/reading/{published}",
                data={"title": "读书笔记", "body": "重写的体会。", "submit": "1"})
    auth.logout()
    assert _approve(client, auth, note_id).status_code == 302
    with app.app_context():
        note = db.session.get(ReadingNote, note_id)
        entries = db.session.scalars(select(RecordEntry).where(
            RecordEntry.kind == "reading_note").order_by(RecordEntry.id)).all()
        assert [(e.dedupe_key, e.source, e.hours) for e in entries][2] == (
            f"reading_note:{note_id}:2", f"reading_note:{note_id}", 0.0)
        assert (note.status, note.entry_id, note.body) == ("approved", entries[2].id,
                                                          "重写的体会。")
        assert chain.verify().findings == []
    assert _required_reading_met(app, district["learner"])
    auth.login("learn")
    assert ">Approved<" in client.get("/me/reading?lang=en").get_data(as_text=True)


def test_two_first_saves_at_once_write_one_note(app, district, published, db_url):
    """The second of two concurrent first saves waits for the first and changes its note."""
    if not db_url.startswith("postgresql"):
        pytest.skip("concurrent transactions need PostgreSQL")
    saved, go, errors = threading.Event(), threading.Event(), []

    def first() -> None:
        with app.app_context():
            try:
                user = db.session.get(User, district["learner"])
                reading.save_note(user, db.session.get(ReadingItem, published),
                                  title="一", body="第一次")
                saved.set()
                go.wait(10)
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                saved.set()
            finally:
                db.session.remove()

    def second() -> None:
        with app.app_context():
            try:
                user = db.session.get(User, district["learner"])
                reading.save_note(user, db.session.get(ReadingItem, published),
                                  title="二", body="第二次")
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    one = threading.Thread(target=first)
    one.start()
    assert saved.wait(10)
    two = threading.Thread(target=second)
    two.start()
    two.join(0.5)  # it waits for the first transaction's lock
    go.set()
    one.join()
    two.join()
    assert errors == []
    with app.app_context():
        notes = db.session.scalars(select(ReadingNote)).all()
        assert [(n.title, n.body) for n in notes] == [("二", "第二次")]


def test_an_administrators_own_note_waits_for_another_reviewer(app, client, auth, district,
                                                              published):
    _submit(client, auth, "ua1", published)  # ua1 is a cadre of JD01 as well
    note_id = _note_id(app, "ua1")
    auth.login("ua1")
    queue = client.get("/admin/records/notes?lang=en").get_data(as_text=True)
    assert OWN in queue
    page = client.get(f"/admin/records/notes/{note_id}?lang=en").get_data(as_text=True)
    assert OWN in page
    assert 'name="approve"' not in page
    auth.logout()
    auth.login("org")
    queue = client.get("/admin/records/notes?lang=en").get_data(as_text=True)
    assert "读书笔记" in queue and "your own" not in queue


TABLE_WRAP = re.compile(r'<div class="table-wrap"[^>]*>')


def assert_tables_scroll_in_labelled_regions(html: str) -> int:
    """Every scrolling table wrapper is a focusable region with a name; returns how many."""
    wraps = TABLE_WRAP.findall(html)
    for wrap in wraps:
        assert 'tabindex="0"' in wrap and 'role="region"' in wrap, wrap
        assert re.search(r'aria-label="[^"]+"', wrap), wrap
    return len(wraps)


def test_tables_scroll_in_focusable_labelled_regions(app, client, auth, district, published):
    _submit(client, auth, "learn", published)
    auth.login("learn")
    assert assert_tables_scroll_in_labelled_regions(
        client.get("/me/reading").get_data(as_text=True)) == 1
    auth.logout()
    auth.login("org")
    with app.app_context():
        qu = db.session.scalar(select(Unit.id).filter_by(code="QU"))
    call = client.post("/admin/records/reading/calls/new",
                       data={"unit_id": qu, "year": YEAR, "item_id": 0}).headers["Location"]
    for url in (f"/admin/records/reading?year={YEAR}", "/admin/records/reading/calls", call,
                "/admin/records/notes"):
        assert assert_tables_scroll_in_labelled_regions(
            client.get(url).get_data(as_text=True)) == 1, url
