"""Response headers: HSTS over HTTPS, no-store on personal answers, no server banner, and
user files served as attachments under safe names."""
# ruff: noqa: F811 (tests take the fixtures imported from tests.records_helpers)
from __future__ import annotations

import io
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from lms import create_app
from lms.catalog.models import Course
from lms.core.downloads import content_disposition, safe_filename
from lms.core.security import HSTS
from lms.extensions import db
from lms.records.models import Evidence
from tests.records_helpers import bearer, english, subject  # noqa: F401
from tests.test_record_claims import PDF, _claim

ROOT = Path(__file__).resolve().parent.parent
# What an RFC 6266 header built from a safe name looks like: nothing else may slip in.
DISPOSITION = re.compile(
    r"(attachment|inline); filename=\"[ !#-\[\]-~]+\"; filename\*=UTF-8''[A-Za-z0-9%!#$&+.^_`|~-]+")


@pytest.fixture
def alice(make_unit, make_user):
    make_unit("QU", kind="district")
    return make_user("alice", "learner", "QU")


# ---- HSTS ----------------------------------------------------------------------------------

def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://xuexi.example")
    assert secure.headers["Strict-Transport-Security"] == HSTS


def test_behind_a_proxy_its_forwarded_scheme_counts_only_when_configured(app, db_url):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert "Strict-Transport-Security" not in app.test_client().get(
        "/login", headers=forwarded).headers  # anyone could send the header
    behind_nginx = create_app({"TESTING": True, "SECRET_KEY": "test-secret",
                               "SQLALCHEMY_DATABASE_URI": db_url, "LMS_PROXY_COUNT": 1})
    answer = behind_nginx.test_client().get("/login", headers=forwarded)
    assert answer.headers["Strict-Transport-Security"] == HSTS


# ---- Cache-Control -------------------------------------------------------------------------

def test_pages_api_answers_and_errors_are_never_stored(app, client, auth, alice):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    auth.login("alice")
    for url in ("/", "/account", "/no-such-page"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    api = app.test_client()
    assert api.get("/api/v1/me", headers=bearer(app, alice)).headers["Cache-Control"] == \
        "no-store"
    assert api.get("/api/v1/me").headers["Cache-Control"] == "no-store"  # a 401 too


def test_static_files_and_course_media_keep_their_caching(app, client, auth, sample_courses):
    from lms.catalog.services import upload_media

    static = client.get("/static/js/app.js")
    assert static.status_code == 200 and "no-store" not in static.headers.get(
        "Cache-Control", "")
    static.close()
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug="gongwen-xiezuo"))
        url = upload_media(course, "讲解.mp4", io.BytesIO(
            b"\x00\x00\x00\x18ftypisom" + bytes(256))).url
    auth.login("learn")
    with client.get(url) as video:
        assert video.status_code == 200
        assert video.headers["Cache-Control"] == "private, max-age=86400"
        # The player shows it itself: inline, under its name, never sniffed.
        assert video.headers["Content-Disposition"].startswith("inline;")
        assert DISPOSITION.fullmatch(video.headers["Content-Disposition"])
        assert video.headers["X-Content-Type-Options"] == "nosniff"


# ---- no server banner ----------------------------------------------------------------------

def test_werkzeug_does_not_name_itself(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/login"
        with urllib.request.urlopen(url) as answer:  # noqa: S310 - our own local server
            banner = answer.headers.get_all("Server") or []
    finally:
        server.shutdown()
    assert banner == ["lms"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_does_not_name_itself():
    port = _free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [str(gunicorn), "-c", "gunicorn.conf.py", "--workers", "1", "--bind",
         f"127.0.0.1:{port}", "werkzeug.testapp:test_app"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline, banner = time.monotonic() + 30, None
        while banner is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/") as answer:  # noqa: S310
                    banner = answer.headers.get_all("Server")
            except OSError:
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert banner == ["lms"]


# ---- downloads -----------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "ascii_name", "exact"), [
    ("证书.pdf", "download.pdf", "证书.pdf"),
    ("report 2026.pdf", "report 2026.pdf", "report 2026.pdf"),
    ('a"b\r\nSet-Cookie: x=1.pdf', "abSet-Cookie x=1.pdf", "abSet-Cookie x=1.pdf"),
    ("../../etc/passwd", "passwd", "passwd"),
    ("C:\\Users\\me\\扫描件.jpg", "download.jpg", "扫描件.jpg"),
    ("\u202egpj.exe", "gpj.exe", "gpj.exe"),
    ("Résumé.png", "Resume.png", "Résumé.png"),
    ("...", "download", "download"),
    ("", "download", "download"),
    (None, "download", "download"),
])
def test_file_names_are_made_safe(name, ascii_name, exact):
    header = content_disposition(name)
    assert DISPOSITION.fullmatch(header), header
    assert f'filename="{ascii_name}"' in header
    assert safe_filename(name) == exact
    assert urllib.parse.unquote(header.split("UTF-8''", 1)[1]) == exact


def test_a_long_name_keeps_its_extension():
    assert safe_filename("长" * 300 + ".pdf") == "长" * 116 + ".pdf"


def test_evidence_is_an_attachment_with_a_safe_name(app, english, auth, district, subject):
    auth.login("learn")
    response = english.post("/me/record/claims/new", content_type="multipart/form-data",
                            data=_claim(subject, files=[('扫描"件\t<1>.pdf', PDF)]))
    assert response.status_code == 302
    with app.app_context():
        evidence_id = db.session.scalar(select(Evidence.id))
    with english.get(f"/record/evidence/{evidence_id}") as answer:
        assert answer.status_code == 200 and answer.data == PDF
        disposition = answer.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and DISPOSITION.fullmatch(disposition)
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in answer.headers["Content-Security-Policy"]
        assert answer.headers["Cache-Control"] == "no-store"


def test_exports_carry_a_safe_name_and_are_never_stored(client, auth, district):
    auth.login("org")
    for url in ("/admin/cadres/template.xlsx", "/admin/cadres/export.xlsx"):
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert DISPOSITION.fullmatch(answer.headers["Content-Disposition"]), url
        assert answer.headers["Cache-Control"] == "no-store"
