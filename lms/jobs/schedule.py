"""Jobs at set times of day without an outside cron: `flask jobs scheduler` (or a worker
started with `--with-scheduler`, or, without Redis, a thread of the web process when
`LMS_SCHEDULER_IN_WEB` is on) looks every `TICK` seconds and enqueues each scheduled kind
once its local time of day has come.

The day is in the job's key (`schedule:2026-12-05`), unique per kind: two schedulers on two
machines, or one restarted, enqueue each day's job once.
"""
from __future__ import annotations

import logging
import re
import threading
from datetime import date, datetime, time

from flask import Flask, current_app

from lms.core.timeutil import local_time, utcnow
from lms.extensions import db
from lms.jobs.models import Job

log = logging.getLogger(__name__)
TICK = 30  # seconds between looks
# Setting -> job kind (declared by the packages that own the work).
SCHEDULED = {"LMS_SCHEDULE_ASSIGNMENTS_SYNC": "assignments.sync",
             "LMS_SCHEDULE_RECORDS_RECOMPUTE": "records.recompute"}
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_time(text: str | None) -> time | None:
    """"02:30" -> 02:30; empty -> None (that job is not scheduled); anything else is an error
    that stops start-up, naming the setting's value."""
    text = (text or "").strip()
    if not text:
        return None
    found = _TIME.match(text)
    if found is None:
        raise ValueError(f"not a time of day (HH:MM): {text!r}")
    return time(int(found.group(1)), int(found.group(2)))


def slots(app: Flask | None = None) -> list[tuple[str, time]]:
    """(kind, local time of day) of every scheduled job."""
    cfg = (app or current_app).config
    found = []
    for setting, kind in SCHEDULED.items():
        at = parse_time(cfg.get(setting))
        if at is not None:
            found.append((kind, at))
    return found


def slot_key(day: date) -> str:
    return f"schedule:{day.isoformat()}"


def tick(now: datetime | None = None) -> list[Job]:
    """Enqueue each scheduled kind whose time has come today and that has no job for today
    yet; returns the jobs (new or already there) of today's due slots."""
    from lms.jobs.services import enqueue

    local = local_time(now or utcnow())
    due = []
    for kind, at in slots():
        if local.time() >= at:
            due.append(enqueue(kind, {"day": local.date().isoformat()}, owner=None,
                               key=slot_key(local.date())))
    return due


def loop(app: Flask, stop: threading.Event, *, sweep: bool = True) -> None:
    """Tick (and sweep) every `TICK` seconds until `stop` is set."""
    from lms.jobs.sweeper import sweep as sweep_jobs

    while True:
        with app.app_context():
            try:
                tick()
                if sweep:
                    sweep_jobs()
            except Exception:  # the database away for a moment: look again next tick
                log.warning("scheduler: tick failed", exc_info=True)
            finally:
                db.session.remove()
        if stop.wait(TICK):
            return


def start_in_web(app: Flask) -> threading.Thread | None:
    """The scheduler as a daemon thread of this process, when `LMS_SCHEDULER_IN_WEB`."""
    if not app.config.get("LMS_SCHEDULER_IN_WEB"):
        return None
    thread = threading.Thread(target=loop, args=(app, threading.Event()), daemon=True,
                              name="lms-scheduler")
    thread.start()
    return thread
