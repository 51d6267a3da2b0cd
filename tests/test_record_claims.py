"""Claims self-reported by cadres with evidence: files checked by content and size, nothing
kept from a refused claim, verification appends a counted entry, rejection shows its reason
to the cadre, evidence is served only to its owner and administrators over them."""
# ruff: noqa: F811 (tests take the fixtures imported from tests.records_helpers)
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from lms.core.storage import storage
from lms.extensions import db
from lms.progress.models import Notice
from lms.records.models import AuditEvent, Claim, Evidence, RecordEntry, RecordTotal
from tests.records_helpers import chain_stays_whole, english, field_error, subject  # noqa: F401

# What an administrator of a street reads where they would decide on their own learning.
OWN = ("This is your own learning. Another administrator above you decides this: the "
       "organisation department.")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)


# The chain verifies after every test.
pytestmark = pytest.mark.usefixtures("chain_stays_whole")


def _claim(subject: int, files=None, **changes) -> dict:
    data = {"kind": "self_study", "subject_id": str(subject), "title": "在职自学《民法典》",
            "started_on": "2025-04-01", "ended_on": "2025-04-30", "hours": "16", "days": "",
            "organiser": "", "result": "学习笔记两万字", "note": "笔记扫描件见附件",
            "institution": "", "programme": "", "degree": ""}
    data.update(changes)
    data["evidence"] = [(io.BytesIO(content), name) for name, content in (
        files if files is not None else [("笔记.pdf", PDF), ("照片.png", PNG)])]
    return data


