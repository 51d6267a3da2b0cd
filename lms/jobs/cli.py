"""`flask jobs worker`, `flask jobs scheduler`, `flask jobs sweep`, `flask jobs selftest`."""
from __future__ import annotations

import sys
import threading

import click
from flask import current_app
from flask.cli import AppGroup

from lms.core import shared
from lms.extensions import db
from lms.jobs import queue, schedule
from lms.jobs.runner import settings

jobs_cli = AppGroup("jobs", help="Background jobs: the worker, the scheduler.")


def _sweeper(app, stop: threading.Event, with_schedule: bool) -> None:
    """Sweep (and tick the schedule) every half lease until `stop`."""
    from lms.jobs.sweeper import sweep

    every = max(settings(app)[0] / 2, 1)
    while not stop.wait(every):
        with app.app_context():
            try:
                sweep()
                if with_schedule:
                    schedule.tick()
            except Exception:
                app.logger.warning("jobs: sweep failed", exc_info=True)
            finally:
                db.session.remove()


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@click.option("--with-scheduler", is_flag=True,
              help="Also enqueue the scheduled jobs (LMS_SCHEDULE_*) at their times.")
def worker(burst: bool, with_scheduler: bool) -> None:
    """Run queued jobs from Redis (REDIS_URL), one at a time, sweeping up after workers that
    died. Start as many as the machine has cores for."""
    app = current_app._get_current_object()
    if shared.client(app) is None:
        click.echo("No REDIS_URL: jobs run inside the web process; no worker is needed.",
                   err=True)
        sys.exit(1)
    rq = queue.rq_module(app)
    from lms.jobs.sweeper import sweep

    sweep()  # jobs left by a worker that died while none was running
    db.session.remove()
    stop = threading.Event()
    helper = threading.Thread(target=_sweeper, args=(app, stop, with_scheduler), daemon=True,
                              name="lms-jobs-sweeper")
    helper.start()
    try:
        # SimpleWorker runs each job in this process (no fork): the app, its connection
        # pools and its context stay as they are; the lease does the bookkeeping.
        rq.SimpleWorker([queue.rq_queue(app)], connection=shared.client(app)).work(
            burst=burst, logging_level="WARNING")
    finally:
        stop.set()


@jobs_cli.command("scheduler")
def scheduler() -> None:
    """Enqueue the scheduled jobs (LMS_SCHEDULE_*) at their local times, and sweep. Several
    schedulers may run: each day's job is enqueued once."""
    app = current_app._get_current_object()
    chosen = schedule.slots(app)
    for kind, at in chosen:
        click.echo(f"scheduler: {kind} daily at {at:%H:%M}")
    if not chosen:
        click.echo("scheduler: nothing is scheduled (LMS_SCHEDULE_* are empty)")
    schedule.loop(app, threading.Event())


@jobs_cli.command("sweep")
def sweep_command() -> None:
    """Requeue (or fail) jobs whose worker died; print the counts."""
    from lms.jobs.sweeper import sweep

    counts = sweep()
    click.echo("jobs: " + ", ".join(f"{n} {what}" for what, n in counts.items()))


@jobs_cli.command("selftest")
@click.option("--steps", type=click.IntRange(1, 10_000), default=10)
@click.option("--seconds", type=click.FloatRange(0, 60), default=0.5,
              help="Seconds each step takes.")
@click.option("--key", default=None, help="Idempotency key (default: a new job each time).")
def selftest(steps: int, seconds: float, key: str | None) -> None:
    """Enqueue a self-test job (counts to STEPS, writes a text file): proves that a worker
    picks jobs up. Prints the job's id."""
    import secrets

    from lms.jobs.services import enqueue

    job = enqueue("jobs.selftest", {"steps": steps, "seconds": seconds},
                  key=key or secrets.token_hex(8))
    click.echo(f"job {job.id}: {job.state}")
