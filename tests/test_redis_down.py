"""Redis configured but unreachable never fails a page: counts fall back to the process, and
go back to Redis by themselves when it answers again."""
from __future__ import annotations

import logging
import os
import socket
from uuid import uuid4

import pytest

from lms import create_app
from lms.core import shared
from lms.extensions import db
from tests import instances
from tests.conftest import PASSWORD


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_redis_degrades_to_counts_in_this_process(app, db_url, district, caplog):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    down = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": db_url, "LMS_MEDIA_DIR": app.config["LMS_MEDIA_DIR"],
        "REDIS_URL": url, "RATELIMIT_STORAGE_URI": url, "LMS_REDIS_PREFIX": "t-down:",
        "LMS_LOGIN_ACCOUNT_LIMIT": "3 per 15 minutes", "LMS_PRESENCE_CHECK_MINUTES": 0,
    })
    client = down.test_client()
    try:
        with caplog.at_level(logging.WARNING, logger=down.logger.name):
            codes = [client.post("/login", data={"username": "learn", "password": f"x-{i}-y"})
                     .status_code for i in range(5)]
            assert codes == [401, 401, 401, 429, 429]  # the limit holds, in this process
            refused = client.post("/login", data={"username": "learn", "password": PASSWORD})
            assert refused.status_code == 429
            assert "登录失败次数过多" in refused.get_data(as_text=True)
            signed_in = client.post("/login", data={"username": "org", "password": PASSWORD})
            assert signed_in.status_code == 302
            for page in ("/", "/courses", "/me/learning", "/account", "/admin/cadres"):
                assert client.get(page).status_code == 200, page
            health = client.get("/healthz")  # degraded, yet serving
            assert health.status_code == 200 and health.get_json()["redis"] == "unreachable"
        unreachable = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
        assert len(unreachable) == 1  # once per outage, not once per request
    finally:
        with down.app_context():
            db.engine.dispose()


def test_redis_back_is_used_again_by_itself(app, db_url, district, tmp_path, monkeypatch):
    monkeypatch.setattr(shared, "RETRY_SECONDS", 0.0)  # try again at the next call
    port = instances.free_port()
    try:
        server = instances.start_redis(port, tmp_path)
    except RuntimeError as error:
        pytest.skip(f"no private Redis for this test: {error}")
    url, prefix = f"redis://127.0.0.1:{port}/0", f"t{os.getpid()}-{uuid4().hex[:6]}:"
    live = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": db_url, "LMS_MEDIA_DIR": app.config["LMS_MEDIA_DIR"],
        "REDIS_URL": url, "RATELIMIT_STORAGE_URI": url, "LMS_REDIS_PREFIX": prefix,
        "LMS_LOGIN_ACCOUNT_LIMIT": "3 per 15 minutes", "LMS_PRESENCE_CHECK_MINUTES": 0,
    })
    client, store = live.test_client(), instances.redis_client(port)

    def failures(username: str) -> list[int]:
        return [client.post("/login", data={"username": username, "password": f"x-{i}-y"})
                .status_code for i in range(4)]

    def counted_in_redis(username: str) -> bool:
        return any(username.encode() in k for k in store.scan_iter(match=f"{prefix}limits:*"))

    try:
        assert failures("c1") == [401, 401, 401, 429] and counted_in_redis("c1")
        instances.stop(server)
        assert failures("c2") == [401, 401, 401, 429]  # counted in this process meanwhile
        assert client.get("/healthz").get_json()["redis"] == "unreachable"
        server = instances.start_redis(port, tmp_path)
        assert client.get("/healthz").get_json()["redis"] == "ok"
        assert failures("learn") == [401, 401, 401, 429] and counted_in_redis("learn")
        assert not counted_in_redis("c2")
    finally:
        instances.stop(server)
        store.close()
        with live.app_context():
            db.engine.dispose()