def _post_big(client, url: str, data: dict):
    """POST a large multipart body from memory (the test client would spool it to a temporary
    file that nothing closes)."""
    fields = MultiDict()
    for key, value in data.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, tuple):
                item = FileStorage(stream=item[0], filename=item[1],
                                   content_type="application/octet-stream")
            fields.add(key, item)
    boundary, body = encode_multipart(fields)
    return client.post(url, data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _media_files(app) -> int:
    return sum(1 for p in Path(app.config["LMS_MEDIA_DIR"]).rglob("*") if p.is_file())


def _snapshot(app) -> tuple:
    """What a refused claim must leave untouched: claims, evidence, stored files, entries,
    audit events, totals."""
    with app.app_context():
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        return (count(Claim), count(Evidence), _media_files(app), count(RecordEntry),
                count(AuditEvent), count(RecordTotal))


def _submit(client, auth, subject, username="learn", **kwargs) -> int:
    auth.login(username)
    response = client.post("/me/record/claims/new", data=_claim(subject, **kwargs),
                           content_type="multipart/form-data")
    assert response.status_code == 302, field_error(response.get_data(as_text=True),
                                                     "evidence")
    auth.logout()
    with client.application.app_context():
        return db.session.scalar(select(func.max(Claim.id)))


# ---- submitting ----------------------------------------------------------------------------

def test_a_claim_with_a_pdf_and_a_png_is_verified_and_counts(app, english, auth, district,
                                                             subject):
    auth.login("learn")
    assert english.get("/me/record/claims/new").status_code == 200
    response = english.post("/me/record/claims/new", data=_claim(subject),
                            content_type="multipart/form-data", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Your claim was submitted" in html and "Waiting for verification" in html
    assert "笔记.pdf" in html and "照片.png" in html
    with app.app_context():
        claim = db.session.scalar(select(Claim))
        assert (claim.status, claim.hours, claim.user_id) == ("pending", 16.0,
                                                             district["learner"])
        assert [(e.filename, e.mime, e.size) for e in claim.evidence] == [
            ("笔记.pdf", "application/pdf", len(PDF)), ("照片.png", "image/png", len(PNG))]
        assert all(b"".join(storage().chunks(e.sha256)) in (PDF, PNG)
                   for e in claim.evidence)
        event = db.session.scalar(select(AuditEvent))
        assert (event.action, event.actor_id, event.user_id, event.detail["claim"]) == (
            "claim.submit", district["learner"], district["learner"], claim.id)
        assert db.session.scalar(select(func.count()).select_from(RecordEntry)) == 0
        claim_id = claim.id
    auth.logout()

    auth.login("ua1")
    queue = english.get("/admin/records/claims").get_data(as_text=True)
    assert "在职自学《民法典》" in queue and "李学员" in queue
    page = english.get(f"/admin/records/claims/{claim_id}").get_data(as_text=True)
    assert page.count("/record/evidence/") == 2 and "笔记扫描件见附件" in page
    response = english.post(f"/admin/records/claims/{claim_id}", data={"verify": "1"},
                            follow_redirects=True)
    assert "Claim verified" in response.get_data(as_text=True)
    with app.app_context():
        claim = db.session.get(Claim, claim_id)
        entry = db.session.scalar(select(RecordEntry))
        assert (claim.status, claim.entry_id, claim.reviewed_by_id) == (
            "verified", entry.id, district["unit_admin"])
        assert (entry.origin, entry.entered_by_id, entry.verified_by_id, entry.source,
                entry.dedupe_key, entry.kind, entry.hours, entry.note) == (
            "verified", district["learner"], district["unit_admin"], f"claim:{claim_id}",
            f"claim:{claim_id}", "self_study", 16.0, "笔记扫描件见附件")
        total = db.session.scalar(select(RecordTotal))
        assert (total.user_id, total.kind, total.hours, total.entries) == (
            district["learner"], "self_study", 16.0, 1)
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
        assert actions == ["claim.submit", "entry.add", "claim.verify"]
        told = db.session.execute(select(Notice.user_id, Notice.kind, Notice.message,
                                         Notice.link)).all()
        assert [tuple(t) for t in told] == [
            (district["learner"], "claim", f"您申报的“{claim.title}”已审核通过，已计入学习档案。",
             "/me/record/claims")]
    auth.logout()
    auth.login("learn")
    assert "Verified" in english.get("/me/record/claims").get_data(as_text=True)


def test_a_rejected_claim_shows_its_reason_to_the_cadre(app, english, auth, district, subject):
    claim_id = _submit(english, auth, subject)
    auth.login("ua1")
    before = _snapshot(app)
    html = english.post(f"/admin/records/claims/{claim_id}",
                        data={"reject": "1", "reason": " "}).get_data(as_text=True)
    assert "Reason is required" in field_error(html, "reason")
    assert _snapshot(app) == before
    english.post(f"/admin/records/claims/{claim_id}",
                 data={"reject": "1", "reason": "附件与所报学时不符，请补充学习记录"})
    with app.app_context():
        claim = db.session.get(Claim, claim_id)
        assert (claim.status, claim.reason, claim.entry_id) == (
            "rejected", "附件与所报学时不符，请补充学习记录", None)
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
        assert (event.action, event.actor_id, event.user_id, event.reason) == (
            "claim.reject", district["unit_admin"], district["learner"],
            "附件与所报学时不符，请补充学习记录")
        assert db.session.scalar(select(func.count()).select_from(RecordEntry)) == 0
        told = db.session.execute(select(Notice.user_id, Notice.message)).all()
        assert [tuple(t) for t in told] == [(district["learner"], (
            f"您申报的“{claim.title}”已被退回：附件与所报学时不符，请补充学习记录"))]
    auth.logout()
    auth.login("learn")
    html = english.get("/me/record/claims").get_data(as_text=True)
    assert "Rejected" in html and "附件与所报学时不符，请补充学习记录" in html


def test_only_pending_claims_are_decided(app, english, auth, district, subject):
    claim_id = _submit(english, auth, subject)
    auth.login("ua1")
    english.post(f"/admin/records/claims/{claim_id}", data={"verify": "1"})
    before = _snapshot(app)
    english.post(f"/admin/records/claims/{claim_id}", data={"verify": "1"})
    english.post(f"/admin/records/claims/{claim_id}", data={"reject": "1", "reason": "晚了"})
    assert _snapshot(app) == before
    page = english.get(f"/admin/records/claims/{claim_id}").get_data(as_text=True)
    assert 'name="verify"' not in page and "Verified" in page
    with app.app_context():
        assert db.session.get(Claim, claim_id).status == "verified"


# ---- refused claims ------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "changes", "words"), [
    ("hours", {"hours": "2001"}, "Study hours must be between 0 and 2000"),
    ("days", {"days": "400"}, "Days must be between 0 and 366"),
    ("ended_on", {"started_on": "2025-05-01", "ended_on": "2025-04-01"},
     "End date cannot be before the start date"),
    ("ended_on", {"ended_on": "2999-01-01"}, "End date cannot be in the future"),
    ("kind", {"kind": "exam"}, "recorded by the platform itself"),
    ("kind", {"kind": "nap"}, "not a known form of learning"),
    ("subject_id", {"subject_id": "0"}, "no such subject category"),
    ("title", {"title": ""}, "Title is required"),
    ("evidence", {"files": []}, "attach at least one PDF or picture"),
    ("evidence", {"files": [("证书.pdf", EXE)]}, "证书.pdf is not a PDF or a picture"),
    ("evidence", {"files": [("a.pdf", PDF), ("说明.txt", "学习情况说明".encode())]},
     "说明.txt is not a PDF or a picture"),
    ("evidence", {"files": [("x.pdf", PDF)] * 11}, "at most 10 files"),
    ("days", {"days": "31"}, "Days cannot exceed the 30 days from 2025-04-01 to 2025-04-30"),
    ("hours", {"started_on": "", "hours": "25"}, "Study hours cannot exceed 24 without a "
                                                 "start date"),
])
def test_the_claim_form_refuses_bad_input_naming_the_field(app, english, auth, district,
                                                           subject, field, changes, words):
    auth.login("learn")
    before = _snapshot(app)
    response = english.post("/me/record/claims/new", data=_claim(subject, **changes),
                            content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert words in field_error(html, field), field_error(html, field)
    assert _snapshot(app) == before  # no claim, no evidence, no stored file


def test_an_executable_renamed_pdf_is_refused_even_beside_a_good_file(app, english, auth,
                                                                    district, subject):
    auth.login("learn")
    before = _snapshot(app)
    html = english.post("/me/record/claims/new", data=_claim(
        subject, files=[("成绩单.pdf", PDF), ("setup.pdf", EXE)]),
        content_type="multipart/form-data").get_data(as_text=True)
    assert "setup.pdf is not a PDF or a picture" in field_error(html, "evidence")
    assert "成绩单.pdf" not in field_error(html, "evidence")
    assert _snapshot(app) == before  # the good file was not stored either


def test_an_oversize_file_is_refused(app, english, auth, district, subject, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_EVIDENCE_MAX_MB", 0.5)
    auth.login("learn")
    before = _snapshot(app)
    big = PDF + b"0" * (512 * 1024)
    html = _post_big(english, "/me/record/claims/new",
                     _claim(subject, files=[("扫描件.pdf", big)])).get_data(as_text=True)
    assert "扫描件.pdf is larger than 0.5 MB" in field_error(html, "evidence")
    assert _snapshot(app) == before
    assert "at most 0.5 MB each" in english.get("/me/record/claims/new").get_data(as_text=True)


def test_the_default_limit_is_ten_megabytes(app, english, auth, district, subject):
    assert "LMS_EVIDENCE_MAX_MB" not in app.config or app.config["LMS_EVIDENCE_MAX_MB"] == 10
    auth.login("learn")
    before = _snapshot(app)
    html = _post_big(english, "/me/record/claims/new", _claim(
        subject, files=[("big.pdf", PDF + b"0" * (10 * 1024 * 1024))])).get_data(as_text=True)
    assert "big.pdf is larger than 10 MB" in field_error(html, "evidence")
    assert _snapshot(app) == before


def test_a_file_name_cannot_lead_out_of_the_media_folder(app, english, auth, district,
                                                         subject):
    claim_id = _submit(english, auth, subject,
                       files=[("../../../etc/passwd.pdf", PDF), ("..\\..\\boot.png", PNG)])
    with app.app_context():
        rows = db.session.scalars(select(Evidence).where(Evidence.claim_id == claim_id)).all()
        assert [e.filename for e in rows] == ["passwd.pdf", "boot.png"]
        root = Path(app.config["LMS_MEDIA_DIR"]).resolve()
        for e in rows:
            assert storage().local_path(e.sha256).resolve().is_relative_to(root)


def test_only_cadres_report_learning(english, auth, district):
    auth.login("sys")  # no cadre profile
    assert english.get("/me/record/claims/new").status_code == 404


# ---- evidence ------------------------------------------------------------------------------

def test_evidence_is_served_to_its_owner_and_administrators_over_them(app, english, auth,
                                                                     district, subject):
    claim_id = _submit(english, auth, subject)
    with app.app_context():
        pdf_id, png_id = db.session.scalars(select(Evidence.id).where(
            Evidence.claim_id == claim_id).order_by(Evidence.id)).all()
    for username in ("learn", "ua1", "org"):
        auth.login(username)
        with english.get(f"/record/evidence/{pdf_id}") as response:
            assert response.status_code == 200, username
            assert response.data == PDF and response.mimetype == "application/pdf"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            # Saved, never shown as a page of the site, under its own name (RFC 6266).
            assert response.headers["Content-Disposition"].startswith("attachment;")
            assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
        with english.get(f"/record/evidence/{png_id}") as image:
            assert image.mimetype == "image/png" and image.data == PNG
        auth.logout()
    for username in ("ua2", "c1", "lect"):  # another unit's admin, another cadre, a lecturer
        auth.login(username)
        assert english.get(f"/record/evidence/{pdf_id}").status_code == 404, username
        auth.logout()
    auth.login("learn")
    assert english.get("/record/evidence/99999").status_code == 404


def test_evidence_of_another_type_is_downloaded_never_shown(app, english, auth, district,
                                                           subject):
    claim_id = _submit(english, auth, subject)
    with app.app_context():  # a row from before the type rules (only type checks can't make it)
        sha, size = storage().store([b"<script>alert(1)</script>"])
        row = Evidence(claim_id=claim_id, sha256=sha, filename="page.html", mime="text/html",
                       size=size)
        db.session.add(row)
        db.session.commit()
        row_id = row.id
    auth.login("learn")
    with english.get(f"/record/evidence/{row_id}") as response:
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.mimetype == "application/octet-stream"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# ---- the queue -----------------------------------------------------------------------------

def test_the_queue_holds_the_administrators_scope_only(app, english, auth, district, subject):
    _submit(english, auth, subject, username="learn", title="社区学时（解放路）")
    _submit(english, auth, subject, username="c2", title="东湖街道自学")
    auth.login("ua1")
    html = english.get("/admin/records/claims").get_data(as_text=True)
    assert "社区学时（解放路）" in html and "东湖街道自学" not in html
    auth.logout()
    auth.login("ua2")
    html = english.get("/admin/records/claims").get_data(as_text=True)
    assert "东湖街道自学" in html and "社区学时（解放路）" not in html
    with app.app_context():
        learn_claim = db.session.scalar(select(Claim.id).where(
            Claim.user_id == district["learner"]))
    before = _snapshot(app)
    assert english.get(f"/admin/records/claims/{learn_claim}").status_code == 404
    assert english.post(f"/admin/records/claims/{learn_claim}",
                        data={"verify": "1"}).status_code == 404
    assert _snapshot(app) == before
    auth.logout()
    auth.login("org")
    html = english.get("/admin/records/claims").get_data(as_text=True)
    assert "东湖街道自学" in html and "社区学时（解放路）" in html
    auth.logout()
    auth.login("learn")
    assert english.get("/admin/records/claims").status_code == 403
    assert english.get(f"/admin/records/claims/{learn_claim}").status_code == 404


def test_the_queue_filters(app, english, auth, district, subject):
    _submit(english, auth, subject, username="learn", title="社区自学甲")
    _submit(english, auth, subject, username="c1", title="街道讲座乙", kind="lecture")
    rejected = _submit(english, auth, subject, username="c1", title="被退回的丙")
    auth.login("ua1")
    english.post(f"/admin/records/claims/{rejected}", data={"reject": "1", "reason": "重复"})

    def titles(query: str) -> set[str]:
        html = english.get(f"/admin/records/claims?{query}").get_data(as_text=True)
        return {t for t in ("社区自学甲", "街道讲座乙", "被退回的丙") if t in html}

    assert titles("") == {"社区自学甲", "街道讲座乙"}  # pending by default
    assert titles("status=rejected") == {"被退回的丙"}
    assert titles("status=all") == {"社区自学甲", "街道讲座乙", "被退回的丙"}
    assert titles("kind=lecture") == {"街道讲座乙"}
    assert titles("unit=JD01-SQ01") == {"社区自学甲"}
    assert titles("q=王一") == {"街道讲座乙"}
    assert titles("unit=JD02") == set()


def test_the_queue_is_paginated_without_a_query_per_claim(app, english, auth, district,
                                                          subject, make_user, page_queries):
    _submit(english, auth, subject, username="learn")
    auth.login("ua1")
    few, _size = page_queries(english, "/admin/records/claims")
    auth.logout()
    for n in range(6):
        make_user(f"jd01-{n}", "learner", "JD01")
        _submit(english, auth, subject, username=f"jd01-{n}", files=[("p.pdf", PDF)] * 2)
    auth.login("ua1")
    many, _size = page_queries(english, "/admin/records/claims")
    assert many == few
    html = english.get("/admin/records/claims?per_page=3&page=2").get_data(as_text=True)
    assert "7 claims" in html and "Page 2 of 3" in html


def test_my_claims_lists_only_mine(app, english, auth, district, subject):
    _submit(english, auth, subject, username="c1", title="王一的自学")
    auth.login("learn")
    html = english.get("/me/record/claims").get_data(as_text=True)
    assert "王一的自学" not in html and "You have not reported any learning yet" in html


def test_no_one_decides_on_their_own_claim(app, english, auth, district, subject):
    claim_id = _submit(english, auth, subject, username="ua1")  # ua1 is a cadre of JD01 too
    auth.login("ua1")
    before = _snapshot(app)
    page = english.get(f"/admin/records/claims/{claim_id}").get_data(as_text=True)
    assert OWN in page
    assert 'name="verify"' not in page
    english.post(f"/admin/records/claims/{claim_id}", data={"verify": "1"})
    assert _snapshot(app) == before
    auth.logout()
    auth.login("org")
    english.post(f"/admin/records/claims/{claim_id}", data={"verify": "1"})
    with app.app_context():
        assert db.session.get(Claim, claim_id).status == "verified"


# ---- the size of a claim, refused before it is read ----------------------------------------

def test_a_claim_larger_than_its_evidence_allows_is_refused_before_it_is_read(
        app, english, auth, district, subject, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_EVIDENCE_MAX_MB", 0.01)  # 10 files of 10 KB + 1 MiB
    auth.login("learn")
    before = _snapshot(app)
    response = _post_big(english, "/me/record/claims/new", _claim(
        subject, files=[("扫描件.pdf", PDF + b"0" * (2 * 1024 * 1024))]))
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert ("Evidence: the files together are too large. Attach at most 10 files of at most "
            "0.01 MB each.") in field_error(html, "evidence")
    assert 'name="title"' in html and "Nothing was saved" in html  # the form, to try again
    assert _snapshot(app) == before
    # Within the request's limit, a file over its own limit is named as before.
    html = _post_big(english, "/me/record/claims/new", _claim(
        subject, files=[("扫描件.pdf", PDF + b"0" * 20 * 1024)])).get_data(as_text=True)
    assert "扫描件.pdf is larger than 0.01 MB" in field_error(html, "evidence")


def test_the_claim_form_still_checks_its_csrf_token(app, english, auth, district, subject,
                                                   monkeypatch):
    auth.login("learn")
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = _snapshot(app)
    response = english.post("/me/record/claims/new", data=_claim(subject),
                            content_type="multipart/form-data")
    assert response.status_code == 400
    assert _snapshot(app) == before
    page = english.get("/me/record/claims/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = english.post("/me/record/claims/new", data={**_claim(subject),
                                                           "csrf_token": token},
                            content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"] == "/me/record/claims"


# ---- a verified claim whose entry was reversed ---------------------------------------------

def test_a_claim_whose_entry_was_reversed_says_so(app, english, auth, district, subject,
                                                 page_queries):
    claim_id = _submit(english, auth, subject)
    auth.login("ua1")
    english.post(f"/admin/records/claims/{claim_id}", data={"verify": "1"})
    with app.app_context():
        entry_id = db.session.get(Claim, claim_id).entry_id
    english.post(f"/record/entries/{entry_id}/reverse", data={"reason": "证明材料系伪造"})
    page = english.get(f"/admin/records/claims/{claim_id}").get_data(as_text=True)
    assert "Verified, then reversed" in page and "证明材料系伪造" in page
    queue = english.get("/admin/records/claims?status=all").get_data(as_text=True)
    assert "Verified, then reversed" in queue and "证明材料系伪造" in queue
    auth.logout()
    auth.login("learn")
    html = english.get("/me/record/claims").get_data(as_text=True)
    row = html.split("<tbody>")[1].split("</tr>")[0]
    assert "Verified, then reversed" in row and "证明材料系伪造" in row
    assert "tag-done" not in row  # not shown as verified and counting
    record = english.get("/cadres/learn/record?year=2025").get_data(as_text=True)
    assert f'<tr id="entry-{entry_id}" class="reversed">' in record
    assert "证明材料系伪造" in record.split(f'<tr id="entry-{entry_id}"')[1].split("</tr>")[0]
    few, _size = page_queries(english, "/me/record/claims")
    for n in range(4):  # more claims, verified and reversed: no query more
        auth.logout()
        other = _submit(english, auth, subject, title=f"自学{n}")
        auth.login("ua1")
        english.post(f"/admin/records/claims/{other}", data={"verify": "1"})
        with app.app_context():
            english.post(f"/record/entries/{db.session.get(Claim, other).entry_id}/reverse",
                         data={"reason": f"撤销{n}"})
        auth.logout()
        auth.login("learn")
    many, _size = page_queries(english, "/me/record/claims")
    assert many == few


def test_a_corrected_claim_entry_names_its_correction(app, english, auth, district, subject):
    claim_id = _submit(english, auth, subject)
    auth.login("ua1")
    english.post(f"/admin/records/claims/{claim_id}", data={"verify": "1"})
    with app.app_context():
        entry_id = db.session.get(Claim, claim_id).entry_id
    english.post(f"/record/entries/{entry_id}/reverse", data={"reason": "学时应为12"})
    english.post("/cadres/learn/record/entries/new", data={
        **{k: v for k, v in _claim(subject).items() if k != "evidence"}, "hours": "12",
        "corrects": str(entry_id)})
    with app.app_context():
        corrected = db.session.scalar(select(RecordEntry).where(
            RecordEntry.dedupe_key == f"correction:{entry_id}"))
        assert (corrected.hours, corrected.source) == (12.0, f"claim:{claim_id}")
    auth.logout()
    auth.login("learn")
    html = english.get("/me/record/claims").get_data(as_text=True)
    assert f"A corrected entry (no. {corrected.id}) counts in its place" in html


# ---- decisions that cannot be made ---------------------------------------------------------

def test_a_decision_on_a_decided_claim_says_so(app, english, auth, district, subject):
    claim_id = _submit(english, auth, subject)
    auth.login("ua1")
    english.post(f"/admin/records/claims/{claim_id}", data={"verify": "1"})
    before = _snapshot(app)
    for data in ({"verify": "1"}, {"reject": "1", "reason": "晚了"}):
        response = english.post(f"/admin/records/claims/{claim_id}", data=data)
        assert response.status_code == 302
        html = english.get(response.headers["Location"]).get_data(as_text=True)
        assert "This claim has already been decided." in html
    assert _snapshot(app) == before


def test_an_administrators_own_claim_is_left_to_another(app, english, auth, district,
                                                       subject):
    claim_id = _submit(english, auth, subject, username="ua1", title="本人自学")
    auth.login("ua1")
    queue = english.get("/admin/records/claims").get_data(as_text=True)
    row = queue.split("本人自学")[1].split("</tr>")[0]
    assert OWN in row
    before = _snapshot(app)
    response = english.post(f"/admin/records/claims/{claim_id}", data={"verify": "1"},
                            follow_redirects=True)
    assert OWN in response.get_data(as_text=True)
    assert _snapshot(app) == before
    auth.logout()
    auth.login("org")
    queue = english.get("/admin/records/claims").get_data(as_text=True)
    assert "本人自学" in queue and "your own" not in queue
