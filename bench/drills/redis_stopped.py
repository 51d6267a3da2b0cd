#!/usr/bin/env python3
"""Drill: Redis stopped under a running app, then started again.

Starts a private redis-server on a free port (never the machine's), prepares a database (a
temporary SQLite file, or with --postgres a fresh database `lms_drill_redis` on that server),
serves the app with gunicorn (one sync worker) with REDIS_URL at the private Redis, signs in,
stops Redis and walks the main pages: sign-in, failed sign-ins up to the lockout, home,
catalogue, a course page, a heartbeat, the record page, an administrative page and the health
check. Every answer must be non-500 and quick, the documented degraded behaviour must hold
(docs/shared-state.md: failures counted in the process, the outage logged once, healthz
"unreachable"), and after Redis starts again the app must use it again by itself.

    .venv/bin/python bench/drills/redis_stopped.py \
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres --database NAME]

Prints each observation and PASS or FAIL; exits 0 on PASS.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests import instances  # noqa: E402 - the repository's own helpers, after the path

LIMIT = 3  # failed sign-ins allowed per account during the drill
SLOW = 3.0  # seconds: an answer slower than this counts as a failure of the drill
LOCKED = "登录失败次数过多"


class Drill:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, ok: bool, what: str) -> bool:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            self.failures.append(what)
        return ok


def timed(call, *args):
    started = time.monotonic()
    response = call(*args)
    return response, time.monotonic() - started


def walk(drill: Drill, base: str, people: dict, info: dict, phase: str) -> None:
    """The main pages, each answered without a server error and quickly."""
    learner, admin, visitor = people["learner"], people["admin"], instances.Browser()
    pages = [(visitor, "/login"), (learner, "/"), (learner, "/courses"),
             (learner, f"/courses/{info['course']}"), (learner, "/cadres/learn/record"),
             (admin, "/admin/cadres")]
    for browser, path in pages:
        response, took = timed(browser.get, f"{base}{path}")
        drill.check(response.status_code == 200 and took < SLOW,
                    f"{phase}: GET {path} -> {response.status_code} in {took:.2f} s")
    visitor.close()
    beat = f"{base}/activities/{info['lecture']}/beat"
    learner.seq += 1
    response, took = timed(learner.post_json, beat, {"seq": learner.seq, "visible": True})
    reason = response.json().get("reason") if response.status_code == 200 else "-"
    drill.check(response.status_code == 200 and took < SLOW,
                f"{phase}: heartbeat -> {response.status_code} ({reason}) in {took:.2f} s")


def lockout(drill: Drill, base: str, username: str, phase: str) -> None:
    """Failed sign-ins up to the lockout: LIMIT refusals, then the lockout message."""
    browser = instances.Browser()
    codes = []
    for n in range(LIMIT + 1):
        response, took = timed(browser.sign_in, base, username, f"wrong-password-{n}")
        codes.append(response.status_code)
        drill.check(took < SLOW, f"{phase}: failed sign-in {n + 1} answered in {took:.2f} s")
    drill.check(codes == [401] * LIMIT + [429] and LOCKED in response.text,
                f"{phase}: failed sign-ins of {username} -> {codes} (locked after {LIMIT})")
    browser.close()


def health(base: str) -> str:
    return instances.requests.get(f"{base}/healthz", timeout=10).json().get("redis", "?")


def run(postgres: str | None, name: str) -> bool:
    drill = Drill()
    work = Path(tempfile.mkdtemp(prefix="lms-drill-redis-"))
    log = work / "app.log"
    redis_port, app_port = instances.free_port(), instances.free_port()
    base = f"http://127.0.0.1:{app_port}"
    url, drop = _database(postgres, work, name)
    redis_server = app = None
    people: dict = {}
    try:
        redis_server = instances.start_redis(redis_port, work)
        print(f"private Redis on port {redis_port}; app on {base}; log {log}")
        env = {"DATABASE_URL": url, "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
               "LMS_REDIS_PREFIX": f"drill-{uuid4().hex[:6]}:", "SECRET_KEY": uuid4().hex,
               "LMS_MEDIA_DIR": str(work / "media"), "LMS_PRESENCE_CHECK_MINUTES": "0",
               "LMS_LOGIN_ACCOUNT_LIMIT": f"{LIMIT} per 15 minutes", "LMS_SMTP_HOST": ""}
        app = instances.start_gunicorn(app_port, env, log)
        with contextlib.redirect_stderr(io.StringIO()):  # the migrations' log lines
            info = instances.prepare_database(url, work / "media")
        instances.wait_ready(base, app)

        print("Redis running:")
        for role, username in (("learner", "learn"), ("admin", "admin")):
            people[role] = instances.Browser()
            drill.check(people[role].sign_in(base, username, instances.PASSWORD)
                        .status_code == 302, f"sign-in of {username}")
        walk(drill, base, people, info, "up")
        drill.check(health(base) == "ok", "healthz says redis ok")

        print("Redis stopped:")
        instances.stop(redis_server)
        walk(drill, base, people, info, "down")
        lockout(drill, base, "other", "down")
        fresh = instances.Browser()
        response = fresh.sign_in(base, "learn", instances.PASSWORD)
        drill.check(response.status_code == 302, "down: a new sign-in works")
        fresh.close()
        drill.check(health(base) == "unreachable", "down: healthz 200, says redis unreachable")
        outages = log.read_text().count("Redis is unreachable")
        drill.check(outages == 1, f"down: the outage is logged once ({outages} times)")

        print("Redis started again:")
        redis_server = instances.start_redis(redis_port, work)
        time.sleep(6)  # the app tries Redis again every 5 s
        walk(drill, base, people, info, "again")
        drill.check(health(base) == "ok", "again: healthz says redis ok")
        lockout(drill, base, "admin", "again")
        store = instances.redis_client(redis_port)
        shared_keys = len(list(store.scan_iter(match=f"{env['LMS_REDIS_PREFIX']}limits:*")))
        store.close()
        drill.check(shared_keys > 0, f"again: failures counted in Redis ({shared_keys} keys)")
        back = log.read_text().count("Redis answers again")
        drill.check(back == 1, f"again: the recovery is logged once ({back} times)")
    except Exception as error:  # noqa: BLE001 - any surprise fails the drill, with its cause
        drill.check(False, f"the drill stopped: {error!r}")
    finally:
        for browser in people.values():
            browser.close()
        instances.stop(app)
        instances.stop(redis_server)
        drop()
    if not drill.failures:
        shutil.rmtree(work, ignore_errors=True)
    else:
        print(f"kept for inspection: {work} (app.log)")
    print(("PASS" if not drill.failures else "FAIL") + " redis_stopped: "
          + (f"{len(drill.failures)} failed: " + "; ".join(drill.failures)
             if drill.failures else "every page answered while Redis was down; it recovered"))
    return not drill.failures


def _database(postgres: str | None, work: Path, name: str = "lms_drill_redis"):
    """The drill's database URL and a function that drops it afterwards."""
    if not postgres:
        return f"sqlite:///{work / 'drill.sqlite3'}", lambda: None
    from sqlalchemy import create_engine, make_url, text  # noqa: PLC0415

    server = make_url(postgres)
    own = server.set(database=name)
    engine = create_engine(server, isolation_level="AUTOCOMMIT")

    def execute(sql: str) -> None:
        with engine.connect() as conn:
            conn.execute(text(sql))

    execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()

    return own.render_as_string(hide_password=False), drop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL (maintenance database) "
                        "on which the drill makes its own database; default: SQLite")
    parser.add_argument("--database", default="lms_drill_redis",
                        help="the name of that database (made afresh, dropped at the end)")
    args = parser.parse_args()
    sys.exit(0 if run(args.postgres, args.database) else 1)
