"""The running platform: health, headers, configuration."""
from __future__ import annotations

import os

from lms.config import load_config


def test_healthz_checks_the_database(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    redis = "ok" if app.config["REDIS_URL"] else "none"  # no REDIS_URL: one box
    assert response.get_json() == {"status": "ok", "database": "ok", "redis": redis}


def test_pages_forbid_inline_script_and_framing(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_no_remote_assets_in_pages(client, district, auth):
    auth.login("org")
    for path in ("/login", "/", "/admin/cadres", "/admin/units"):
        html = client.get(path).get_data(as_text=True)
        assert "http://" not in html.replace("http://localhost", "")
        assert "https://" not in html


def test_anonymous_users_are_sent_to_sign_in(client):
    response = client.get("/admin/cadres")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_secret_key_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config(str(tmp_path))["SECRET_KEY"]
    second = load_config(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert oct(os.stat(tmp_path / "secret_key").st_mode & 0o777) == "0o600"


def test_configuration_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h/db")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("LMS_HEARTBEAT_SECONDS", "45")
    monkeypatch.setenv("LMS_MEDIA_DIR", str(tmp_path / "m"))
    cfg = load_config(str(tmp_path))
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert cfg["LMS_HEARTBEAT_SECONDS"] == 45
    assert cfg["LMS_MEDIA_DIR"] == str(tmp_path / "m")


def test_default_database_is_sqlite_in_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    cfg = load_config(str(tmp_path))
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/lms.sqlite3"
    assert cfg["RATELIMIT_STORAGE_URI"] == "memory://"


def test_error_pages_keep_protocol_headers(client):
    response = client.put("/healthz")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert "<html" in response.get_data(as_text=True)
    api = client.delete("/api/v1/me")
    assert api.status_code == 405 and "GET" in api.headers["Allow"]
    assert api.get_json()["error"]["code"] == "method_not_allowed"
