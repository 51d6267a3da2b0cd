"""The pages activity types add for lecturers (`ActivityType.lecturer_views`): one route for
every type, which checks who may read learners' answers and hands the type every learner's
state in the activity, streamed from the database in batches (a course of 50,000 learners is
never loaded whole: the type aggregates as it reads)."""
from __future__ import annotations

from collections.abc import Iterator

from flask import Blueprint, abort, render_template, stream_with_context, url_for
from flask_login import login_required
from sqlalchemy import select

from lms.activities.base import SEALED, ActivityType, LearnerState, LecturerView
from lms.activities.registry import registry
from lms.auth.models import User
from lms.catalog.models import Activity, ActivityState
from lms.core import xlsx_stream
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import permissions
from lms.org.models import CadreProfile, Unit
from lms.org.tabular import download

bp = Blueprint("activity_pages", __name__, url_prefix="/teach")
BATCH = 1000  # states read from the database at a time


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user; each then checks the course."""


def _page_or_404(activity_id: int, page: str) -> tuple[Activity, ActivityType, LecturerView]:
    """The activity and its type's page named `page`, when the user reads the course's
    answers (its lecturers and the organisation department; a sealed type's, its lecturers
    only); 404 otherwise."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or not permissions.reads_responses(activity.course):
        abort(404)
    kind = registry().get(activity.type_key)
    view = next((v for v in kind.lecturer_views() if v.name == page), None) if kind else None
    if kind is None or view is None:
        abort(404)
    if kind.supports(SEALED) and not permissions.teaches(activity.course):
        abort(404)  # a sealed type's pages may show its questions: its authors only
    return activity, kind, view


def learner_states(activity_id: int) -> Iterator[LearnerState]:
    """Every learner's state in the activity with their name and unit, in one query read in
    batches of BATCH rows."""
    stmt = (select(ActivityState.user_id, User.name, Unit.name, ActivityState.state,
                   ActivityState.completed_at, ActivityState.updated_at)
            .join(User, User.id == ActivityState.user_id)
            .outerjoin(CadreProfile, CadreProfile.user_id == User.id)
            .outerjoin(Unit, Unit.id == CadreProfile.unit_id)
            .where(ActivityState.activity_id == activity_id)
            .order_by(ActivityState.id)
            .execution_options(yield_per=BATCH))
    for row in db.session.execute(stmt):
        yield LearnerState(row[0], row[1], row[2], row[3] or {}, row[4], row[5])


@bp.route("/activities/<int:activity_id>/pages/<page>")
def page(activity_id: int, page: str):
    activity, kind, view = _page_or_404(activity_id, page)
    context = view.view(activity, activity.config, learner_states(activity.id))
    table_url = url_for(".table", activity_id=activity.id, page=view.name) \
        if view.table else None
    return render_template("teach/activity_page.html", **context, activity=activity,
                           course=activity.course, kind=kind, page=view, table_url=table_url,
                           body=f"activity-{kind.key}/{view.template}")


@bp.route("/activities/<int:activity_id>/pages/<page>/export.xlsx")
def table(activity_id: int, page: str):
    """The page's spreadsheet, streamed as the states are read."""
    activity, _kind, view = _page_or_404(activity_id, page)
    if view.table is None:
        abort(404)
    headers, rows = view.table(activity, activity.config, learner_states(activity.id))
    title = xlsx_stream.title_line(f"{activity.course.title} · {activity.title} · {view.label}")
    chunks = xlsx_stream.stream(headers, rows, sheet=str(view.label), title=title)
    name = f"{activity.title}-{view.label}-{local_today().isoformat()}.xlsx"
    return download(stream_with_context(chunks), name)
