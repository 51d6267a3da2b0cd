"""A person's own jobs: the list, a job's page with its progress bar (kept up to date by
static/js/jobs.js from the JSON), and its result to download. Only the job's owner sees any
of it: anyone else gets 404, on every view."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, jsonify, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from lms.core.pagination import paginate
from lms.core.storage import serve
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.jobs import registry
from lms.jobs.models import Job
from lms.jobs.queue import mode
from lms.jobs.services import own_jobs
from lms.org import permissions

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

STATE_TEXT = {"queued": _l("Waiting to start"), "running": _l("Running"),
              "done": _l("Done"), "failed": _l("Failed")}


def _own_or_404(job_id: int) -> Job:
    job = db.session.get(Job, job_id)
    permissions.require(job is not None and permissions.owns_job(job))
    return job


def label(job: Job) -> str:
    """The job in words: its kind's title and what it is about."""
    kind = registry.get(job.kind)
    return kind.label(job.params or {}) if kind else job.kind


WAITING = timedelta(seconds=60)  # queued this long: the page says no worker has taken it


def status(job: Job) -> dict:
    """What the page shows, for the page and for its script."""
    message = job.message or ""
    if job.state == "queued" and not message and job.created_at < utcnow() - WAITING:
        message = _("No worker has started this job yet; it starts as soon as one is free.")
    return {
        "id": job.id, "state": job.state, "state_text": str(STATE_TEXT[job.state]),
        "done": job.done, "total": job.total, "message": message,
        "summary": job.summary or "", "error": job.error or "",
        "download": url_for("jobs.download", job_id=job.id)
        if job.state == "done" and job.result_sha256 else None,
        "filename": job.result_name or "",
    }


def _revive(job: Job) -> None:
    """Without a worker (no Redis), a job left behind by a restart of this process is
    handed out again when someone looks at it."""
    if mode() != "rq" and not job.finished:
        from lms.jobs.sweeper import sweep

        sweep(only=job.id)
        db.session.refresh(job)


@bp.route("/")
@login_required
def mine():
    page = paginate(own_jobs(current_user.id))
    return render_template("jobs/list.html", page=page, label=label, states=STATE_TEXT)


@bp.route("/<int:job_id>")
@login_required
def page(job_id: int):
    job = _own_or_404(job_id)
    _revive(job)
    return render_template("jobs/page.html", job=job, label=label(job), s=status(job))


@bp.route("/<int:job_id>.json")
@login_required
def state(job_id: int):
    job = _own_or_404(job_id)
    _revive(job)
    response = jsonify(status(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<int:job_id>/download")
@login_required
def download(job_id: int):
    job = _own_or_404(job_id)
    permissions.require(job.state == "done" and job.result_sha256 is not None)
    return serve.answer(job.result_sha256, mime=job.result_mime or "application/octet-stream",
                        filename=job.result_name or _("result"))
