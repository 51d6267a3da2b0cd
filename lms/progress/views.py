"""Heartbeats from activity pages (learners are enrolled at their first heartbeat)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import defer, joinedload, lazyload

from lms.activities.base import TIMED
from lms.activities.registry import registry
from lms.auth.session import passive
from lms.catalog import queries as catalog_queries
from lms.catalog.models import Activity, Course
from lms.catalog.queries import course_by_slug
from lms.catalog.views import activity_page
from lms.core.pool import leave_autocommit, statement_by_statement
from lms.extensions import db
from lms.org import permissions
from lms.progress import answers as answering
from lms.progress import services
from lms.progress.models import Enrolment

bp = Blueprint("progress", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every action here needs a signed-in user."""


@bp.record_once
def _course_page_reader(_state) -> None:
    """The course page reads the learner's enrolment with their states, in one query."""
    if services.learner_in_course not in catalog_queries.learner_readers:
        catalog_queries.learner_readers.append(services.learner_in_course)


@bp.app_context_processor
def _enrolment_lookup():
    """Course pages ask for the learner's enrolment without the catalogue importing us."""

    def enrolment_of(course) -> Enrolment | None:
        if not getattr(current_user, "is_authenticated", False):
            return None
        return services.enrolment(current_user, course)

    return {"enrolment_of": enrolment_of}


@bp.route("/courses/<slug>/enrol", methods=["POST"])
def enrol(slug: str):
    """A learner enrols themselves in a published course (idempotent)."""
    course = course_by_slug(slug)
    if course is None or not permissions.can_view_course(course):
        abort(404)
    try:
        services.enrol(current_user, course)
    except services.ProgressError:
        flash(_("This course is not open for enrolment."), "error")
    else:
        flash(_("You are enrolled. Study time counts from your first activity."), "success")
    return redirect(url_for("catalog.course", slug=slug))


# What a beat needs of the activity and its course, in one query: not the rendered HTML,
# summaries, search text, category or cover (loaded on first use if anything asks).
_STUDIED = (
    defer(Activity.html),
    joinedload(Activity.course).options(
        defer(Course.summary), defer(Course.summary_html), defer(Course.search_text),
        lazyload(Course.category), lazyload(Course.cover)),
)


def studied_activity(activity_id: int) -> Activity | None:
    """The activity if the current user may study it now (published, live, visible)."""
    activity = db.session.get(Activity, activity_id, options=_STUDIED)
    if activity is None or activity.retired or activity.course.status != "published" \
            or not permissions.can_view_course(activity.course):
        return None
    return activity


def _timed(type_key: str) -> bool:
    """Only types whose completion rests on study time earn it (not a quiz or a session)."""
    return registry().supports(type_key, TIMED)


def beat_from_json(activity_id: int):
    """Shared by the page and the API: parse a heartbeat and apply it.

    A steady beat reads the learner's state together with the activity and its course's
    status in one query: a live activity of a published course may be studied by every
    signed-in user (`permissions.can_view_course`). A first beat loads the activity and asks
    the permission module in full.
    """
    seen = services.studied_before(current_user, activity_id)
    if seen is None:
        activity = studied_activity(activity_id)
        if activity is None or not _timed(activity.type_key):
            return None
    elif not seen.open or not _timed(seen.target.type_key):
        return None
    beat = services.parse_beat(request.get_json(silent=True))
    if beat is None:
        abort(400)
    if seen is None:  # the first beat here: create the state (it was just read: not there)
        seen = services.first_visit(current_user, activity)
    if seen.holder_id != activity_id:
        leave_autocommit()  # the study clock may change hands: in a transaction
    return services.apply_beat(current_user, seen, **beat)


def presence_from_request(activity_id: int) -> bool | None:
    """Shared by the page and the API: answer a presence check (None: no such activity)."""
    activity = studied_activity(activity_id)
    if activity is None:
        return None
    return services.answer_presence(current_user, activity)


@bp.route("/activities/<int:activity_id>/beat", methods=["POST"])
@passive  # a timer sends it: an unattended page must not keep its session open
@statement_by_statement  # the session, the state, the UPDATE: each commits by itself
def beat(activity_id: int):
    result = beat_from_json(activity_id)
    if result is None:
        abort(404)
    return jsonify(services.beat_answer(result))


@bp.route("/activities/<int:activity_id>/presence", methods=["POST"])
def presence(activity_id: int):
    answered = presence_from_request(activity_id)
    if answered is None:
        abort(404)
    return jsonify({"answered": answered})


@bp.route("/activities/<int:activity_id>/answers", methods=["POST"])
def answers(activity_id: int):
    """A learner's answers to an activity whose type takes them (a survey): stored and, when
    the type says so, completing the activity; refused answers come back with the problems
    beside each question and nothing written."""
    activity = studied_activity(activity_id)
    kind = answering.answering_type(activity, current_user) if activity else None
    if kind is None:
        abort(404)
    data = {k: v for k, v in request.form.items() if k != "csrf_token"}
    answered = answering.submit(current_user, activity, kind, data)
    if answered.problems:
        problems = dict(answered.problems)
        whole = problems.pop("", None)  # about the whole submission: said once, at the top
        flash(_("Nothing was submitted: %(problems)s", problems=whole) if whole else
              _("Nothing was submitted: see the questions marked below."), "error")
        return activity_page(activity, submitted=data, problems=problems, status=422)
    flash(_("Your answers were submitted; this activity is complete.") if answered.completed
          else _("Your answers were submitted."), "success")
    return redirect(url_for("catalog.activity", activity_id=activity.id))
