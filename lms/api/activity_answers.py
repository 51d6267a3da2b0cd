"""API: a learner's answers to an activity whose type takes them (a survey), with the same
effect as the activity page's form."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.api.auth import token_required
from lms.api.blueprint import bp
from lms.core.errors import json_error
from lms.progress import answers as answering
from lms.progress.views import studied_activity

_ERROR = {"$ref": "#/components/responses/Error"}


def _iso(moment) -> str | None:
    return moment.isoformat() + "Z" if moment else None


@bp.route("/activities/<int:activity_id>/answers", methods=["POST"])
@token_required
def activity_answers(activity_id: int):
    """Take the token's user's answers (a JSON object: {question id: answer}); 422 names each
    question at fault and writes nothing."""
    activity = studied_activity(activity_id)
    kind = answering.answering_type(activity, current_user) if activity else None
    if kind is None:
        return json_error(404, "not_found")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return json_error(400, "bad_request", _("The body must be a JSON object."))
    answered = answering.submit(current_user, activity, kind, body)
    if answered.problems:
        return jsonify({"error": {"code": "invalid",
                                  "message": _("Nothing was submitted: %(problems)s",
                                               problems=" ".join(answered.problems.values()))},
                        "fields": answered.problems}), 422
    result = answering.outcome(current_user, activity)
    return jsonify({"activity": activity.id, "state": result["state"],
                    "completed": result["completed_at"] is not None,
                    "completed_at": _iso(result["completed_at"]),
                    "course_completed_at": _iso(result["course_completed_at"])})


PATHS: dict = {
    "/activities/{id}/answers": {"post": {
        "summary": "Submit the token's user's answers to an activity whose type takes answers "
                   "(a survey): a JSON object of {question id: answer} as the activity's "
                   "`settings.questions` describe (a rating as a whole number within its "
                   "scale, a choice as one of its options, a text as a string). The type "
                   "checks them; when it accepts them the server stores them and, when they "
                   "complete the activity, marks it complete (and the course, when its rule "
                   "is then met), exactly as the page's form does. 422 names each question at "
                   "fault (`fields`, keyed by question id; \"\" for the whole, e.g. a "
                   "questionnaire already submitted) and writes nothing. 404 for an activity "
                   "that takes no answers, is not open (a draft or archived course, a removed "
                   "activity), or is a sealed type of the caller's own course.",
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": True}}}},
        "responses": {
            "200": {"description": "Taken", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "activity": {"type": "integer"},
                    "state": {"type": "object", "description": "the learner's stored state "
                              "(a survey: `answers` and `answered_at`)"},
                    "completed": {"type": "boolean"},
                    "completed_at": {"type": "string", "format": "date-time",
                                     "nullable": True},
                    "course_completed_at": {"type": "string", "format": "date-time",
                                            "nullable": True}}}}}},
            "400": _ERROR, "401": _ERROR, "404": _ERROR,
            "422": {"description": "Refused: nothing was written", "content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "error": {"type": "object"},
                    "fields": {"type": "object",
                               "additionalProperties": {"type": "string"}}}}}}}},
    }},
}
