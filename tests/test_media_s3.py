"""Stored files in S3-compatible object storage, against a real S3 server on loopback (moto's
standalone server, spoken to by boto3 over TCP): course media from the authoring page and from
a package land in the bucket (not on disk) and are read back by range; evidence is downloaded
by its owner and refused to another unit's administrator; a class attachment round-trips; a
backup restores its files into another bucket area, checked against their digests. And, on
the local store, `LMS_MEDIA_ACCEL` hands the bytes to nginx only after the permission check."""
# ruff: noqa: F811 (tests take the fixtures imported from tests.*_helpers)
from __future__ import annotations

import hashlib
import io
import socket
import struct
import tarfile
import wave
import zipfile
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import select

from lms import create_app
from lms.catalog.models import Course, MediaFile
from lms.catalog.packages import export_package
from lms.core.storage import TooLarge, storage
from lms.core.storage.local import LocalStorage
from lms.core.storage.s3 import S3Storage
from lms.extensions import db
from lms.records.models import Evidence
from lms.training.models import ClassAttachment
from tests.authoring_helpers import as_user, authoring_people, subject_id  # noqa: F401
from tests.conftest import PASSWORD, empty_database
from tests.records_helpers import english, subject  # noqa: F401
from tests.test_packages import good_files, zip_of
from tests.training_helpers import class_form, unit_id

BUCKET = "lms-media-test"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 8


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server() -> Iterator[str]:
    """moto's S3 server on a free loopback port with one empty bucket; its address."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    settings = {"LMS_S3_ENDPOINT": endpoint, "LMS_S3_ACCESS_KEY": "test",
                "LMS_S3_SECRET_KEY": "test", "LMS_S3_REGION": "us-east-1"}
    from lms.core.storage.s3 import make_client

    make_client(settings).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


def _s3_settings(endpoint: str, prefix: str, media_dir: Path) -> dict:
    return {"LMS_MEDIA_STORAGE": "s3", "LMS_S3_ENDPOINT": endpoint, "LMS_S3_BUCKET": BUCKET,
            "LMS_S3_ACCESS_KEY": "test", "LMS_S3_SECRET_KEY": "test",
            "LMS_S3_REGION": "us-east-1", "LMS_S3_PREFIX": prefix, "LMS_S3_PART_MB": 5,
            "LMS_MEDIA_DIR": str(media_dir)}


@pytest.fixture
def s3(app, s3_server, tmp_path, monkeypatch) -> Path:
    """The app on the S3 store, under a prefix of this test's own; returns the media folder,
    which must stay empty."""
    folder = tmp_path / "unused-media"
    for key, value in _s3_settings(s3_server, f"t-{uuid4().hex[:8]}", folder).items():
        monkeypatch.setitem(app.config, key, value)
    return folder


def _objects(app) -> dict[str, bytes]:
    """Every object under this test's prefix: digest → content."""
    with app.app_context():
        store = storage()
        assert isinstance(store, S3Storage)
        return {sha: b"".join(store.chunks(sha)) for sha in store.digests()}


def _wav(seconds: float, rate: int = 8000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(struct.pack("<h", 1000) * int(seconds * rate))
    return out.getvalue()


# ---- course media --------------------------------------------------------------------------

def test_course_media_uploaded_by_a_lecturer_lands_in_the_bucket_and_is_read_by_range(
        app, s3, people):
    lect = as_user(app, "lect")
    lect.post("/teach/courses/new", data={"title": "存储课程", "slug": "cunchu", "summary": "",
                                           "category_id": subject_id(app), "hours": "1"})
    with app.app_context():
        course_id = db.session.scalar(select(Course.id).filter_by(slug="cunchu"))
    sound = _wav(3.0)
    answer = lect.post(f"/teach/courses/{course_id}/media",
                       data={"media-file": (io.BytesIO(sound), "talk.wav")},
                       content_type="multipart/form-data")
    assert answer.status_code in (200, 302)
    sha = hashlib.sha256(sound).hexdigest()
    assert _objects(app) == {sha: sound}
    assert not s3.exists()  # nothing on this machine's disk
    with app.app_context():
        row = db.session.scalar(select(MediaFile).filter_by(course_id=course_id))
        assert row.duration == pytest.approx(3.0)  # read from the object's header by ranges
        url = row.url
    part = lect.get(url, headers={"Range": "bytes=100-1123"})
    assert part.status_code == 206 and part.data == sound[100:1124]
    assert part.headers["Content-Range"] == f"bytes 100-1123/{len(sound)}"
    assert part.headers["Content-Length"] == "1024" and part.mimetype == "audio/wav"
    tail = lect.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.data == sound[-10:]
    whole = lect.get(url)
    assert whole.status_code == 200 and whole.data == sound
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert whole.headers["ETag"] == f'"{sha}"'
    assert lect.get(url, headers={"If-None-Match": f'"{sha}"'}).status_code == 304
    for bad in (f"bytes={len(sound)}-", "bytes=0-1,5-9", "bytes=z-y"):
        refused = lect.get(url, headers={"Range": bad})
        assert refused.status_code == 416, bad
        assert refused.headers["Content-Range"] == f"bytes */{len(sound)}"
    changed = lect.get(url, headers={"Range": "bytes=0-9", "If-Range": '"another"'})
    assert changed.status_code == 200 and changed.data == sound


def test_a_package_stores_its_media_in_the_bucket_and_exports_them_back(
        app, s3, people, import_course):
    files = good_files()
    slug = import_course(zip_of(files))
    stored = _objects(app)
    assert set(stored.values()) == {files["media/v.mp4"], files["media/p.png"]}
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug=slug))
        exported = zipfile.ZipFile(io.BytesIO(export_package(course)))
    assert exported.read("media/v.mp4") == files["media/v.mp4"]
    assert exported.read("media/p.png") == files["media/p.png"]


