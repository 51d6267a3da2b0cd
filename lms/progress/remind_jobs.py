"""Job kind of reminders to many people: the completion report's "remind those not
completed". The recipients the sender confirmed are reminded in batches, each batch committed
with the job's progress in one conditional update (only the attempt holding the lease can
commit a batch); a retried attempt skips whoever was already reminded today (the notices'
own rule), so nobody is reminded twice."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from lms.catalog.models import Course
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.jobs import JobError, JobRun, LeaseLost, job_kind
from lms.jobs.models import Job
from lms.jobs.runner import settings
from lms.org import permissions
from lms.progress import notices

BATCH = 500  # reminders written and committed together


def commit_batch(run: JobRun, done: int, total: int) -> None:
    """Commit the session's batch together with the job's progress, if this attempt still
    holds the lease; otherwise roll the batch back and raise LeaseLost. (In the session's
    own transaction, so it also works where one writer at a time is the rule: SQLite.)"""
    table = Job.__table__
    lease, _attempts = settings()
    written = db.session.execute(update(table).where(
        table.c.id == run.job_id, table.c.lease_token == run.token,
        table.c.state == "running").values(
        done=done, total=total, lease_until=utcnow() + timedelta(seconds=lease))).rowcount
    if written != 1:
        db.session.rollback()
        raise LeaseLost
    db.session.commit()


def _describe(params: dict) -> str:
    return _("%(n)d recipients", n=len(params.get("users", [])))


@job_kind("progress.remind", title=_l("Remind those not completed"), describe=_describe,
          fresh_for=0)
def remind(run: JobRun) -> str:
    if not permissions.can_anywhere("course.assign"):
        raise JobError(_("You may no longer remind cadres about courses."))
    course = db.session.get(Course, run.params["course"])
    if course is None:
        raise JobError(_("The course no longer exists; nothing was sent."))
    users = [int(u) for u in run.params.get("users", [])]
    owner_id = run.owner.id if run.owner else None
    sent = 0
    run.progress(0, len(users))
    for start in range(0, len(users), BATCH):
        batch = users[start:start + BATCH]
        sent += notices.remind_some(batch, course, owner_id)
        commit_batch(run, start + len(batch), len(users))
    return _("Reminded %(n)d cadres who have not completed the course.", n=sent)
