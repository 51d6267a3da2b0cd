"""Background jobs in-process: states, the idempotency key, leases (an attempt taken over
writes nothing), retry after a worker died, the scheduler's daily slot, and the job pages."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.jobs import JobError, LeaseLost, Output, enqueue, registry, runner, schedule
from lms.jobs.models import Job
from lms.jobs.sweeper import sweep
from lms.org.models import Unit


@pytest.fixture
def inline(app):
    """Jobs run at once, in the caller's thread."""
    before = app.config.get("LMS_JOBS_MODE")
    app.config["LMS_JOBS_MODE"] = "inline"
    yield
    app.config["LMS_JOBS_MODE"] = before


@pytest.fixture
def kind():
    """Register a temporary kind; forgotten after the test."""
    names = []

    def make(name: str, fn, **kwargs) -> str:
        registry.register(registry.Kind(name, fn, kwargs.pop("title", name), **kwargs))
        names.append(name)
        return name
    yield make
    for name in names:
        registry.unregister(name)


def _job(job_id: int) -> Job:
    db.session.expire_all()
    return db.session.get(Job, job_id)


def test_a_job_runs_to_done_with_its_file_for_its_owner_alone(app, client, auth, district,
                                                               inline):
    with app.app_context():
        job = enqueue("jobs.selftest", {"steps": 3, "seconds": 0}, owner=district["learner"])
        job = _job(job.id)
        assert (job.state, job.done, job.total, job.attempts) == ("done", 3, 3, 1)
        assert job.result_name == f"selftest-{job.id}.txt" and job.lease_token is None
        job_id = job.id
    auth.login("learn")
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "<progress" in page and f"/jobs/{job_id}/download" in page
    status = client.get(f"/jobs/{job_id}.json").get_json()
    assert status["state"] == "done" and status["done"] == status["total"] == 3
    got = client.get(f"/jobs/{job_id}/download")
    assert got.status_code == 200 and got.data.startswith(b"step 1 of 3\n")
    assert "attachment" in got.headers["Content-Disposition"]
    assert f"/jobs/{job_id}" in client.get("/jobs/").get_data(as_text=True)
    auth.logout()
    auth.login("c1")  # another cadre: the job does not exist for them
    for url in (f"/jobs/{job_id}", f"/jobs/{job_id}.json", f"/jobs/{job_id}/download"):
        assert client.get(url).status_code == 404
    assert f"/jobs/{job_id}" not in client.get("/jobs/").get_data(as_text=True)


def test_the_same_request_twice_is_the_same_job(app, district, kind, held):
    kind("t.noop", lambda run: None)
    with app.app_context():
        first = enqueue("t.noop", {"year": 2026}, owner=district["learner"])
        again = enqueue("t.noop", {"year": 2026}, owner=district["learner"])
        other = enqueue("t.noop", {"year": 2025}, owner=district["learner"])
        someone = enqueue("t.noop", {"year": 2026}, owner=district["cadre_jd01"])
        keyed = enqueue("t.noop", {"year": 1}, key="k")
        keyed_again = enqueue("t.noop", {"year": 2}, key="k")
        assert first.id == again.id and keyed.id == keyed_again.id
        assert len({first.id, other.id, someone.id, keyed.id}) == 4
        assert held == [first.id, other.id, someone.id, keyed.id]  # each handed out once


def test_a_job_nobody_has_taken_says_so(app, client, auth, district, kind, held):
    kind("t.waiting", lambda run: None)
    with app.app_context():
        job_id = enqueue("t.waiting", {}, owner=district["learner"]).id
    auth.login("learn")
    assert client.get(f"/jobs/{job_id}.json").get_json()["message"] == ""
    with app.app_context():
        db.session.execute(update(Job).where(Job.id == job_id).values(
            created_at=utcnow() - timedelta(minutes=2)))
        db.session.commit()
    status = client.get(f"/jobs/{job_id}.json?lang=en").get_json()
    assert status["state"] == "queued" and "No worker has started this job yet" in \
        status["message"]


def test_a_finished_job_answers_while_fresh_and_a_failed_one_never(app, district, kind, inline):
    outcomes = iter([JobError("Nothing to export."), None, None])

    def flaky(run):
        outcome = next(outcomes)
        if outcome:
            raise outcome
        return "ok"
    kind("t.flaky", flaky, fresh_for=60)
    with app.app_context():
        failed = enqueue("t.flaky", {}, owner=district["learner"])
        assert (_job(failed.id).state, _job(failed.id).error) == ("failed", "Nothing to export.")
        done = enqueue("t.flaky", {}, owner=district["learner"])  # the failed one is retired
        assert done.id != failed.id and _job(done.id).state == "done"
        assert enqueue("t.flaky", {}, owner=district["learner"]).id == done.id  # fresh
        db.session.execute(update(Job).where(Job.id == done.id).values(
            finished_at=utcnow() - timedelta(seconds=61)))
        db.session.commit()
        newer = enqueue("t.flaky", {}, owner=district["learner"])
        assert newer.id not in (done.id, failed.id) and _job(newer.id).summary == "ok"
        assert _job(failed.id).key.endswith(f"#{failed.id}")  # kept, with its page


def test_an_unexpected_error_fails_the_job_with_a_plain_sentence(app, district, kind, inline):
    def broken(run):
        raise RuntimeError("boom")
    kind("t.broken", broken)
    with app.app_context():
        job = _job(enqueue("t.broken", {}, owner=district["learner"]).id)
        assert job.state == "failed" and "意外错误" in job.error  # in the owner's language
        assert "boom" not in job.error


