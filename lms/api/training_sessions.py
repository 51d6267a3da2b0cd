"""API: a class's sessions and the steps of its run (start, close, file), and a learner's
check-in with a session's code. The same services as the pages; unit scope and four eyes
are theirs."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.api.auth import token_required
from lms.api.blueprint import bp
from lms.api.schemas import FIELD_ERRORS
from lms.core.errors import json_error
from lms.extensions import db
from lms.org import permissions
from lms.training.attendance import checkin, leave, sessions
from lms.training.attendance.errors import Refused
from lms.training.closing import services as closing
from lms.training.models import ClassSession, TrainingClass

# A refusal's status by its code; anything else is bad input (422).
_STATUS = {"status": 409, "closed": 409, "not_running": 409, "four_eyes": 403,
           "too_many": 429}


def _time(moment) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def _session_json(session: ClassSession) -> dict:
    return {"id": session.id, "class_id": session.class_id, "title": session.title,
            "starts_at": _time(session.starts_at), "ends_at": _time(session.ends_at),
            "hours": session.hours, "venue": session.venue, "lecturer": session.lecturer}


def _class_json(cls: TrainingClass) -> dict:
    return {"id": cls.id, "title": cls.title, "status": cls.status,
            "closed_at": _time(cls.closed_at), "filed_at": _time(cls.filed_at)}


def _refused(exc: Refused):
    status = _STATUS.get(exc.code, 422)
    if status == 422:
        return jsonify({"error": {"code": exc.code, "message": _(
            "Nothing was written: %(problems)s", problems=exc.message)},
            "fields": exc.problems}), 422
    return json_error(status, exc.code, exc.message)


def _class(class_id: int, action: str) -> TrainingClass | None:
    cls = db.session.get(TrainingClass, class_id)
    return cls if cls is not None and permissions.can(action, cls.unit) else None


def _body() -> dict | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


@bp.route("/classes/<int:class_id>/sessions", methods=["POST"])
@token_required
def add_class_session(class_id: int):
    """Add a session to a class (its organiser); 422 names the fields."""
    cls = _class(class_id, "training.run")
    if cls is None:
        return json_error(404, "not_found")
    body = _body()
    if body is None:
        return json_error(400, "bad_request", _("The body must be a JSON object."))
    try:
        data = sessions.validate(cls, body)
        session = sessions.add(cls, data, actor_id=current_user.id)
    except Refused as exc:
        db.session.rollback()
        return _refused(exc)
    return jsonify(_session_json(session)), 200


def _step(class_id: int, action: str, step):
    cls = _class(class_id, action)
    if cls is None:
        return json_error(404, "not_found")
    try:
        result = step(cls)
    except Refused as exc:
        db.session.rollback()
        return _refused(exc)
    body = _class_json(cls)
    if isinstance(result, list):  # closing: each trainee's outcome
        body["trainees"] = [{"username": o.trainee.user.username, "outcome": o.outcome,
                             "entry_id": o.trainee.entry_id} for o in result]
    return jsonify(body), 200


@bp.route("/classes/<int:class_id>/start", methods=["POST"])
@token_required
def start_class(class_id: int):
    """Start an approved class."""
    return _step(class_id, "training.run", lambda cls: closing.start(cls, actor=current_user))


@bp.route("/classes/<int:class_id>/close", methods=["POST"])
@token_required
def close_class(class_id: int):
    """Close a running class: outcomes, record entries, notices."""
    return _step(class_id, "training.run", lambda cls: closing.close(cls, actor=current_user))


@bp.route("/classes/<int:class_id>/file", methods=["POST"])
@token_required
def file_class(class_id: int):
    """File a closed class (the organisation department; not whoever closed it)."""
    return _step(class_id, "training.manage", lambda cls: closing.file(cls, actor=current_user))


@bp.route("/sessions/<int:session_id>/checkin", methods=["POST"])
@token_required
def checkin_session(session_id: int):
    """Check the token's user in at a session of a class they are a trainee of."""
    session = db.session.get(ClassSession, session_id)
    if session is None or leave.trainee_of(session.class_id, current_user.id) is None:
        return json_error(404, "not_found")
    body = _body()
    if body is None:
        return json_error(400, "bad_request", _("The body must be a JSON object."))
    code = body.get("code")
    try:
        done = checkin.check_in(current_user, code if isinstance(code, str) else None,
                                session)
    except Refused as exc:
        db.session.rollback()
        return _refused(exc)
    return jsonify({"session_id": done.session.id, "class_id": done.session.class_id,
                    "created": done.created}), 200


# ---- OpenAPI -------------------------------------------------------------------------------

