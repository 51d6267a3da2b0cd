"""Job kinds of the learning record: the scheduled recompute of requirement statuses."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.jobs import JobRun, job_kind
from lms.records import rules


@job_kind("records.recompute", title=_l("Requirement statuses recomputed"), fresh_for=None,
          describe=lambda params: params.get("day", ""))
def recompute(run: JobRun) -> str:
    """What `flask records recompute` does; its changes commit with the job's `done` mark,
    so an attempt cut short leaves nothing half-written."""
    run.progress(0, 1)
    count = rules.recompute_all(None)
    return _("%(n)d requirement statuses recomputed", n=count)
