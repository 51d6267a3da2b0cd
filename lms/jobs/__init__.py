"""Background jobs: long work (exports, PDFs, recomputes, imports) done outside the request,
on RQ workers when `REDIS_URL` is set, else in a small pool of threads of the web process.

The public API (see docs/jobs.md):
    job_kind(name, title=..., describe=..., fresh_for=...)  declare a kind (a decorator)
    enqueue(kind, params, owner=..., key=..., unit=...) -> Job  start it, or find it
    JobRun.progress(done, total, message)     report progress from inside the kind
    Output(filename, mime, data=... | chunks=..., summary=...)  the file a kind returns
    JobError(sentence)                        fail with a sentence for the owner
"""
from __future__ import annotations

from lms.jobs.registry import Kind, job_kind
from lms.jobs.runner import JobError, JobRun, LeaseLost, Output
from lms.jobs.services import enqueue

__all__ = ["Kind", "job_kind", "JobError", "JobRun", "LeaseLost", "Output", "enqueue"]


def init_app(app) -> None:
    """Declare the framework's own kind; start the in-web scheduler when configured."""
    from lms.jobs import schedule, selftest  # noqa: F401  (declares jobs.selftest)

    schedule.slots(app)  # a wrong LMS_SCHEDULE_* time stops start-up, loudly
    if app.config.get("LMS_SCHEDULER_IN_WEB") and not app.config.get("TESTING"):
        started: list = []

        @app.before_request
        def _start_scheduler() -> None:  # on the first request: not in `flask db upgrade`
            if not started:
                started.append(schedule.start_in_web(app))