_ERROR = {"$ref": "#/components/responses/Error"}
_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]

_SESSION = {"type": "object", "properties": {
    "id": {"type": "integer"}, "class_id": {"type": "integer"}, "title": {"type": "string"},
    "starts_at": {"type": "string", "format": "date-time"},
    "ends_at": {"type": "string", "format": "date-time"}, "hours": {"type": "number"},
    "venue": {"type": "string"}, "lecturer": {"type": "string"}}}
_CLASS = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"},
    "status": {"type": "string", "enum": ["approved", "running", "closed", "filed"]},
    "closed_at": {"type": "string", "format": "date-time", "nullable": True},
    "filed_at": {"type": "string", "format": "date-time", "nullable": True},
    "trainees": {"type": "array", "description": "Closing only: each trainee's outcome.",
                 "items": {"type": "object", "properties": {
                     "username": {"type": "string"},
                     "outcome": {"type": "string",
                                 "enum": ["completed", "absent", "excused", "withdrawn"]},
                     "entry_id": {"type": "integer", "nullable": True}}}}}}


def _ok(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _step_doc(summary: str) -> dict:
    return {"post": {"summary": summary, "parameters": _ID,
                     "responses": {"200": _ok(_CLASS), "401": _ERROR, "403": _ERROR,
                                   "404": _ERROR, "409": _ERROR, "422": FIELD_ERRORS}}}


PATHS: dict = {
    "/classes/{id}/sessions": {"post": {
        "summary": "Add a session to a class (its organiser: `training.run` over the class's "
                   "unit; another unit's class is a 404). Times are local (the platform's "
                   "time zone), `YYYY-MM-DDTHH:MM`; the session lies within the class's "
                   "dates, ends after it starts, and the sessions' hours together do not "
                   "exceed the class's hours. Refused once the class has closed (409). "
                   "Audited (`class.change`).",
        "parameters": _ID,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["title", "starts_at", "ends_at", "hours"],
            "properties": {
                "title": {"type": "string", "maxLength": 200},
                "starts_at": {"type": "string", "example": "2026-06-01T09:00"},
                "ends_at": {"type": "string", "example": "2026-06-01T12:00"},
                "hours": {"type": "number", "minimum": 0,
                          "maximum": sessions.MAX_SESSION_HOURS},
                "venue": {"type": "string", "maxLength": 200},
                "lecturer": {"type": "string", "maxLength": 100}}}}}},
        "responses": {"200": _ok(_SESSION, "Added"), "400": _ERROR, "401": _ERROR,
                      "404": _ERROR, "409": _ERROR, "422": FIELD_ERRORS},
    }},
    "/classes/{id}/start": _step_doc(
        "Start an approved class (approved → running; its organiser). Trainees, the class's "
        "organisers and the organisation department are told. 409 when not approved."),
    "/classes/{id}/close": _step_doc(
        "Close a running class (running → closed; its organiser). Withdrawn and excused "
        "trainees keep that outcome; every other trainee completes when they attended at "
        "least one session (an online special class: completed all its courses), else is "
        "absent. Each completed trainee gets one `training_class` entry with the class's "
        "days and hours in their learning record (written once, whatever the retries). "
        "403 `four_eyes` when the caller may not credit a completed trainee (their own "
        "learning, or a superior's): an administrator of the unit above closes it. 422 "
        "(`fields.sessions`) for a classroom class without sessions; 409 when not running."),
    "/classes/{id}/file": _step_doc(
        "File a closed class (closed → filed; the organisation department, `training.manage` "
        "over the class's unit). 403 `four_eyes` for whoever closed it; 409 when not "
        "closed."),
    "/sessions/{id}/checkin": {"post": {
        "summary": "Check the token's user in at a session with its code (a trainee of the "
                   "session's class; otherwise 404). Refused with 422 (`fields.code`, "
                   "`error.code` `wrong_code`, `expired` or `other_class`) writing nothing; "
                   "refusals count against the user's allowance (`LMS_CHECKIN_LIMIT`, "
                   "default 10 per 15 minutes), past which 429 `too_many`. Checking in "
                   "again answers 200 with `created` false.",
        "parameters": _ID,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["code"], "properties": {
                "code": {"type": "string", "pattern": "^[0-9]{6}$"}}}}}},
        "responses": {"200": _ok({"type": "object", "properties": {
            "session_id": {"type": "integer"}, "class_id": {"type": "integer"},
            "created": {"type": "boolean"}}}), "400": _ERROR, "401": _ERROR, "404": _ERROR,
            "409": _ERROR, "422": FIELD_ERRORS, "429": _ERROR},
    }},
}
