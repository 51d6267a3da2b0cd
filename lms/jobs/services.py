"""Starting jobs and finding them: `enqueue` is the one way in."""
from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from flask import current_app, has_request_context
from flask_babel import get_locale
from sqlalchemy import String, cast, select, update
from sqlalchemy.exc import IntegrityError

from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.jobs import registry
from lms.jobs.models import Job
from lms.jobs.queue import dispatch

KEY_LENGTH = 160  # room for "#<id>" when a finished job is retired


def _id(thing) -> int | None:
    return thing if thing is None or isinstance(thing, int) else thing.id


def default_key(owner_id: int | None, params: dict) -> str:
    """The key of "this person asking for this": the owner and a digest of the params."""
    text = json.dumps(params, sort_keys=True, ensure_ascii=False, default=str)
    return f"{owner_id or '-'}:{hashlib.sha256(text.encode()).hexdigest()[:32]}"


def find(kind: str, key: str) -> Job | None:
    return db.session.scalar(select(Job).where(Job.kind == kind, Job.key == key))


def _stale(job: Job, kind: registry.Kind) -> bool:
    """A finished job that no longer answers a new request for the same thing."""
    if job.state == "failed":
        return True
    if job.state != "done" or kind.fresh_for is None:
        return False
    return job.finished_at is None or job.finished_at < utcnow() - timedelta(
        seconds=kind.fresh_for)


def _retire(job: Job) -> None:
    """Free the job's key (it keeps its page and result under "key#id")."""
    table = Job.__table__
    db.session.execute(update(table).where(table.c.id == job.id, table.c.key == job.key)
                       .values(key=table.c.key + "#" + cast(table.c.id, String)))
    db.session.commit()


def enqueue(kind: str, params: dict | None = None, *, owner=None, key: str | None = None,
            unit=None) -> Job:
    """The job of `kind` for `params` (JSON-able), started for `owner` (a User or id; None:
    the platform's own, e.g. a scheduled job) about `unit` (a Unit or id, or None).

    `key` (default: the owner and the params) makes it idempotent: while a job of this kind
    with this key is queued or running, or done less than the kind's `fresh_for` seconds ago,
    that job is returned and nothing new starts; two requests racing create one job (the
    key is unique per kind). Commits the session, then hands the job to a worker (RQ) or to
    this process's pool; never waits for it to run.
    """
    found = registry.get(kind)
    if found is None:
        raise KeyError(f"unknown job kind: {kind}")
    params = dict(params or {})
    owner_id = _id(owner)
    key = (key or default_key(owner_id, params))[:KEY_LENGTH]
    existing = find(kind, key)
    if existing is not None and _stale(existing, found):
        _retire(existing)
        existing = None
    if existing is not None:
        return existing
    locale = str(get_locale() or "") if has_request_context() else ""
    job = Job(kind=kind, key=key, owner_id=owner_id, unit_id=_id(unit), params=params,
              locale=locale or current_app.config["BABEL_DEFAULT_LOCALE"], state="queued",
              dispatched_at=utcnow())
    db.session.add(job)
    try:
        db.session.commit()
    except IntegrityError:  # someone else created it a moment ago: theirs is the job
        db.session.rollback()
        existing = find(kind, key)
        if existing is None:
            raise
        return existing
    dispatch(job.id)
    db.session.refresh(job)
    return job


def own_jobs(user_id: int):
    """A select of the person's own jobs, newest first."""
    return select(Job).where(Job.owner_id == user_id).order_by(Job.id.desc())
