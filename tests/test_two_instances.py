"""Two app instances (separate gunicorn processes on two ports) on one database and one Redis,
over real HTTP: a sign-in on one is valid on the other, a sign-out on one ends it on both,
failed sign-ins count across both, and heartbeats sent through both credit each second once.

The database is one of the test's own on TEST_DATABASE_URL's PostgreSQL server: several
instances are the PostgreSQL set-up, so the SQLite pass skips the test (SQLite is the one-box
database; the same test passes on a shared SQLite file, at twice the suite's cost). Redis is the
machine's (127.0.0.1:6379) under a prefix of the test's own, or a private redis-server when
none answers there.
"""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from uuid import uuid4

import pytest
import redis
from sqlalchemy import create_engine, make_url, text

from tests import instances
from tests.conftest import PASSWORD

INTERVAL = 4  # heartbeat seconds of both instances: beats about 1 s apart earn about a second
LOCKED = "登录失败次数过多"


def _own_database(db_url: str, folder: Path) -> str:
    """An empty database for the two instances: `<test db>_two` on the same PostgreSQL
    server (made afresh), or a SQLite file both processes open."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{folder / 'two.sqlite3'}"
    base = make_url(db_url)
    own = base.set(database=f"{base.database}_two")
    engine = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{own.database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


def _drop_database(url: str, db_url: str) -> None:
    if url.startswith("sqlite"):
        return
    engine = create_engine(make_url(db_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    finally:
        engine.dispose()


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """The machine's Redis when it answers, else a private one for this test."""
    try:
        redis.Redis(socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        port = instances.free_port()
        try:
            server = instances.start_redis(port, tmp_path)
        except RuntimeError as error:
            pytest.skip(f"no Redis to share between the instances: {error}")
        yield f"redis://127.0.0.1:{port}/0"
        instances.stop(server)
    else:
        yield "redis://127.0.0.1:6379/0"


@pytest.fixture
def two(db_url, redis_url, tmp_path) -> Iterator[dict]:
    """Instances A and B, each a gunicorn with one sync worker, on one database and Redis."""
    if db_url.startswith("sqlite") and not os.environ.get("LMS_TWO_INSTANCES_ON_SQLITE"):
        pytest.skip("several instances share PostgreSQL: this test runs in the PostgreSQL "
                    "pass (LMS_TWO_INSTANCES_ON_SQLITE=1 runs it on a shared SQLite file)")
    url = _own_database(db_url, tmp_path)
    prefix = f"t{os.getpid()}-{uuid4().hex[:6]}:"
    env = {"DATABASE_URL": url, "REDIS_URL": redis_url, "LMS_REDIS_PREFIX": prefix,
           "SECRET_KEY": uuid4().hex, "LMS_MEDIA_DIR": str(tmp_path / "media"),
           "LMS_HEARTBEAT_SECONDS": str(INTERVAL), "LMS_PRESENCE_CHECK_MINUTES": "0",
           "LMS_LOGIN_ACCOUNT_LIMIT": "4 per 15 minutes", "LMS_SMTP_HOST": ""}
    ports = [instances.free_port(), instances.free_port()]
    processes = [instances.start_gunicorn(port, env, tmp_path / f"app{i}.log")
                 for i, port in enumerate(ports)]
    store = redis.Redis.from_url(redis_url)
    try:
        # While the instances start:
        lecture = instances.prepare_database(url, tmp_path / "media")["lecture"]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for base, process in zip(bases, processes, strict=True):
            instances.wait_ready(base, process)
        yield {"a": bases[0], "b": bases[1], "lecture": lecture, "redis": store,
               "prefix": prefix}
    finally:
        for process in processes:
            instances.stop(process)
        keys = list(store.scan_iter(match=f"{prefix}*"))
        if keys:
            store.delete(*keys)
        store.close()
        _drop_database(url, db_url)


def test_two_instances_share_sessions_failures_and_heartbeats(two):
    a, b = two["a"], two["b"]
    person = instances.Browser()
    copy = failing = beats = None
    try:
        # A sign-in on A is valid on B.
        assert person.sign_in(a, "learn", PASSWORD).status_code == 302
        home_b = person.get(f"{b}/")
        assert home_b.status_code == 200 and "学员learn" in home_b.text
        # A sign-out on B ends the session on both, even for a copy of the cookie.
        copy = person.with_cookies(person.cookies())
        assert person.post(f"{b}/logout").status_code == 302
        for base in (a, b):
            answer = copy.get(f"{base}/")
            assert answer.status_code == 302 and "/login" in answer.headers["Location"], base

        # Failed sign-ins count across both: 4 allowed, two on each, then both refuse.
        failing = instances.Browser()
        codes = [failing.sign_in(base, "other", "wrong-password-1").status_code
                 for base in (a, b, a, b, a)]
        assert codes == [401, 401, 401, 401, 429]
        for base in (b, a):  # even the right password waits, on either instance
            refused = failing.sign_in(base, "other", PASSWORD)
            assert refused.status_code == 429 and LOCKED in refused.text, base
        assert list(two["redis"].scan_iter(match=f"{two['prefix']}limits:*"))

        # Heartbeats alternate between A and B; each is also sent at once through the other
        # (a page retrying through the balancer): every step counts once, on one of them.
        beats = instances.Browser()
        assert beats.sign_in(a, "learn", PASSWORD).status_code == 302
        beat = f"/activities/{two['lecture']}/beat"
        started = time.monotonic()
        first = beats.post_json(f"{a}{beat}", {"seq": 1, "visible": True})
        assert first.status_code == 200, first.text
        assert first.json()["reason"] == "started"
        answers = [first.json()]
        with ThreadPoolExecutor(max_workers=2) as pool:
            for seq in range(2, 6):
                time.sleep(1.05)
                there, other = (a, b) if seq % 2 else (b, a)
                pair = list(pool.map(lambda base, s=seq: beats.post_json(
                    f"{base}{beat}", {"seq": s, "visible": True}), (there, other)))
                assert [r.status_code for r in pair] == [200, 200], [r.text for r in pair]
                got = [r.json() for r in pair]
                winners = [g for g in got if g["reason"] not in ("replayed", "concurrent")]
                assert len(winners) == 1 and winners[0]["counted"] <= INTERVAL, (seq, got)
                assert sum(g["counted"] for g in got) == winners[0]["counted"], (seq, got)
                answers += got
        elapsed = time.monotonic() - started
        total = sum(answer["counted"] for answer in answers)
        assert max(answer["credited_seconds"] for answer in answers) == total
        assert 1 <= total <= elapsed + 1  # never more seconds than passed
    finally:
        for browser in (person, copy, failing, beats):
            if browser is not None:
                browser.close()
