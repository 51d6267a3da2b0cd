"""A real RQ worker: a job queued by the app is taken by a separate `flask jobs worker`
process on a private Redis server; killed with SIGKILL in the middle of the job, a second
worker retries it once the lease has run out, and the job is done once, with one result."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from lms.core import shared
from lms.extensions import db
from lms.jobs import enqueue
from lms.jobs.models import Job

ROOT = Path(__file__).resolve().parent.parent
REDIS = shutil.which("redis-server")
LEASE = 2  # seconds: a killed worker's job is taken over this soon
STEPS = 12  # of 0.1 s each; the worker is killed after the third

pytestmark = [
    pytest.mark.skipif(REDIS is None, reason="redis-server is not installed"),
    # Two worker processes cost ~10 s of the CI's time: once is enough, in the SQLite pass
    # that every `make test` runs; on PostgreSQL the leases are proven by tests/test_jobs.py
    # and the worker by `bench/drills/worker_killed.py --postgres`.
    pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                       reason="the real worker is tested in the SQLite pass"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """A private Redis server on a free port, gone after the test."""
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - a fixed command on loopback
        [REDIS, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(10)


@pytest.fixture
def on_redis(app, redis_url, monkeypatch) -> dict[str, str]:
    """The app queues on the private Redis (RQ), under a prefix of this test's own; returns
    the environment a worker process needs to serve the same site."""
    prefix = f"t{os.getpid()}-{uuid.uuid4().hex[:6]}:"
    rq_defaults = sys.modules.get("rq.defaults")
    if rq_defaults is not None:  # rq keeps the prefix it was first imported with
        prefix = rq_defaults.RQ_KEY_PREFIX.removesuffix("rq")
    for name, value in (("REDIS_URL", redis_url), ("LMS_REDIS_PREFIX", prefix),
                        ("LMS_JOBS_MODE", "rq"), ("LMS_JOB_LEASE_SECONDS", LEASE)):
        monkeypatch.setitem(app.config, name, value)
    app.extensions.pop(shared._EXT, None)
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": app.config["SECRET_KEY"], "LMS_MEDIA_DIR": app.config["LMS_MEDIA_DIR"],
           "REDIS_URL": redis_url, "LMS_REDIS_PREFIX": prefix,
           "LMS_JOB_LEASE_SECONDS": str(LEASE), "LMS_SCHEDULE_ASSIGNMENTS_SYNC": "",
           "LMS_SCHEDULE_RECORDS_RECOMPUTE": ""}
    env.pop("RQ_KEY_PREFIX", None)
    yield env
    client = app.extensions.pop(shared._EXT, None)
    if client is not None:
        client.close()


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:  # the worker keeps its own copy of the descriptor
        return subprocess.Popen(  # noqa: S603 - our own command line
            [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"], cwd=ROOT,
            env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_for(app, job_id: int, test, seconds: float = 30) -> Job:
    deadline = time.monotonic() + seconds
    while True:
        with app.app_context():
            job = db.session.get(Job, job_id)
            db.session.expunge(job)
        if test(job) or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def test_a_worker_killed_mid_job_is_replaced_and_the_job_is_done_once(app, on_redis,
                                                                      tmp_path):
    with app.app_context():
        job_id = enqueue("jobs.selftest", {"steps": STEPS, "seconds": 0.1}, key="killed").id
    log = tmp_path / "workers.log"
    first = _worker(on_redis, log)
    try:
        job = _wait_for(app, job_id, lambda j: j.done >= 3)
        assert (job.state, job.attempts) == ("running", 1), log.read_text()
        first.send_signal(signal.SIGKILL)  # in the middle of the job
        first.wait(10)
        killed_at = _wait_for(app, job_id, lambda j: True)
        assert killed_at.state == "running" and killed_at.done < STEPS
        second = _worker(on_redis, log)
        try:
            job = _wait_for(app, job_id, lambda j: j.finished)
        finally:
            second.terminate()
            second.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    assert (job.state, job.attempts, job.error) == ("done", 2, None), log.read_text()
    with app.app_context():
        from lms.core.storage import storage

        with storage().open(job.result_sha256) as fh:
            lines = fh.read().decode().splitlines()
        assert lines == [f"step {n} of {STEPS}" for n in range(1, STEPS + 1)]  # one output
        assert db.session.query(Job).count() == 1
        queued = shared.client().keys(on_redis["LMS_REDIS_PREFIX"] + "rq:queue:jobs")
        assert queued == [] or shared.client().llen(queued[0]) == 0
