"""API: training classes — list, read and draft them, take them through review, and call up
cadres. The same services as the pages: the same checks, audit rows and notices."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.api.auth import token_required
from lms.api.blueprint import bp, page_json
from lms.api.schemas import FIELD_ERRORS
from lms.core.errors import json_error
from lms.core.pagination import paginate
from lms.extensions import db
from lms.org import permissions
from lms.training.callup import services as callup
from lms.training.classes import services
from lms.training.classes.queries import ClassFilter, select_classes
from lms.training.classes.validation import MAX_HOURS, Invalid, validate
from lms.training.models import (
    CATEGORIES,
    CLASS_STATUSES,
    FORMS,
    ORGANISER_KINDS,
    TRAINEE_STATUSES,
    ClassTrainee,
    TrainingClass,
)

# A refused step's code and status: 403 without the authority (or four eyes), 409 for the
# class's state.
_STATUS = {"forbidden": 403, "four_eyes": 403}


def _iso(moment) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def class_json(c: TrainingClass) -> dict:
    return {"id": c.id, "title": c.title, "year": c.year,
            "unit": {"id": c.unit.id, "code": c.unit.code, "name": c.unit.name},
            "organiser_kind": c.organiser_kind, "organiser_name": c.organiser_name,
            "category": c.category, "form": c.form, "audience": c.audience,
            "starts_on": c.starts_on.isoformat(), "ends_on": c.ends_on.isoformat(),
            "days": c.days, "hours": c.hours, "venue": c.venue,
            "lecturers": list(c.lecturers or []), "capacity": c.capacity,
            "plan_text": c.plan_text, "plan_html": c.plan_html,
            "plan_item_id": c.plan_item_id, "status": c.status,
            "submitted_at": _iso(c.submitted_at), "approved_at": _iso(c.approved_at)}


def trainee_json(t: ClassTrainee) -> dict:
    return {"username": t.user.username, "name": t.user.name, "unit": t.unit.code,
            "status": t.status}


def _invalid(problems: dict[str, str]):
    return jsonify({"error": {"code": "invalid",
                              "message": _("Nothing was written: %(problems)s",
                                           problems=" ".join(problems.values()))},
                    "fields": problems}), 422


def _refused(exc: services.ClassError):
    return json_error(_STATUS.get(exc.code, 409), exc.code, exc.message)


def _body() -> dict | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _bad_body():
    return json_error(400, "bad_request", _("The body must be a JSON object."))


def _class(class_id: int) -> TrainingClass | None:
    training_class = db.session.get(TrainingClass, class_id)
    if training_class is None or not services.can_view(training_class):
        return None
    return training_class


@bp.route("/classes", methods=["GET"])
@token_required
def list_classes():
    """Classes of units in the caller's `training.view` scope, filtered, newest first."""
    page = paginate(select_classes(ClassFilter.from_args()))
    return jsonify(page_json(page, [class_json(c) for c in page.items]))


@bp.route("/classes", methods=["POST"])
@token_required
def create_class():
    """Draft a class for a unit of the caller's `training.run` scope (201)."""
    if not permissions.can_anywhere("training.run"):
        return json_error(403, "forbidden", _("Only a unit's administrators propose classes."))
    body = _body()
    if body is None:
        return _bad_body()
    try:
        training_class = services.create_class(validate(body), current_user)
    except Invalid as exc:
        db.session.rollback()
        return _invalid(exc.problems)
    return jsonify(class_json(training_class)), 201


@bp.route("/classes/<int:class_id>")
@token_required
def get_class(class_id: int):
    training_class = _class(class_id)
    if training_class is None:
        return json_error(404, "not_found")
    return jsonify(class_json(training_class))


def _step(class_id: int, step):
    training_class = _class(class_id)
    if training_class is None:
        return json_error(404, "not_found")
    body = request.get_json(silent=True)
    if body is not None and not isinstance(body, dict):
        return _bad_body()
    try:
        step(training_class, body or {})
    except Invalid as exc:
        db.session.rollback()
        return _invalid(exc.problems)
    except services.ClassError as exc:
        db.session.rollback()
        return _refused(exc)
    return jsonify(class_json(training_class))


@bp.route("/classes/<int:class_id>/submit", methods=["POST"])
@token_required
def submit_class(class_id: int):
    return _step(class_id, lambda c, _b: services.submit(c, current_user))


@bp.route("/classes/<int:class_id>/approve", methods=["POST"])
@token_required
def approve_class(class_id: int):
    return _step(class_id, lambda c, b: services.approve(c, current_user, b.get("comment", "")))


