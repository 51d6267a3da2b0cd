"""Chinese by default; English by preference, ?lang=en or Accept-Language; full catalogue."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from lms.auth.models import User
from lms.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def test_chinese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "登录" in html and "Sign in" not in html


def test_english_by_query_argument_and_it_sticks(client):
    assert "Sign in" in client.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    assert "登录" in client.get("/login?lang=zh_CN").get_data(as_text=True)


def test_english_by_accept_language(client):
    html = client.get("/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(
        as_text=True)
    assert '<html lang="en">' in html and "Sign in" in html
    html = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
                      ).get_data(as_text=True)
    assert "登录" in html


def test_english_by_user_preference(app, client, auth, district):
    auth.login("learn")
    client.post("/account", data={"prefs-locale": "en", "prefs-submit": "1"})
    with app.app_context():
        assert db.session.get(User, district["learner"]).locale == "en"
    assert "Welcome" in client.get("/").get_data(as_text=True)


def test_catalogue_translates_every_string(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(  # noqa: S603 - a fixed command on our own sources
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with (ROOT / "translations/zh_Hans_CN/LC_MESSAGES/messages.po").open("rb") as fh:
        translated = {m.id for m in read_po(fh) if m.id and m.string and not m.fuzzy}
    assert wanted - translated == set()
