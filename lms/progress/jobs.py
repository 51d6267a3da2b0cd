"""Job kinds of course assignments: the daily `assignments sync` (scheduled)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.jobs import JobRun, job_kind
from lms.progress.assignments import reach_new_members


@job_kind("assignments.sync", title=_l("Assignments reaching new members"), fresh_for=None,
          describe=lambda params: params.get("day", ""))
def sync(run: JobRun) -> str:
    """What `flask assignments sync` does. Idempotent: a cadre already covered is skipped,
    so an attempt cut short and retried gives each cadre the assignment once."""
    run.progress(0, 1)
    reached = reach_new_members()
    return _("%(n)d cadres reached", n=reached)
