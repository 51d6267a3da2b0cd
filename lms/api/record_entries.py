"""API: entries of a cadre's learning record added by administrators, reversals, and the
corrected entries that follow reversals."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.api.auth import token_required
from lms.api.blueprint import bp
from lms.api.record_json import ENTRY_SCHEMA, entry_json
from lms.core.errors import json_error
from lms.extensions import db
from lms.records import entries
from lms.records.models import ENTERED_KINDS, KINDS, RecordEntry
from lms.records.record_data import entry_line, readable_cadre

# Error codes of a refused action and their status: 403 for one's own record and for the
# record of an administrator whose scope holds the caller's (four eyes), 422 for an
# idempotency key used before for other facts, 409 for the record's state.
_STATUS = {"own_record": 403, "four_eyes": 403, "key_reused": 422}


def _answer(entry: RecordEntry, username: str, status: int):
    return jsonify(entry_json(entry_line(entry.id), username)), status


def _invalid(problems: dict[str, str]):
    """422: `fields` names each field at fault with its message; nothing was written."""
    return jsonify({"error": {"code": "invalid",
                              "message": _("Nothing was written: %(problems)s",
                                           problems=" ".join(problems.values()))},
                    "fields": problems}), 422


def _refused(exc: entries.EntryError):
    return json_error(_STATUS.get(exc.code, 409), exc.code, exc.message)


def _body() -> dict | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _facts(body: dict) -> dict:
    """The entry's fields: the top level, plus a degree's facts from `details` (never
    overriding a top-level field). Raises `Invalid` for any other key in `details`."""
    details = body.get("details")
    if details is None:
        details = {}
    if not isinstance(details, dict) or set(details) - set(entries.DEGREE_FIELDS):
        raise entries.Invalid({"details": _(
            "%(field)s: give an object with only %(keys)s.", field=entries.label("details"),
            keys=", ".join(entries.DEGREE_FIELDS))})
    return {**details, **{k: v for k, v in body.items() if k != "details"}}


@bp.route("/users/<username>/record/entries", methods=["POST"])
@token_required
def add_record_entry(username: str):
    """Add an entry entered by an administrator in scope (201), or with `corrects` the
    corrected entry after a reversal; 422 names the fields."""
    profile = readable_cadre(username, "record.manage")
    if profile is None:
        return json_error(404, "not_found")
    key = request.headers.get("Idempotency-Key")
    if key is not None and not entries.IDEMPOTENCY_KEY.fullmatch(key):
        return json_error(400, "bad_idempotency_key",
                          _("Idempotency-Key: use 1 to 64 letters, digits or . _ : -"))
    body = _body()
    if body is None:
        return json_error(400, "bad_request", _("The body must be a JSON object."))
    corrects = None
    try:
        facts = _facts(body)
        if body.get("corrects") is not None:
            corrects = entries.correction_target(profile.user_id, body["corrects"])
        data, _files = entries.validate_entry(facts, kind=corrects.kind if corrects else None)
        entry, created = entries.add_entry(profile.user_id, data, actor_id=current_user.id,
                                           corrects=corrects, key=key)
    except entries.Invalid as exc:
        return _invalid(exc.problems)
    except entries.EntryError as exc:
        return _refused(exc)
    return _answer(entry, profile.user.username, 201 if created else 200)


@bp.route("/users/<username>/record/entries/<int:entry_id>/reversal", methods=["POST"])
@token_required
def reverse_record_entry(username: str, entry_id: int):
    """Reverse an entry with a reason (201); 409 when it is a reversal or already reversed."""
    profile = readable_cadre(username, "record.manage")
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
        return _answer(existing, profile.user.username, 200)
    try:
        reversal = entries.reverse(entry, actor_id=current_user.id, reason=reason)
    except entries.Invalid as exc:
        return _invalid(exc.problems)
    except entries.EntryError as exc:
        return _refused(exc)
    return _answer(reversal, profile.user.username, 201)


# ---- OpenAPI -------------------------------------------------------------------------------

_ERROR = {"$ref": "#/components/responses/Error"}
_DATE = {"type": "string", "format": "date"}
_TEXT = {"type": "string", "maxLength": entries.MAX_TEXT}

ENTRY_INPUT_SCHEMA = {
    "type": "object",
    "required": ["kind", "subject_id", "title", "ended_on"],
    "description": "Study hours 0–2000 and days 0–366, at least one above zero (a corrected "
                   "entry of an automatic kind may have neither); days at most the days of "
                   "the period from `started_on` to `ended_on` (one day without "
                   "`started_on`), hours at most 24 a day of it; dates YYYY-MM-DD from "
                   "2000-01-01, not in the platform's future, the end not before the start.",
    "properties": {
        "kind": {"type": "string", "enum": list(KINDS),
                 "description": f"One of {', '.join(ENTERED_KINDS)}; forms written by the "
                                "platform itself are refused, except on a corrected entry, "
                                "whose kind must be the kind of the entry it corrects."},
        "subject_id": {"type": "integer", "description": "A subject category's id."},
        "title": {**_TEXT, "minLength": 1},
        "started_on": {**_DATE, "description": "Required for degree education."},
        "ended_on": _DATE,
        "hours": {"type": "number", "minimum": 0, "maximum": entries.MAX_HOURS},
        "days": {"type": "number", "minimum": 0, "maximum": entries.MAX_DAYS},
        "organiser": _TEXT, "result": _TEXT,
        "note": {"type": "string", "maxLength": entries.MAX_NOTE},
        "details": {"type": "object", "additionalProperties": False,
                    "description": "For degree education (required): `institution`, "
                                   "`programme`, `degree` (also accepted at the top level, "
                                   "which wins). Any other key is refused (422).",
                    "properties": {name: _TEXT for name in entries.DEGREE_FIELDS}},
        "corrects": {"type": "integer",
                     "description": "Makes this the corrected entry that follows a reversal: "
                                    "the id of the reversed entry of this cadre it corrects "
                                    "(any kind; `kind` must be that entry's kind). What the "
                                    "body cannot give (source, course, certificate number, "
                                    "score) is kept from that entry, and the reversal's "
                                    "reason is the audited reason when `note` is empty. One "
                                    "corrected entry per reversed entry: another is refused "
                                    "with 409 `already_corrected`; the same request repeated "
                                    "by the same administrator gets its entry with 200. 409 "
                                    "`not_reversed` or `is_reversal` when the entry is not "
                                    "reversed or is itself a reversal; 422 (`fields.corrects`) "
                                    "when the cadre has no such entry."},
    },
}
_INVALID = {
    "description": "Bad input; nothing was written. `fields` maps each field at fault (kind, "
                   "subject_id, title, started_on, ended_on, hours, days, organiser, result, "
                   "note, institution, programme, degree, details, corrects, reason) to a "
                   "message naming it. Also 422, with `error.code` `key_reused`: the "
                   "Idempotency-Key was used before by this administrator for this cadre with "
                   "other facts.",
    "content": {"application/json": {"schema": {
        "type": "object", "required": ["error"],
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
                   "district), or with `corrects` the corrected entry after a reversal. Origin "
                   "`entered`; audited. No one adds to their own record (403 `own_record`), nor "
                   "to the record of an administrator whose scope holds their own, a peer's or "
                   "a superior's (403 `four_eyes`; the message says who decides). An "
                   "`Idempotency-Key` header makes a retried request safe: the first "
                   "request's entry is returned with 200; the same key with a body of other "
                   "facts is refused with 422 (`key_reused`).",
        "parameters": [_USERNAME, {
            "name": "Idempotency-Key", "in": "header", "required": False,
            "description": "Scoped to the administrator and the cadre. Reused with the same "
                           "facts: 200 and the first entry; with other facts: 422.",
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,64}$"}}],
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": ENTRY_INPUT_SCHEMA}}},
        "responses": {"201": _entry("Added"),
                      "200": _entry("Already added by a request with this Idempotency-Key, "
                                    "or the same correction repeated"),
                      "400": _ERROR, "401": _ERROR, "403": _ERROR, "404": _ERROR,
                      "409": _ERROR, "422": _INVALID},
    }},
    "/users/{username}/record/entries/{entry_id}/reversal": {"post": {
        "summary": "Reverse an entry with a reason: appends an entry with negated hours and "
                   "days; both stay in the record. 409 when the entry is itself a reversal or "
                   "already reversed; 403 on one's own record (`own_record`) or a peer's or "
                   "superior's (`four_eyes`); the same request repeated (same user and reason) "
                   "gets the reversal it made with 200. Then post the corrected entry, if any, to "
                   "`/users/{username}/record/entries` with `corrects`.",
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