def _attempt(job_id: int) -> runner.JobRun:
    """An attempt as a worker starts it: the claim and the run's handle (no lease thread)."""
    token = runner.claim(job_id)
    assert token is not None
    return runner.JobRun(_job(job_id), token, SimpleNamespace(lost=False))


def _expire(job_id: int) -> None:
    with db.engine.begin() as conn:
        conn.execute(update(Job.__table__).where(Job.__table__.c.id == job_id).values(
            lease_until=utcnow() - timedelta(seconds=1)))


def test_an_attempt_whose_lease_was_taken_over_cannot_write(app, district, kind, held,
                                                            monkeypatch):
    kind("t.manual", lambda run: None)
    monkeypatch.setitem(app.config, "LMS_JOB_PROGRESS_SECONDS", 0)  # every report written
    with app.app_context():
        job_id = enqueue("t.manual", {}, owner=district["learner"]).id
        first = _attempt(job_id)
        first.progress(1, 4, "one")
        assert runner.claim(job_id) is None  # a live lease is not taken over
        _expire(job_id)  # the first attempt's worker stalls past its lease...
        second = _attempt(job_id)  # ...and another takes the job over
        with pytest.raises(LeaseLost):
            first.progress(2, 4, "two")
        # The stalled attempt's data change and result are rolled back together.
        db.session.scalar(select(Unit).where(Unit.code == "JD02")).name = "changed meanwhile"
        with pytest.raises(LeaseLost):
            runner.finish(first, Output("a.txt", "text/plain", data=b"first"))
        assert db.session.scalar(select(Unit.name).where(Unit.code == "JD02")) == "东湖街道"
        assert runner.fail(job_id, first.token, "too late") is False
        second.progress(4, 4, "four")
        runner.finish(second, Output("b.txt", "text/plain", data=b"second"))
        job = _job(job_id)
        assert (job.state, job.attempts, job.result_name, job.error) == ("done", 2, "b.txt",
                                                                        None)


def test_a_job_whose_worker_died_is_retried_then_failed_after_its_attempts(app, district,
                                                                            kind, held):
    calls = []
    kind("t.count", lambda run: calls.append(run.attempt) or "counted")
    with app.app_context():
        job_id = enqueue("t.count", {}, owner=district["learner"]).id
        _attempt(job_id)  # a worker takes it and is killed: nobody renews the lease
        assert sweep(only=job_id) == {"requeued": 0, "failed": 0, "redispatched": 0}
        _expire(job_id)
        assert sweep(only=job_id)["requeued"] == 1
        job = _job(job_id)
        assert (job.state, job.lease_token, held) == ("queued", None, [job_id, job_id])
        assert runner.run_job(app, job_id) == "done"  # the next worker
        job = _job(job_id)
        assert (job.state, job.attempts, job.summary, calls) == ("done", 2, "counted", [2])
        assert runner.run_job(app, job_id) == "skipped"  # handed out twice: done once

        other_id = enqueue("t.count", {"n": 2}, owner=district["learner"]).id
        for attempt in (1, 2, 3):  # killed on every attempt
            _attempt(other_id)
            _expire(other_id)
            assert sweep(only=other_id)["failed" if attempt == 3 else "requeued"] == 1
        job = _job(other_id)
        assert job.state == "failed" and job.attempts == 3 and "3" in job.error
        assert runner.claim(other_id) is None and calls == [2]


def test_the_scheduler_enqueues_each_slot_once_a_day(app, inline):
    with app.app_context():
        app.config.update(LMS_SCHEDULE_ASSIGNMENTS_SYNC="01:30",
                          LMS_SCHEDULE_RECORDS_RECOMPUTE="")
        try:
            # 01:00 and 02:00 in Beijing (UTC+8) on 5 December.
            assert schedule.tick(datetime(2026, 12, 4, 17, 0)) == []
            first = schedule.tick(datetime(2026, 12, 4, 18, 0))
            again = schedule.tick(datetime(2026, 12, 4, 20, 0))  # a second scheduler
            next_day = schedule.tick(datetime(2026, 12, 5, 18, 0))
        finally:
            app.config.update(LMS_SCHEDULE_ASSIGNMENTS_SYNC="01:30",
                              LMS_SCHEDULE_RECORDS_RECOMPUTE="02:00")
        assert [j.id for j in first] == [j.id for j in again]
        assert len(next_day) == 1 and next_day[0].id != first[0].id
        jobs = db.session.scalars(select(Job).order_by(Job.id)).all()
        assert [(j.kind, j.key, j.state) for j in jobs] == [
            ("assignments.sync", "schedule:2026-12-05", "done"),
            ("assignments.sync", "schedule:2026-12-06", "done")]
        assert jobs[0].owner_id is None and jobs[0].summary


def test_a_wrong_schedule_time_is_refused():
    assert schedule.parse_time(" 2:05 ").hour == 2 and schedule.parse_time("") is None
    with pytest.raises(ValueError, match="25:00"):
        schedule.parse_time("25:00")


def test_with_redis_out_of_reach_the_job_runs_in_this_process(app, district, monkeypatch):
    """Redis configured but down: the person who asked still gets their job (run by the web
    process's threads), never an error."""
    from lms.core import shared

    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens
    monkeypatch.setitem(app.config, "LMS_JOBS_MODE", "")
    app.extensions.pop(shared._EXT, None)
    try:
        with app.app_context():
            job_id = enqueue("jobs.selftest", {"steps": 1, "seconds": 0},
                             owner=district["learner"]).id
            deadline = time.monotonic() + 10
            while _job(job_id).state != "done" and time.monotonic() < deadline:
                time.sleep(0.05)
            assert (_job(job_id).state, _job(job_id).attempts) == ("done", 1)
    finally:
        app.extensions.pop(shared._EXT, None)
