"""Running one attempt of a job: take the lease, run the kind's function as the job's owner,
report progress, and write the result and `done` in one conditional update.

Only the attempt holding the lease writes: every write of an attempt says
`WHERE id = :job AND lease_token = :mine AND state = 'running'`. An attempt whose lease ran out
and was taken over by another (its worker was killed, or stalled past the lease) matches no
row any more: its progress reports raise `LeaseLost`, and so does its final write, which is
rolled back with whatever the job changed in the same session. So a job is done once.

The lease is renewed by a small thread while the attempt runs (every third of
`LMS_JOB_LEASE_SECONDS`); a worker killed with SIGKILL stops renewing, the lease runs out and
the sweeper (`lms.jobs.sweeper`) hands the job to another worker.
"""
from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from flask import Flask, current_app, g
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, update

from lms.auth.models import User
from lms.core.storage import storage
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.jobs import registry
from lms.jobs.models import Job

log = logging.getLogger(__name__)
_TABLE = Job.__table__


class LeaseLost(Exception):
    """This attempt no longer holds the job's lease: another attempt has taken it over (or
    the job was marked failed); nothing more may be written."""


class JobError(Exception):
    """A failure to tell the job's owner in one plain sentence (already translated): the job
    is marked failed with it and not tried again. `details` (JSON) may say more, for the
    job's page: {"problems": [[row, column, message], ...], "sheet": bool} lists an import's
    problems as the import pages do."""

    def __init__(self, sentence: str, details: dict | None = None):
        super().__init__(sentence)
        self.details = details


@dataclass
class Output:
    """A file a job produced: given as `data` (bytes) or `chunks` (an iterable of bytes, for
    large files written as they are made). `summary` is a short line shown beside it."""

    filename: str
    mime: str
    data: bytes | None = None
    chunks: Iterable[bytes] | None = None
    summary: str = ""

    def store(self) -> tuple[str, int]:
        """Store the file in the media store; (sha256, size)."""
        return storage().store(self.chunks if self.chunks is not None else [self.data or b""])


def settings(app: Flask | None = None) -> tuple[int, int]:
    """(lease seconds, attempts allowed)."""
    cfg = (app or current_app).config
    return int(cfg.get("LMS_JOB_LEASE_SECONDS", 30)), int(cfg.get("LMS_JOB_ATTEMPTS", 3))


class JobRun:
    """What a kind's function is given: the job's `params`, `owner` (a User, or None for a
    scheduled job), `unit_id`, and `progress(...)` to report how far it has come.

    The function runs in a request context of its own, signed in as the owner and in the
    owner's language, so `current_user`, `url_for`, `_()` and templates work as in a view.
    """

    def __init__(self, job: Job, token: str, renewer: _Renewer):
        self.job_id = job.id
        self.kind = job.kind
        self.params: dict = dict(job.params or {})
        self.unit_id = job.unit_id
        self.attempt = job.attempts
        self.owner: User | None = db.session.get(User, job.owner_id) if job.owner_id else None
        self.token = token
        self._renewer = renewer
        self._last = 0.0
        self._every = float(current_app.config.get("LMS_JOB_PROGRESS_SECONDS", 0.5))
        self.after_done: list = []  # functions called once `done` has committed

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        """Report `done` of `total` steps (and a short message). Written at most every
        `LMS_JOB_PROGRESS_SECONDS` (the last step always), on a connection of its own, so it
        never commits the job's work. Raises `LeaseLost` when another attempt has taken the
        job over: the function should let it propagate."""
        if self._renewer.lost:
            raise LeaseLost
        now = time.monotonic()
        last_step = total is not None and done >= total
        if now - self._last < self._every and not last_step:
            return
        self._last = now
        lease, _attempts = settings()
        values: dict = {"done": done, "lease_until": utcnow() + timedelta(seconds=lease)}
        if total is not None:
            values["total"] = total
        if message is not None:
            values["message"] = message[:200]
        with db.engine.begin() as conn:
            written = conn.execute(update(_TABLE).where(*_mine(self.job_id, self.token))
                                   .values(**values)).rowcount
        if written != 1:
            raise LeaseLost

    def check(self) -> None:
        """Raise `LeaseLost` when the lease was lost (for long steps without progress)."""
        if self._renewer.lost:
            raise LeaseLost


def _mine(job_id: int, token: str) -> tuple:
    return (_TABLE.c.id == job_id, _TABLE.c.lease_token == token, _TABLE.c.state == "running")


def claim(job_id: int) -> str | None:
    """Start an attempt: take the lease of a queued job, or of a running one whose lease ran
    out, while attempts remain. Returns the attempt's token, or None (done, failed, held by
    a live attempt, or out of attempts)."""
    lease, attempts = settings()
    now = utcnow()
    token = secrets.token_hex(16)
    with db.engine.begin() as conn:
        taken = conn.execute(
            update(_TABLE)
            .where(_TABLE.c.id == job_id, _TABLE.c.attempts < attempts,
                   or_(_TABLE.c.state == "queued",
                       and_(_TABLE.c.state == "running", _TABLE.c.lease_until < now)))
            .values(state="running", attempts=_TABLE.c.attempts + 1, lease_token=token,
                    lease_until=now + timedelta(seconds=lease),
                    started_at=func.coalesce(_TABLE.c.started_at, now))).rowcount
    return token if taken == 1 else None