# ---- evidence and attachments --------------------------------------------------------------

def _claim(english, subject: int) -> None:
    english.post("/login", data={"username": "learn", "password": PASSWORD})
    response = english.post("/me/record/claims/new", data={
        "kind": "self_study", "subject_id": str(subject), "title": "在职自学", "hours": "6",
        "started_on": "2025-04-01", "ended_on": "2025-04-30", "days": "", "organiser": "",
        "result": "笔记", "note": "", "institution": "", "programme": "", "degree": "",
        "evidence": [(io.BytesIO(PDF), "笔记.pdf"), (io.BytesIO(PNG), "照片.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 302


def _evidence_ids(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Evidence.id).order_by(Evidence.id)))


def test_evidence_in_the_bucket_goes_to_its_owner_and_not_to_another_unit(
        app, s3, english, district, subject):
    _claim(english, subject)
    assert set(_objects(app).values()) == {PDF, PNG}
    pdf_id, png_id = _evidence_ids(app)
    mine = english.get(f"/record/evidence/{pdf_id}")
    assert mine.status_code == 200 and mine.data == PDF and mine.mimetype == "application/pdf"
    assert mine.headers["Content-Disposition"].startswith("attachment;")
    assert mine.headers["Cache-Control"] == "no-store"
    part = english.get(f"/record/evidence/{png_id}", headers={"Range": "bytes=8-15"})
    assert part.status_code == 206 and part.data == PNG[8:16]
    english.post("/logout")
    english.post("/login", data={"username": "ua2", "password": PASSWORD})
    assert english.get(f"/record/evidence/{pdf_id}").status_code == 404


def test_a_class_attachment_round_trips_through_the_bucket(app, s3, client, auth, district):
    auth.login("ua1")
    made = client.post("/training/classes/new", data=class_form(unit_id(app, "JD01")))
    class_id = int(made.headers["Location"].rsplit("/", 1)[-1])
    client.post(f"/training/classes/{class_id}/attachments",
                data={"attachment": (io.BytesIO(PDF), "方案.pdf")},
                content_type="multipart/form-data")
    assert list(_objects(app).values()) == [PDF]
    with app.app_context():
        attachment_id = db.session.scalar(select(ClassAttachment.id))
    assert f"/training/attachments/{attachment_id}" in client.get(
        f"/training/classes/{class_id}").get_data(as_text=True)  # listed: it is stored
    download = client.get(f"/training/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == PDF
    auth.logout()
    auth.login("ua2")
    assert client.get(f"/training/attachments/{attachment_id}").status_code == 404


# ---- the store itself ----------------------------------------------------------------------

def test_large_files_go_up_in_parts_once_and_limits_and_digests_hold(app, s3):
    big = bytes(range(256)) * (6 * 4096)  # 6 MiB: two parts of the 5 MiB part size
    with app.app_context():
        store = storage()
        sha, size = store.store_stream(io.BytesIO(big))
        assert (sha, size) == (hashlib.sha256(big).hexdigest(), len(big))
        assert store.store_stream(io.BytesIO(big)) == (sha, size)  # identical: kept once
        assert store.size(sha) == len(big) and list(store.digests()) == [sha]
        assert b"".join(store.chunks(sha, 5 * 2**20 - 3, 5 * 2**20 + 3)) == \
            big[5 * 2**20 - 3:5 * 2**20 + 3]
        with store.open(sha) as f:
            f.seek(len(big) - 4)
            assert f.read(10) == big[-4:]
        with pytest.raises(TooLarge):
            store.store_stream(io.BytesIO(b"x" * 2000), limit=1000)
        with pytest.raises(ValueError):
            store.store([b"not what it claims"], expect="0" * 64)
        assert list(store.digests()) == [sha] and store.size("0" * 64) is None


# ---- backup and restore --------------------------------------------------------------------

@pytest.fixture
def second(app, db_url, s3_server, tmp_path) -> Iterator[Flask]:
    """A second platform on a new database and its own (empty) area of the bucket."""
    target = empty_database(db_url, tmp_path, "s3restore")
    other = create_app({**{k: app.config[k] for k in (
        "TESTING", "SECRET_KEY", "WTF_CSRF_ENABLED", "RATELIMIT_STORAGE_URI", "LMS_SMTP_HOST")},
        "SQLALCHEMY_DATABASE_URI": target,
        **_s3_settings(s3_server, f"r-{uuid4().hex[:8]}", tmp_path / "second-media")})
    with other.app_context():
        upgrade()
    yield other
    with other.app_context():
        db.engine.dispose()


def _damaged(source: Path, target: Path) -> None:
    """The backup with one stored file's bytes changed (its name, the digest, kept)."""
    with tarfile.open(source, "r:gz") as old, tarfile.open(target, "w:gz") as new:
        for member in old.getmembers():
            data = old.extractfile(member).read() if member.isfile() else None
            if member.name.startswith("media/") and data:
                data = bytes([data[0] ^ 1]) + data[1:]
            new.addfile(member, io.BytesIO(data) if data is not None else None)


def test_backup_and_restore_carry_the_bucket_files_checked_by_digest(
        app, s3, second, english, district, subject, tmp_path):
    _claim(english, subject)
    before = _objects(app)
    file, bad = tmp_path / "platform.tar.gz", tmp_path / "damaged.tar.gz"
    made = app.test_cli_runner().invoke(args=["backup", "create", str(file)])
    assert made.exit_code == 0 and "2 files" in made.output, made.output
    _damaged(file, bad)
    restorer = second.test_cli_runner()
    refused = restorer.invoke(args=["backup", "restore", str(bad)])
    assert refused.exit_code == 1 and "does not match its digest" in refused.output
    with second.app_context():  # the database was left as it was
        assert db.session.scalar(select(db.func.count()).select_from(Evidence)) == 0
    done = restorer.invoke(args=["backup", "restore", str(file)])
    assert done.exit_code == 0 and "2 files" in done.output, done.output
    assert _objects(second) == before
    assert all(hashlib.sha256(body).hexdigest() == sha for sha, body in before.items())
    assert not (tmp_path / "second-media").exists()  # nothing on this machine's disk


# ---- nginx sends local files after the permission check ------------------------------------

def test_accel_hands_local_files_to_nginx_only_after_the_permission_check(
        app, english, district, subject, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_MEDIA_ACCEL", "/_media/")
    _claim(english, subject)
    pdf_id = _evidence_ids(app)[0]
    sha = hashlib.sha256(PDF).hexdigest()
    sent = english.get(f"/record/evidence/{pdf_id}", headers={"Range": "bytes=0-9"})
    assert sent.status_code == 200 and sent.data == b""
    assert sent.headers["X-Accel-Redirect"] == f"/_media/{sha[:2]}/{sha}"
    assert sent.mimetype == "application/pdf"
    assert sent.headers["Content-Disposition"].startswith("attachment;")
    assert sent.headers["X-Content-Type-Options"] == "nosniff"
    english.post("/logout")
    english.post("/login", data={"username": "ua2", "password": PASSWORD})
    refused = english.get(f"/record/evidence/{pdf_id}")
    assert refused.status_code == 404 and "X-Accel-Redirect" not in refused.headers
    english.post("/logout")
    assert "X-Accel-Redirect" not in english.get(f"/record/evidence/{pdf_id}").headers


# ---- moving a local folder to S3 -----------------------------------------------------------

def test_copy_to_s3_is_idempotent_and_copies_only_files_matching_their_digest(
        app, s3, tmp_path):
    folder = LocalStorage(tmp_path / "old-media")
    shas = [folder.store([body])[0] for body in (PDF, PNG)]
    wrong = "f" * 64
    (tmp_path / "old-media" / "ff").mkdir()
    (tmp_path / "old-media" / "ff" / wrong).write_bytes(b"changed on disk")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["media", "copy-to-s3", "--source", str(tmp_path / "old-media")])
    assert first.exit_code == 1 and "2 copied, 0 already there, 1 damaged" in first.output
    assert sorted(_objects(app)) == sorted(shas)
    again = runner.invoke(args=["media", "copy-to-s3", "--source", str(tmp_path / "old-media")])
    assert "0 copied, 2 already there" in again.output
    checked = runner.invoke(args=["media", "verify"])
    assert checked.exit_code == 0 and "2 files match their digest, 0 do not" in checked.output


def test_a_store_that_cannot_work_stops_start_up(db_url):
    for wrong, says in (({"LMS_MEDIA_STORAGE": "nfs"}, "choose one of local, s3"),
                        ({"LMS_MEDIA_STORAGE": "s3", "LMS_S3_BUCKET": ""}, "LMS_S3_BUCKET"),
                        ({"LMS_MEDIA_STORAGE": "s3", "LMS_S3_BUCKET": "b",
                          "LMS_S3_PART_MB": 1}, "at least 5")):
        with pytest.raises(RuntimeError, match=says):
            create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": db_url, **wrong})


def test_a_missing_object_is_not_found(app, s3):
    with app.app_context(), pytest.raises(FileNotFoundError):
        list(storage().chunks("a" * 64))
