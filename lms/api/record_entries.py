"""API: entries of a cadre's learning record, added by administrators, and reversals."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.api.auth import token_required
from lms.api.views import bp
from lms.catalog.models import SubjectCategory
from lms.core.errors import json_error
from lms.extensions import db
from lms.org import permissions
from lms.org.models import CadreProfile
from lms.records import entries, entry_queries
from lms.records.models import ENTERED_KINDS, KINDS, ORIGINS, RecordEntry


def _day(value) -> str | None:
    return value.isoformat() if value else None


def _person(user) -> dict | None:
    return {"username": user.username, "name": user.name} if user else None


def entry_json(entry: RecordEntry, username: str) -> dict:
    """One entry of a learning record as the API shows it (schema in `PATHS` below; the
    same keys as the entries of `GET /users/{username}/record`)."""
    subject = (db.session.get(SubjectCategory, entry.subject_id)
               if entry.subject_id is not None else None)
    reversal = entries.reversal_of(entry.id)
    return {
        "id": entry.id, "username": username, "year": entry.year, "kind": entry.kind,
        "subject_id": entry.subject_id, "subject": subject.name if subject else None,
        "title": entry.title, "hours": entry.hours, "days": entry.days or 0.0,
        "occurred_on": _day(entry.occurred_on), "started_on": _day(entry.started_on),
        "ended_on": _day(entry.ended_on), "organiser": entry.organiser,
        "result": entry.result, "details": entry.details or {}, "origin": entry.origin,
        "entered_by": _person(entry.entered_by), "verified_by": _person(entry.verified_by),
        "source": entry.source, "reference": entry.reference, "score": entry.score,
        "reverses_id": entry.reverses_id,
        "reason": entry.note if entry.reverses_id is not None else None,
        "note": entry.note,
        "reversed_by_entry_id": reversal.id if reversal else None,
        "created_at": entry.created_at.isoformat() + "Z",
    }


def _managed(username: str) -> CadreProfile | None:
    """The cadre, when the token's user may manage their record; else None (404)."""
    profile = entry_queries.cadre_by_username(username)
    if profile is None or not permissions.can_on_cadre("record.manage", profile):
        return None
    return profile


def _invalid(problems: dict[str, str]):
    """422: `fields` names each field at fault with its message; nothing was written."""
    return jsonify({"error": {"code": "invalid",
                              "message": _("Nothing was written: %(problems)s",
                                           problems=" ".join(problems.values()))},
                    "fields": problems}), 422


def _body() -> dict | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


@bp.route("/users/<username>/record/entries", methods=["POST"])
@token_required
def add_record_entry(username: str):
    """Add an entry entered by an administrator in scope (201); 422 names the fields."""
    profile = _managed(username)
    if profile is None:
        return json_error(404, "not_found")
    key = request.headers.get("Idempotency-Key")
    if key is not None and not entries.IDEMPOTENCY_KEY.fullmatch(key):
        return json_error(400, "bad_idempotency_key",
                          _("Idempotency-Key: use 1 to 64 letters, digits or . _ : -"))
    body = _body()
    if body is None:
        return json_error(400, "bad_request", _("The body must be a JSON object."))
    details = body.get("details")
    flat = {**body, **(details if isinstance(details, dict) else {})}
    try:
        data, _files = entries.validate_entry(flat)
        entry, created = entries.add_entry(profile.user_id, data, actor_id=current_user.id,
                                           key=key)
    except entries.Invalid as exc:
        return _invalid(exc.problems)
    except entries.EntryError as exc:
        return json_error(403, exc.code, exc.message)
    return jsonify(entry_json(entry, profile.user.username)), 201 if created else 200


@bp.route("/users/<username>/record/entries/<int:entry_id>/reversal", methods=["POST"])
@token_required
def reverse_record_entry(username: str, entry_id: int):
    """Reverse an entry with a reason (201); 409 when it is a reversal or already reversed."""
    profile = _managed(username)
    entry = db.session.get(RecordEntry, entry_id) if profile is not None else None
    if entry is None or entry.user_id != profile.user_id:
        return json_error(404, "not_found")
    body = _body()
    if body is None:
        return json_error(400, "bad_request", _("The body must be a JSON object."))
    reason = body.get("reason")
    reason = reason if isinstance(reason, str) else None
    existing = entries.reversal_of(entry.id)
    if (existing is not None and reason and existing.entered_by_id == current_user.id
            and existing.note == reason.strip()):
        # The same request again (its answer was lost): the reversal it made.
        return jsonify(entry_json(existing, profile.user.username)), 200
    try:
        reversal = entries.reverse(entry, actor_id=current_user.id, reason=reason)
    except entries.Invalid as exc:
        return _invalid(exc.problems)
    except entries.EntryError as exc:
        status = 403 if exc.code == "own_record" else 409
        return json_error(status, exc.code, exc.message)
    return jsonify(entry_json(reversal, profile.user.username)), 201


# ---- OpenAPI -------------------------------------------------------------------------------

_ERROR = {"$ref": "#/components/responses/Error"}
_DATE = {"type": "string", "format": "date"}
_TEXT = {"type": "string", "maxLength": entries.MAX_TEXT}
_PERSON = {"type": "object", "nullable": True, "properties": {
    "username": {"type": "string"}, "name": {"type": "string"}}}

