"""Redis configured but unreachable never fails a page: counts fall back to the process."""
from __future__ import annotations

import logging
import socket

from lms import create_app
from lms.extensions import db
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
