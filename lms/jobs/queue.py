"""Handing a job to whoever runs it: RQ on Redis when `REDIS_URL` is set, else a small pool
of threads in this process (one box needs nothing more). `LMS_JOBS_MODE` may force `rq`,
`threads` or `inline` (run at once, in this thread: the command line and tests).

RQ's own keys start with `LMS_REDIS_PREFIX` + "rq" (rq reads `RQ_KEY_PREFIX` when first
imported, which this module sets), and the queue is named `jobs`: several sites or test runs
share one Redis server without seeing each other's queues.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask, current_app
from redis.exceptions import RedisError

from lms.core import shared

log = logging.getLogger(__name__)
QUEUE = "jobs"
_POOL = "lms_jobs_pool"
_LOCK = threading.Lock()


def mode(app: Flask | None = None) -> str:
    """"rq", "threads" or "inline"."""
    app = app or current_app
    forced = (app.config.get("LMS_JOBS_MODE") or "").strip()
    if forced in ("rq", "threads", "inline"):
        return forced
    return "rq" if app.config.get("REDIS_URL") else "threads"


def rq_prefix(app: Flask) -> str:
    return app.config.get("LMS_REDIS_PREFIX", "lms:") + "rq"


def rq_module(app: Flask) -> Any:
    """The `rq` package, first imported with this site's key prefix."""
    if "rq" not in sys.modules:  # rq reads its prefix once, from the environment
        kept = os.environ.get("RQ_KEY_PREFIX")
        os.environ["RQ_KEY_PREFIX"] = rq_prefix(app)
        try:
            import rq  # noqa: F401
        finally:  # not inherited by the processes this one starts
            if kept is None:
                os.environ.pop("RQ_KEY_PREFIX", None)
            else:
                os.environ["RQ_KEY_PREFIX"] = kept
    import rq
    from rq import defaults

    if rq_prefix(app) != defaults.RQ_KEY_PREFIX:
        log.warning("rq was imported with key prefix %s, not %s", defaults.RQ_KEY_PREFIX,
                    rq_prefix(app))
    return rq


def rq_queue(app: Flask) -> Any:
    """The RQ queue of this site's jobs."""
    rq = rq_module(app)
    return rq.Queue(QUEUE, connection=shared.client(app),
                    default_timeout=int(app.config.get("LMS_JOB_TIMEOUT", 3600)))


def _pool(app: Flask) -> ThreadPoolExecutor:
    with _LOCK:
        pool = app.extensions.get(_POOL)
        if pool is None:
            pool = app.extensions[_POOL] = ThreadPoolExecutor(
                max_workers=int(app.config.get("LMS_JOB_THREADS", 2)),
                thread_name_prefix="lms-job")
        return pool


def dispatch(job_id: int, app: Flask | None = None) -> str:
    """Hand the job to its runner (its `dispatched_at` is set by whoever queued it); returns
    the mode used. Redis unreachable: the job runs
    in this process instead (said in the log), never an error for the person who asked.
    Dispatching a job twice is harmless: only one attempt can claim it."""
    from lms.jobs.runner import run_job

    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    how = mode(app)
    if how == "rq":
        try:
            rq_queue(app).enqueue("lms.jobs.runner.perform", job_id, result_ttl=0,
                                  failure_ttl=7 * 86400, description=f"job {job_id}")
            return how
        except RedisError:
            log.warning("job %s: Redis cannot be reached; run in this process", job_id,
                        exc_info=True)
            how = "threads"
    if how == "inline":
        run_job(app, job_id)
    else:
        _pool(app).submit(_run_logged, app, job_id)
    return how


def _run_logged(app: Flask, job_id: int) -> None:
    from lms.jobs.runner import run_job

    try:
        run_job(app, job_id)
    except Exception:  # a thread of the pool must not die silently
        log.exception("job %s: the runner failed", job_id)
