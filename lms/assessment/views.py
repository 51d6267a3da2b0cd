"""Learners' attempts in the browser: start or resume, the attempt page, autosave, submit,
the result; and the panel a graded activity's page shows."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.assessment import attempts as engine
from lms.assessment.models import Attempt
from lms.assessment.present import attempt_view, flags_from_form, responses_from_form
from lms.catalog.models import Activity
from lms.core.errors import json_error
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org import permissions

bp = Blueprint("assessment", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every action here needs a signed-in user."""


@bp.app_context_processor
def _attempts_panel():
    """A graded activity's page asks for the learner's attempts without importing us."""

    def graded_panel(activity: Activity) -> dict | None:
        spec = engine.spec_for(activity)
        if spec is None or not getattr(current_user, "is_authenticated", False):
            return None
        now = utcnow()
        engine.close_expired(activity.id, current_user.id, now)
        mine = engine.attempts_of(current_user.id, activity.id)
        current = next((a for a in mine if a.status == "open"), None)
        refusal = engine.authors_refusal(activity, spec, current_user)
        if refusal:  # no start button, nor one to go on with an attempt begun before
            current = None
        elif current is None:
            refusal = engine.can_start(activity, spec, len(mine), now, current_user)
        return {"spec": spec, "attempts": mine, "open": current, "refusal": refusal,
                "percent": engine.percent,
                "visible": lambda a: engine.results_visible(a, spec)}

    return {"graded_panel": graded_panel}


def learner_activity(activity_id: int) -> Activity:
    """A live activity of a course the user may see (404 otherwise)."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.retired or not permissions.can_view_course(activity.course):
        abort(404)
    return activity


def own_attempt(attempt_id: int) -> Attempt:
    """The signed-in learner's own attempt; anyone else's answers 404."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


@bp.route("/activities/<int:activity_id>/attempt", methods=["POST"])
def start(activity_id: int):
    activity = learner_activity(activity_id)
    try:
        attempt = engine.start_or_resume(current_user, activity)
    except engine.AttemptError as exc:
        flash(exc.message, "error")
        return redirect(url_for("catalog.activity", activity_id=activity_id))
    return redirect(url_for("assessment.attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
def attempt(attempt_id: int):
    attempt = own_attempt(attempt_id)
    activity = db.session.get(Activity, attempt.activity_id)
    now = utcnow()
    if request.method == "POST" and attempt.status == "open":
        submitting = "submit" in request.form
        responses = responses_from_form(attempt, request.form)
        flags = flags_from_form(attempt, request.form)
        try:
            if responses or flags:
                engine.save_answers(attempt, responses, now, flags)
        except engine.AttemptError as exc:
            flash(exc.message, "error")
            if exc.code != "closed":
                return redirect(url_for("assessment.attempt", attempt_id=attempt.id))
            submitting = True
        if submitting:
            engine.finish(attempt, now)
            flash(_("Your attempt was submitted."), "success")
        else:
            flash(_("Your answers were saved."), "success")
        return redirect(url_for("assessment.attempt", attempt_id=attempt.id))
    if engine.expired(attempt, now):
        engine.finish(attempt, now)
        flash(_("Time is up: your attempt was submitted with the answers saved in time."),
              "info")
    view = attempt_view(attempt, now)
    template = "assessment/attempt.html" if attempt.status == "open" else "assessment/result.html"
    spec = engine.spec_for(activity)
    return render_template(template, attempt=attempt, view=view, activity=activity,
                           course=activity.course, review_from=spec.closes_at if spec else None)


@bp.route("/attempts/<int:attempt_id>/answers/<int:slot>", methods=["PUT"])
def autosave(attempt_id: int, slot: int):
    """The attempt page saves each answer as it changes (JSON `{"response": ...}`)."""
    attempt = own_attempt(attempt_id)
    return save_one(attempt, slot)


def save_one(attempt: Attempt, slot: int):
    """Save one answer from a JSON body (`response`, and/or `flagged`: the learner's mark for
    review); the page and the API answer the same way."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not ("response" in body or "flagged" in body) \
            or not isinstance(body.get("flagged", False), bool):
        return json_error(400, "bad_request", _('Send {"response": ...}.'))
    now = utcnow()
    responses = {slot: body["response"]} if "response" in body else {}
    flags = {slot: body["flagged"]} if "flagged" in body else None
    try:
        engine.save_answers(attempt, responses, now, flags)
    except engine.AttemptError as exc:
        status = {"no_question": 404, "bad_answer": 422}.get(exc.code, 409)
        return json_error(status, exc.code, exc.message)
    return jsonify({"saved_at": now.isoformat() + "Z",
                    "seconds_left": engine.seconds_left(attempt, now)})