@bp.route("/classes/<int:class_id>/return", methods=["POST"])
@token_required
def return_class(class_id: int):
    return _step(class_id,
                 lambda c, b: services.return_class(c, current_user, b.get("comment")))


@bp.route("/classes/<int:class_id>/trainees", methods=["POST"])
@token_required
def call_up(class_id: int):
    """Call up cadres by username, all or none (201 with the class's trainees)."""
    training_class = _class(class_id)
    if training_class is None:
        return json_error(404, "not_found")
    if not services.can_manage_plan(training_class):
        return json_error(403, "forbidden", _("Cadres are called up by the class's organiser "
                                              "once the class is approved."))
    body = _body()
    if body is None:
        return _bad_body()
    names = body.get("usernames")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        return _invalid({"usernames": _("%(field)s: give a list of usernames.",
                                        field=_("Usernames"))})
    try:
        callup.call_up(training_class, names, current_user, body.get("note", ""))
    except Invalid as exc:
        db.session.rollback()
        return _invalid(exc.problems)
    except services.ClassError as exc:
        db.session.rollback()
        return _refused(exc)
    return jsonify({"class_id": training_class.id,
                    "trainees": [trainee_json(t) for t in callup.trainees(training_class)]}), 201


# ---- OpenAPI -------------------------------------------------------------------------------

_ERROR = {"$ref": "#/components/responses/Error"}
_DATE = {"type": "string", "format": "date"}
_TIME = {"type": "string", "format": "date-time", "nullable": True}
CLASS_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"}, "year": {"type": "integer"},
        "unit": {"type": "object", "properties": {"id": {"type": "integer"},
                                                  "code": {"type": "string"},
                                                  "name": {"type": "string"}}},
        "organiser_kind": {"type": "string", "enum": list(ORGANISER_KINDS)},
        "organiser_name": {"type": "string"},
        "category": {"type": "string", "enum": list(CATEGORIES)},
        "form": {"type": "string", "enum": list(FORMS)},
        "audience": {"type": "string"}, "starts_on": _DATE, "ends_on": _DATE,
        "days": {"type": "number"}, "hours": {"type": "number"}, "venue": {"type": "string"},
        "lecturers": {"type": "array", "items": {"type": "string"}},
        "capacity": {"type": "integer", "description": "0: no limit"},
        "plan_text": {"type": "string", "description": "The class plan (办班方案), Markdown."},
        "plan_html": {"type": "string", "description": "The plan rendered and sanitised."},
        "plan_item_id": {"type": "integer", "nullable": True},
        "status": {"type": "string", "enum": list(CLASS_STATUSES)},
        "submitted_at": _TIME, "approved_at": _TIME,
    },
}
CLASS_INPUT_SCHEMA = {
    "type": "object",
    "required": ["title", "unit_id", "category", "form", "starts_on", "ends_on"],
    "description": "The same checks as the page: dates YYYY-MM-DD with the end not before the "
                   "start; days at most the days from start to end; hours 0–1000; capacity a "
                   "whole number (0: no limit); an outside organiser needs its name; the plan "
                   "is Markdown, rendered through the one sanitising pipeline.",
    "properties": {
        "title": {"type": "string", "minLength": 1, "maxLength": 200},
        "unit_id": {"type": "integer",
                    "description": "A unit in the caller's `training.run` scope (a unit "
                                   "proposes classes for its own subtree only)."},
        "organiser_kind": {"type": "string", "enum": list(ORGANISER_KINDS)},
        "organiser_name": {"type": "string", "maxLength": 200},
        "category": {"type": "string", "enum": list(CATEGORIES)},
        "form": {"type": "string", "enum": list(FORMS)},
        "audience": {"type": "string"}, "venue": {"type": "string", "maxLength": 200},
        "starts_on": _DATE, "ends_on": _DATE,
        "days": {"type": "number", "minimum": 0, "maximum": 366},
        "hours": {"type": "number", "minimum": 0, "maximum": MAX_HOURS},
        "capacity": {"type": "integer", "minimum": 0},
        "lecturers": {"type": "array", "items": {"type": "string", "maxLength": 100}},
        "plan_text": {"type": "string"},
        "plan_item_id": {"type": "integer", "nullable": True,
                         "description": "An item of the published plan of the class's year "
                                        "of the unit or a unit above it."},
    },
}

_ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"},
        "description": "The class's id."}]