def _renew(job_id: int, token: str) -> bool:
    lease, _attempts = settings()
    with db.engine.begin() as conn:
        return conn.execute(update(_TABLE).where(*_mine(job_id, token)).values(
            lease_until=utcnow() + timedelta(seconds=lease))).rowcount == 1


class _Renewer(threading.Thread):
    """Renews the attempt's lease every third of the lease while the attempt runs."""

    def __init__(self, app: Flask, job_id: int, token: str):
        super().__init__(daemon=True, name=f"lms-job-lease-{job_id}")
        self.app, self.job_id, self.token = app, job_id, token
        self.lost = False
        self.stopped = threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            every = max(settings()[0] / 3, 0.2)
            while not self.stopped.wait(every):
                try:
                    if not _renew(self.job_id, self.token):
                        self.lost = True
                        return
                except Exception:  # the database away for a moment: try again next time
                    log.warning("job %s: lease not renewed", self.job_id, exc_info=True)
                finally:
                    db.session.remove()


def finish(run: JobRun, out: Output | str | None) -> None:
    """Write the result and `done` in one conditional update, in the session's transaction:
    what the job changed in that session commits with it, or not at all (`LeaseLost`)."""
    now = utcnow()
    values: dict = {"state": "done", "finished_at": now, "lease_token": None,
                    "lease_until": None, "done": func.coalesce(_TABLE.c.total, _TABLE.c.done),
                    "message": ""}
    if isinstance(out, Output):
        sha, size = out.store()
        values.update(result_sha256=sha, result_size=size, result_name=out.filename[:200],
                      result_mime=out.mime[:100], summary=out.summary[:200])
    elif isinstance(out, str):
        values["summary"] = out[:200]
    written = db.session.execute(update(_TABLE).where(*_mine(run.job_id, run.token))
                                 .values(**values)).rowcount
    if written != 1:
        db.session.rollback()
        raise LeaseLost
    db.session.commit()


def fail(job_id: int, token: str, sentence: str, details: dict | None = None) -> bool:
    """Mark the attempt's job failed with a sentence for its owner (if it still holds it)."""
    with db.engine.begin() as conn:
        return conn.execute(update(_TABLE).where(*_mine(job_id, token)).values(
            state="failed", error=sentence, details=details, finished_at=utcnow(),
            lease_token=None, lease_until=None)).rowcount == 1


@contextmanager
def as_owner(app: Flask, job: Job) -> Iterator[None]:
    """A request context signed in as the job's owner (anonymous for a scheduled job), in
    the language the job was asked for, at the site's address."""
    base = app.config.get("LMS_SITE_URL") or "http://localhost"
    language = "en" if job.locale.startswith("en") else "zh-CN"
    with app.test_request_context("/", base_url=base, headers={"Accept-Language": language}):
        owner = db.session.get(User, job.owner_id) if job.owner_id else None
        g._login_user = owner or app.login_manager.anonymous_user()
        with force_locale(job.locale):
            yield


def run_job(app: Flask, job_id: int) -> str:
    """Run one attempt of the job, if it can be claimed. Returns what happened: "done",
    "failed", "lost" (the lease was taken over) or "skipped" (not claimable)."""
    with app.app_context():
        try:
            token = claim(job_id)
            if token is None:
                return "skipped"
            job = db.session.get(Job, job_id)
            kind = registry.get(job.kind)
            renewer = _Renewer(app, job_id, token)
            renewer.start()
            try:
                with as_owner(app, job):
                    if kind is None:
                        fail(job_id, token, _("This kind of job is no longer known to the "
                                              "platform; it was not run."))
                        return "failed"
                    return _attempt(kind, JobRun(job, token, renewer))
            finally:
                renewer.stopped.set()
        finally:
            db.session.remove()


def _attempt(kind: registry.Kind, run: JobRun) -> str:
    try:
        out = kind.run(run)
        run.check()
        finish(run, out)
        _after_done(run)
        return "done"
    except LeaseLost:
        db.session.rollback()
        log.warning("job %s: attempt %s lost its lease; its work was not written",
                    run.job_id, run.attempt)
        return "lost"
    except JobError as refusal:
        db.session.rollback()
        fail(run.job_id, run.token, str(refusal), refusal.details)
        return "failed"
    except Exception:
        db.session.rollback()
        log.exception("job %s (%s) failed", run.job_id, run.kind)
        fail(run.job_id, run.token, _("The job stopped on an unexpected error; the "
                                      "administrators can find it in the server's log."))
        return "failed"


def _after_done(run: JobRun) -> None:
    """What the kind asked to do once its work has committed (e.g. tell other modules which
    cadres changed). Never undoes the job: a failure here is logged; work whose loss a
    nightly job repairs (statuses, assignments) belongs here, nothing else."""
    for fn in run.after_done:
        try:
            fn()
        except Exception:
            db.session.rollback()
            log.exception("job %s: a step after done failed", run.job_id)


def perform(job_id: int) -> str:
    """The function an RQ worker calls (inside the worker command's app context)."""
    return run_job(current_app._get_current_object(), job_id)  # type: ignore[attr-defined]
