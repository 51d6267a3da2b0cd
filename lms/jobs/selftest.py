"""A harmless job kind that counts slowly and writes what it counted: `flask jobs selftest`
shows that a worker picks jobs up, and the worker-killed drill kills a worker in its middle."""
from __future__ import annotations

import time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.jobs.registry import job_kind
from lms.jobs.runner import JobRun, Output


@job_kind("jobs.selftest", title=_l("Self-test job"), fresh_for=0)
def count(run: JobRun) -> Output:
    """Count to `steps`, `seconds` a step; the file holds one line per step."""
    steps = max(1, min(int(run.params.get("steps", 10)), 10_000))
    seconds = max(0.0, min(float(run.params.get("seconds", 0.5)), 60.0))
    lines = []
    for step in range(1, steps + 1):
        time.sleep(seconds)
        lines.append(f"step {step} of {steps}\n")
        run.progress(step, steps, _("Step %(n)d of %(total)d", n=step, total=steps))
    return Output(f"selftest-{run.job_id}.txt", "text/plain; charset=utf-8",
                  data="".join(lines).encode(), summary=_("%(n)d steps", n=steps))