def _ok(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _step_doc(summary: str, body: dict | None) -> dict:
    operation = {
        "summary": summary, "parameters": _ID,
        "responses": {"200": _ok("The class after the step", CLASS_SCHEMA), "400": _ERROR,
                      "401": _ERROR, "403": _ERROR, "404": _ERROR, "409": _ERROR,
                      "422": FIELD_ERRORS},
    }
    if body is not None:
        operation["requestBody"] = {"required": False, "content": {
            "application/json": {"schema": body}}}
    return operation


_COMMENT = {"type": "object", "properties": {"comment": {"type": "string", "maxLength": 4000}}}
PATHS: dict = {
    "/classes": {
        "get": {
            "summary": "Training classes of units in the caller's scope (`training.view`), "
                       "newest first; filters `year`, `status` (or `review`: submitted, "
                       "for the organisation department), `category`, `form`, `unit` (a "
                       "unit code: its subtree). Values not understood are left out.",
            "parameters": [
                {"name": "year", "in": "query",
                 "schema": {"type": "integer", "minimum": 2000, "maximum": 2099}},
                {"name": "status", "in": "query", "schema": {"type": "string"}},
                {"name": "category", "in": "query", "schema": {"type": "string"}},
                {"name": "form", "in": "query", "schema": {"type": "string"}},
                {"name": "unit", "in": "query", "schema": {"type": "string"}},
                {"name": "page", "in": "query",
                 "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000}},
                {"name": "per_page", "in": "query",
                 "schema": {"type": "integer", "minimum": 0, "maximum": 200}},
            ],
            "responses": {"200": _ok("A page of classes", {
                "type": "object", "properties": {
                    "items": {"type": "array", "items": CLASS_SCHEMA},
                    "page": {"type": "integer"}, "per_page": {"type": "integer"},
                    "total": {"type": "integer"}, "pages": {"type": "integer"}}}),
                "400": _ERROR, "401": _ERROR},
        },
        "post": {
            "summary": "Draft a class (status `draft`) for a unit of the caller's "
                       "`training.run` scope; audited. 403 without that authority anywhere.",
            "requestBody": {"required": True,
                            "content": {"application/json": {"schema": CLASS_INPUT_SCHEMA}}},
            "responses": {"201": _ok("Drafted", CLASS_SCHEMA), "400": _ERROR, "401": _ERROR,
                          "403": _ERROR, "422": FIELD_ERRORS},
        },
    },
    "/classes/{id}": {"get": {
        "summary": "One class: to administrators over its unit, its trainees and the "
                   "administrators of a trainee's unit; 404 to anyone else.",
        "parameters": _ID,
        "responses": {"200": _ok("The class", CLASS_SCHEMA), "401": _ERROR, "404": _ERROR},
    }},
    "/classes/{id}/submit": {"post": _step_doc(
        "Submit a draft or returned class for review by the organisation department (its "
        "unit's administrators; the plan must be written: 422 `fields.plan_text`). 409 in "
        "another status.", None)},
    "/classes/{id}/approve": {"post": _step_doc(
        "Approve a submitted class (the organisation department over its unit; never the "
        "administrator who submitted it: 403 `four_eyes`). Optional `comment`.", _COMMENT)},
    "/classes/{id}/return": {"post": _step_doc(
        "Return a submitted class with a `comment` (required: 422 `fields.comment`); the "
        "same authority and four eyes as approving.", _COMMENT)},
    "/classes/{id}/trainees": {"post": {
        "summary": "Call up cadres by username, all or none (the class's organiser, once the "
                   "class is approved or running). A cadre outside the class unit's subtree, "
                   "unless called up by the organisation department over their unit, awaits "
                   "their unit's release (`awaiting_release`); others are `assigned`. 422 "
                   "names every username at fault (unknown, outside the district, already on "
                   "the class) and the capacity.",
        "parameters": _ID,
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["usernames"], "properties": {
                "usernames": {"type": "array", "items": {"type": "string"}, "minItems": 1,
                              "maxItems": callup.MAX_NAMES},
                "note": {"type": "string", "maxLength": callup.MAX_TEXT}}}}}},
        "responses": {"201": _ok("Called up: the class's trainees", {
            "type": "object", "properties": {
                "class_id": {"type": "integer"},
                "trainees": {"type": "array", "items": {"type": "object", "properties": {
                    "username": {"type": "string"}, "name": {"type": "string"},
                    "unit": {"type": "string"},
                    "status": {"type": "string", "enum": list(TRAINEE_STATUSES)}}}}}}),
            "400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR, "409": _ERROR,
            "422": FIELD_ERRORS},
    }},
}