ENTRY_SCHEMA = {
    "type": "object",
    "description": "One entry of a cadre's learning record. Entries are append-only: a "
                   "correction is a reversal (`reverses_id` set, hours and days negated) plus "
                   "a new entry (`details.corrects`), all kept.",
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string", "description": "The cadre."},
        "year": {"type": "integer", "description": "The year it counts in."},
        "kind": {"type": "string", "enum": list(KINDS), "description": "Form of learning."},
        "subject_id": {"type": "integer", "nullable": True},
        "subject": {"type": "string", "nullable": True, "description": "Subject category."},
        "title": {"type": "string"},
        "hours": {"type": "number", "description": "Study hours (学时); negative on a "
                                                   "reversal."},
        "days": {"type": "number"},
        "occurred_on": {**_DATE, "description": "The day it counts on (end of the period)."},
        "started_on": {**_DATE, "nullable": True},
        "ended_on": {**_DATE, "nullable": True},
        "organiser": {"type": "string"}, "result": {"type": "string"},
        "details": {"type": "object", "description": "Kind-specific facts: a degree's "
                    "`institution`, `programme`, `degree`; `corrects` (the id of the "
                    "reversed entry this one corrects); a reversal's `reversed_on`."},
        "origin": {"type": "string", "enum": list(ORIGINS),
                   "description": "automatic (written by the platform), entered (by an "
                                  "administrator) or verified (reported by the cadre and "
                                  "verified by an administrator)."},
        "entered_by": {**_PERSON, "description": "Who entered it (the cadre, for a "
                                                 "verified claim); null when automatic."},
        "verified_by": {**_PERSON, "description": "Who verified the cadre's claim."},
        "source": {"type": "string", "nullable": True,
                   "description": "What produced it: course:ID, activity:ID, "
                                  "reading_note:ID, claim:ID."},
        "reverses_id": {"type": "integer", "nullable": True,
                        "description": "On a reversal: the entry it reverses."},
        "reason": {"type": "string", "nullable": True,
                   "description": "On a reversal: why."},
        "note": {"type": "string", "description": "A note; on a reversal, its reason."},
        "reversed_by_entry_id": {"type": "integer", "nullable": True,
                                 "description": "The reversal of this entry, if reversed."},
        "reference": {"type": "string", "nullable": True,
                      "description": "A certificate number (an exam passed)."},
        "score": {"type": "number", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
ENTRY_INPUT_SCHEMA = {
    "type": "object",
    "required": ["kind", "subject_id", "title", "ended_on"],
    "description": "Study hours 0–2000 and days 0–366, at least one above zero; dates "
                   "YYYY-MM-DD, not in the platform's future, the end not before the start.",
    "properties": {
        "kind": {"type": "string", "enum": list(ENTERED_KINDS),
                 "description": "Forms written by the platform itself are refused."},
        "subject_id": {"type": "integer", "description": "A subject category's id."},
        "title": {**_TEXT, "minLength": 1},
        "started_on": {**_DATE, "description": "Required for degree education."},
        "ended_on": _DATE,
        "hours": {"type": "number", "minimum": 0, "maximum": entries.MAX_HOURS},
        "days": {"type": "number", "minimum": 0, "maximum": entries.MAX_DAYS},
        "organiser": _TEXT, "result": _TEXT,
        "note": {"type": "string", "maxLength": entries.MAX_NOTE},
        "details": {"type": "object", "description": "For degree education (required): "
                    "`institution`, `programme`, `degree`.",
                    "properties": {name: _TEXT for name in entries.DEGREE_FIELDS}},
    },
}
_INVALID = {
    "description": "Bad input; nothing was written. `fields` maps each field at fault (kind, "
                   "subject_id, title, started_on, ended_on, hours, days, organiser, result, "
                   "note, institution, programme, degree, reason) to a message naming it.",
    "content": {"application/json": {"schema": {
        "type": "object", "required": ["error", "fields"],
        "properties": {"error": {"type": "object", "properties": {
            "code": {"type": "string"}, "message": {"type": "string"}}},
            "fields": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
}
_USERNAME = {"name": "username", "in": "path", "required": True, "schema": {"type": "string"},
             "description": "The cadre's username."}


def _entry(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": ENTRY_SCHEMA}}}


PATHS: dict = {
    "/users/{username}/record/entries": {"post": {
        "summary": "Add an entry to a cadre's learning record (administrators over the cadre's "
                   "unit: a unit administrator their subtree, the organisation department the "
                   "district). Origin `entered`; audited. No one adds to their own record "
                   "(403). An `Idempotency-Key` header makes a retried request safe: the "
                   "first request's entry is returned with 200.",
        "parameters": [_USERNAME, {
            "name": "Idempotency-Key", "in": "header", "required": False,
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"}}],
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": ENTRY_INPUT_SCHEMA}}},
        "responses": {"201": _entry("Added"),
                      "200": _entry("Already added by a request with this Idempotency-Key"),
                      "400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR,
                      "422": _INVALID},
    }},
    "/users/{username}/record/entries/{entry_id}/reversal": {"post": {
        "summary": "Reverse an entry with a reason: appends an entry with negated hours and "
                   "days; both stay in the record. 409 when the entry is itself a reversal or "
                   "already reversed; the same request repeated (same user and reason) gets "
                   "the reversal it made with 200.",
        "parameters": [_USERNAME, {"name": "entry_id", "in": "path", "required": True,
                                   "schema": {"type": "integer"}}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["reason"], "properties": {
                "reason": {"type": "string", "minLength": 1,
                           "maxLength": entries.MAX_NOTE}}}}}},
        "responses": {"201": _entry("Reversed"),
                      "200": _entry("Already reversed by this same request"),
                      "400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR,
                      "409": _ERROR, "422": _INVALID},
    }},
}
