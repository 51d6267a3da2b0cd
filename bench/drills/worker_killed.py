#!/usr/bin/env python3
"""Drill: an RQ worker killed in the middle of a job, and one stalled past its lease.

Starts a private redis-server on a free port (never the machine's) and prepares a database (a
temporary SQLite file, or with --postgres a fresh database on that server, dropped at the end).
Then, with `flask jobs worker` processes:

1. killed: a long self-test job is queued; worker A takes it; A is killed with SIGKILL in the
   middle; worker B (started after the kill) takes the job over once its lease has run out and
   finishes it. The job must be done once, on its second attempt, with one whole output (one
   file in the store, each step once).
2. stalled: worker A is stopped (SIGSTOP) in the middle of a job, B takes it over and finishes
   it, then A is let go on (SIGCONT): A's writes must be refused (its lease is gone), the job
   left as B finished it.

    .venv/bin/python bench/drills/worker_killed.py \\
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres --database NAME]

Prints each observation with its figures, then PASS or FAIL; exits 0 on PASS.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from uuid import uuid4

from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
LEASE = 3  # seconds: how soon a silent worker's job may be taken over
STEPS, STEP_SECONDS = 40, 0.1


class Drill:
    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, ok: bool, what: str) -> bool:
        print(f"  {'ok  ' if ok else 'FAIL'} {what}", flush=True)
        if not ok:
            self.failures.append(what)
        return ok


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - a fixed command on loopback
        [shutil.which("redis-server") or "redis-server", "--port", str(port), "--bind",
         "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, f"redis://127.0.0.1:{port}/0"
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise SystemExit("redis-server did not start") from None
            time.sleep(0.05)


def flask(env: dict, *args: str) -> str:
    done = subprocess.run([PYTHON, "-m", "flask", "--app", "wsgi", *args],  # noqa: S603
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return done.stdout


def worker(env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - our own command line
            [PYTHON, "-m", "flask", "--app", "wsgi", "jobs", "worker"], cwd=ROOT, env=env,
            stdout=out, stderr=subprocess.STDOUT)


def queue_job(env: dict, key: str) -> int:
    out = flask(env, "jobs", "selftest", "--steps", str(STEPS), "--seconds",
                str(STEP_SECONDS), "--key", key)
    return int(out.split()[1].rstrip(":"))


def job_row(engine, job_id: int) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(text(
            "SELECT state, done, total, attempts, result_sha256, error FROM jobs WHERE id = :id"),
            {"id": job_id}).mappings().one())


def wait(engine, job_id: int, test, seconds: float = 120) -> tuple[dict, float]:
    started = time.monotonic()
    while True:
        row = job_row(engine, job_id)
        if test(row) or time.monotonic() - started > seconds:
            return row, time.monotonic() - started
        time.sleep(0.05)


def stored_lines(media: Path, sha: str | None) -> list[str]:
    if not sha:
        return []
    return (media / sha[:2] / sha).read_text().splitlines()


def killed(drill: Drill, env: dict, engine, media: Path, log: Path) -> None:
    print("1. a worker killed with SIGKILL in the middle of a job", flush=True)
    job_id = queue_job(env, "killed")
    first = worker(env, log)
    try:
        row, took = wait(engine, job_id, lambda r: r["done"] >= STEPS // 3)
        drill.check(row["state"] == "running" and row["attempts"] == 1,
                    f"worker A took job {job_id} and reached step {row['done']}/{STEPS} "
                    f"({took:.1f} s after it started)")
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        killed_at = time.monotonic()
        at_kill = job_row(engine, job_id)
        print(f"     killed worker A (pid {first.pid}) at step {at_kill['done']}/{STEPS}",
              flush=True)
    finally:
        if first.poll() is None:
            first.kill()
    second = worker(env, log)
    try:
        row, _took = wait(engine, job_id, lambda r: r["attempts"] >= 2)
        retried = time.monotonic() - killed_at
        drill.check(row["attempts"] == 2, f"worker B took it over {retried:.1f} s after the "
                    f"kill (lease {LEASE} s)")
        row, _took = wait(engine, job_id, lambda r: r["state"] in ("done", "failed"))
        total = time.monotonic() - killed_at
    finally:
        second.terminate()
        second.wait(10)
    lines = stored_lines(media, row["result_sha256"])
    files = [p for p in media.rglob("*") if p.is_file() and not p.name.startswith(".")]
    drill.check(row["state"] == "done" and row["attempts"] == 2 and row["error"] is None,
                f"job {job_id} done on attempt {row['attempts']}, {total:.1f} s after the kill")
    drill.check(lines == [f"step {n} of {STEPS}" for n in range(1, STEPS + 1)],
                f"its output holds each of the {STEPS} steps once ({len(lines)} lines)")
    drill.check(len(files) == 1, f"one output file in the store ({len(files)})")


def stalled(drill: Drill, env: dict, engine, media: Path, log: Path) -> None:
    print("2. a worker stalled (SIGSTOP) past its lease, then let go on", flush=True)
    job_id = queue_job(env, "stalled")
    first = worker(env, log)
    second = None
    try:
        row, _took = wait(engine, job_id, lambda r: r["done"] >= STEPS // 4)
        first.send_signal(signal.SIGSTOP)
        print(f"     stopped worker A at step {row['done']}/{STEPS}", flush=True)
        second = worker(env, log)
        row, took = wait(engine, job_id, lambda r: r["state"] in ("done", "failed"))
        drill.check(row["state"] == "done" and row["attempts"] == 2,
                    f"worker B took job {job_id} over and finished it ({took:.1f} s)")
        finished = dict(row)
        before = log.read_text().count("lost its lease")
        first.send_signal(signal.SIGCONT)
        deadline = time.monotonic() + 20
        while log.read_text().count("lost its lease") == before \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        refused = log.read_text().count("lost its lease") > before
        drill.check(refused, "worker A, let go on, found its lease gone and wrote nothing")
        drill.check(job_row(engine, job_id) == finished,
                    "the job is as worker B finished it (state, steps, attempts, result)")
        lines = stored_lines(media, finished["result_sha256"])
        drill.check(lines == [f"step {n} of {STEPS}" for n in range(1, STEPS + 1)],
                    f"its output holds each step once ({len(lines)} lines)")
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.terminate()
                process.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", help="a PostgreSQL server URL (default: SQLite)")
    parser.add_argument("--database", default="lms_drill_worker",
                        help="the database created (and dropped) on that server")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="drill-worker-"))
    media = folder / "media"
    redis, redis_url = start_redis(folder)
    admin = None
    if args.postgres:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{args.database}"'))
            conn.execute(text(f'CREATE DATABASE "{args.database}"'))
        url = make_url(args.postgres).set(database=args.database).render_as_string(False)
    else:
        url = f"sqlite:///{folder / 'drill.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": uuid4().hex,
           "LMS_MEDIA_DIR": str(media), "REDIS_URL": redis_url,
           "LMS_REDIS_PREFIX": f"drill-{uuid4().hex[:6]}:", "LMS_JOB_LEASE_SECONDS": str(LEASE),
           "LMS_SCHEDULE_ASSIGNMENTS_SYNC": "", "LMS_SCHEDULE_RECORDS_RECOMPUTE": ""}
    env.pop("RQ_KEY_PREFIX", None)
    log = folder / "workers.log"
    drill = Drill()
    engine = create_engine(url)
    try:
        print(f"database {make_url(url).get_backend_name()}, Redis {redis_url}, lease {LEASE} s,"
              f" job of {STEPS} steps x {STEP_SECONDS} s", flush=True)
        flask(env, "db", "upgrade")
        killed(drill, env, engine, media, log)
        stalled(drill, env, engine, media, log)
    finally:
        engine.dispose()
        redis.terminate()
        redis.wait(10)
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)'))
            admin.dispose()
    if drill.failures:
        print(f"FAIL worker killed: {len(drill.failures)} check(s) failed; workers' log: {log}")
        return 1
    shutil.rmtree(folder, ignore_errors=True)
    print("PASS worker killed: retried by another worker, output not duplicated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
