"""Jobs whose worker died: a running job whose lease ran out goes back to the queue (or is
marked failed once its attempts are used up), and a queued job that nobody picked up for a
while is handed out again. Run by every worker, by the scheduler, and without Redis by the
web process when a job's page is looked at. Every change is conditional on what was seen,
so several sweepers at once do each thing once."""
from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.jobs.models import Job
from lms.jobs.queue import dispatch
from lms.jobs.runner import settings

_TABLE = Job.__table__


def _requeue_after() -> timedelta:
    """How long a queued job waits before it is handed out again."""
    lease, _attempts = settings()
    return timedelta(seconds=max(2 * lease, int(current_app.config.get(
        "LMS_JOB_REQUEUE_SECONDS", 120))))


def sweep(only: int | None = None) -> dict[str, int]:
    """Requeue or fail the running jobs whose lease ran out, hand out again the queued jobs
    left waiting; `only` limits it to one job. Returns counts."""
    now = utcnow()
    _lease, attempts = settings()
    counts = {"requeued": 0, "failed": 0, "redispatched": 0}
    expired = select(_TABLE.c.id, _TABLE.c.attempts, _TABLE.c.locale).where(
        _TABLE.c.state == "running", _TABLE.c.lease_until < now)
    waiting = select(_TABLE.c.id).where(
        _TABLE.c.state == "queued",
        or_(_TABLE.c.dispatched_at.is_(None), _TABLE.c.dispatched_at < now - _requeue_after()))
    if only is not None:
        expired = expired.where(_TABLE.c.id == only)
        waiting = waiting.where(_TABLE.c.id == only)
    stopped = db.session.execute(expired.limit(500)).all()
    left = [row[0] for row in db.session.execute(waiting.limit(500))]
    db.session.rollback()
    for job_id, tried, locale in stopped:
        seen = (_TABLE.c.id == job_id, _TABLE.c.state == "running", _TABLE.c.lease_until < now,
                _TABLE.c.attempts == tried)
        if tried >= attempts:
            with force_locale(locale):
                sentence = _("The job was stopped %(n)d times before it could finish (the "
                             "worker running it stopped); it was not tried again.", n=tried)
            with db.engine.begin() as conn:
                counts["failed"] += conn.execute(update(_TABLE).where(*seen).values(
                    state="failed", error=sentence, finished_at=now, lease_token=None,
                    lease_until=None)).rowcount
            continue
        with force_locale(locale):
            sentence = _("Started again: the worker running it stopped.")
        with db.engine.begin() as conn:
            moved = conn.execute(update(_TABLE).where(*seen).values(
                state="queued", lease_token=None, lease_until=None, message=sentence,
                dispatched_at=now)).rowcount
        if moved:
            counts["requeued"] += 1
            dispatch(job_id)
    for job_id in left:
        with db.engine.begin() as conn:
            moved = conn.execute(update(_TABLE).where(
                _TABLE.c.id == job_id, _TABLE.c.state == "queued").values(
                dispatched_at=now)).rowcount
        if moved:
            counts["redispatched"] += 1
            dispatch(job_id)
    return counts
