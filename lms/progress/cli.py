"""`flask assignments sync`: reach cadres who have come to belong to an audience by time alone."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.progress.assignments import reach_new_members

assignments_cli = AppGroup("assignments", help="Course assignments.")


@assignments_cli.command("sync")
def sync() -> None:
    """Assign open audience assignments to every cadre now in their audience.

    Joining by a change (a new cadre, an edit, a move) is handled at once; the scheduler
    (`flask jobs scheduler`, LMS_SCHEDULE_ASSIGNMENTS_SYNC) runs the same each day as a job,
    for cadres who enter an age range on their birthday.
    """
    click.echo(f"assignments: {reach_new_members()} cadres reached")
