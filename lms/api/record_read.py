"""API: a cadre's learning record for a year, and as xAPI statements.

Both read the record through `records.record_data.gather`, like the record page. A learner
reads only their own record, a unit administrator the cadres of their subtree, the
organisation department the district; anyone else gets 404.
"""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from lms.api.auth import token_required
from lms.api.views import bp
from lms.core.errors import json_error
from lms.core.timeutil import local_today
from lms.org import labels
from lms.records import status
from lms.records.record_data import (
    EXPORT_SIZE,
    CadreRecord,
    EntryLine,
    Total,
    gather,
    parse_year,
    readable_cadre,
)
from lms.records.record_views import xapi_response


def _year() -> tuple[int | None, tuple | None]:
    """The `year` argument (this year when absent), or a 400 error."""
    raw = request.args.get("year")
    if raw in (None, ""):
        return local_today().year, None
    year = parse_year(raw)
    if year is None:
        return None, json_error(400, "invalid_year", _("The year is not valid."), field="year")
    return year, None


def _person(person) -> dict | None:
    return {"username": person.username, "name": person.name} if person else None


def _entry_json(line: EntryLine) -> dict:
    e = line.entry
    return {
        "id": e.id, "kind": e.kind, "subject": line.subject, "title": e.title,
        "hours": e.hours, "days": e.days, "occurred_on": e.occurred_on.isoformat(),
        "started_on": e.started_on.isoformat() if e.started_on else None,
        "ended_on": e.ended_on.isoformat() if e.ended_on else None,
        "organiser": e.organiser, "result": e.result, "details": e.details or {},
        "origin": e.origin, "entered_by": _person(line.entered_by),
        "verified_by": _person(line.verified_by), "source": e.source,
        "reference": e.reference, "score": e.score,
        "reverses_id": e.reverses_id, "reason": e.note if e.reverses_id else None,
        "reversed_by_entry_id": line.reversal.id if line.reversal else None,
        "created_at": e.created_at.isoformat() + "Z",
    }


def _total_json(t: Total, key: str) -> dict:
    return {key: t.key, "hours": t.hours, "days": t.days, "entries": t.entries}


def _record_json(record: CadreRecord) -> dict:
    p = record.profile
    return {
        "year": record.year, "years": record.years,
        "cadre": {"username": p.user.username, "name": p.user.name,
                  "unit": {"code": p.unit.code, "name": p.unit.name}, "rank": p.rank,
                  "rank_label": labels.label(labels.RANK_LABELS, p.rank)},
        "totals": {"hours": record.hours, "days": record.days, "entries": record.entry_count,
                   "by_kind": [_total_json(t, "kind") for t in record.by_kind],
                   "by_subject": [_total_json(t, "subject") for t in record.by_subject]},
        "requirements": [{
            "rule_set": {"code": s.row.rule_set.code, "name": s.row.rule_set.name},
            "window": {"start": s.row.window_start, "end": s.row.window_end},
            "hours": s.row.hours, "days": s.row.days, "ratio": s.row.ratio, "met": s.row.met,
            "status": s.label, "status_label": s.label_text,
            "missing": [dict(item, text=status.describe(item)) for item in s.row.missing or []],
        } for s in record.statuses],
        "entries": [_entry_json(line) for line in record.entries],
        "page": record.page, "per_page": record.per_page, "more": record.more,
    }


@bp.route("/users/<username>/record")
@token_required
def user_record(username: str):
    profile = readable_cadre(username)
    if profile is None:
        return json_error(404, "not_found")
    year, error = _year()
    if error:
        return error
    record = gather(profile, year, page=request.args.get("page", 1, type=int),
                    per_page=EXPORT_SIZE, extras=False)
    return jsonify(_record_json(record))


@bp.route("/users/<username>/record/xapi")
@token_required
def user_record_xapi(username: str):
    profile = readable_cadre(username)
    if profile is None:
        return json_error(404, "not_found")
    year, error = _year()
    if error:
        return error
    record = gather(profile, year, page=request.args.get("page", 1, type=int),
                    per_page=EXPORT_SIZE, extras=False)
    return xapi_response(record, url_for("api.user_record_xapi", username=username,
                                         year=record.year, page=record.page + 1))


_USERNAME = {"name": "username", "in": "path", "required": True, "schema": {"type": "string"},
             "description": "The cadre's username."}
_YEAR = {"name": "year", "in": "query", "schema": {"type": "integer", "minimum": 1990},
         "description": "The year (this year when absent)."}
_PAGE = {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1},
         "description": f"Page of entries, {EXPORT_SIZE} a page (`more` says if another "
                        "follows)."}
_ERROR = {"$ref": "#/components/responses/Error"}
_TOTAL = {"type": "object", "properties": {
    "hours": {"type": "number"}, "days": {"type": "number"},
    "entries": {"type": "integer", "description": "net: a reversal counts -1"}}}
_PERSON = {"type": "object", "nullable": True, "properties": {
    "username": {"type": "string"}, "name": {"type": "string"}}}
_ENTRY = {"type": "object", "properties": {
    "id": {"type": "integer"},
    "kind": {"type": "string", "enum": list(status.KIND_TEXT)},
    "subject": {"type": "string", "nullable": True}, "title": {"type": "string"},
    "hours": {"type": "number", "description": "negative for a reversal"},
    "days": {"type": "number"},
    "occurred_on": {"type": "string", "format": "date"},
    "started_on": {"type": "string", "format": "date", "nullable": True},
    "ended_on": {"type": "string", "format": "date", "nullable": True},
    "organiser": {"type": "string"}, "result": {"type": "string"},
    "details": {"type": "object", "description": "kind-specific facts, e.g. a degree's "
                                                 "institution, programme and degree"},
    "origin": {"type": "string", "enum": ["automatic", "entered", "verified"]},
    "entered_by": _PERSON, "verified_by": _PERSON,
    "source": {"type": "string", "nullable": True,
               "description": "what produced it: course:ID, activity:ID, reading_note:ID, "
                              "claim:ID"},
    "reference": {"type": "string", "nullable": True, "description": "certificate number"},
    "score": {"type": "number", "nullable": True, "description": "percent"},
    "reverses_id": {"type": "integer", "nullable": True},
    "reason": {"type": "string", "nullable": True, "description": "why it was reversed"},
    "reversed_by_entry_id": {"type": "integer", "nullable": True},
    "created_at": {"type": "string", "format": "date-time"}}}
_MISSING = {"type": "object", "description": "one line not yet reached (see records.status)",
            "properties": {"line": {"type": "string"}, "need": {"type": "number"},
                           "have": {"type": "number"}, "unit": {"type": "string"},
                           "text": {"type": "string", "description": "in plain words"}}}
_RECORD = {"type": "object", "properties": {
    "year": {"type": "integer"}, "years": {"type": "array", "items": {"type": "integer"}},
    "cadre": {"type": "object", "properties": {
        "username": {"type": "string"}, "name": {"type": "string"},
        "unit": {"type": "object", "properties": {"code": {"type": "string"},
                                                  "name": {"type": "string"}}},
        "rank": {"type": "string"}, "rank_label": {"type": "string"}}},
    "totals": {"type": "object", "properties": {
        "hours": {"type": "number"}, "days": {"type": "number"},
        "entries": {"type": "integer"},
        "by_kind": {"type": "array", "items": {"allOf": [_TOTAL, {
            "type": "object", "properties": {"kind": {"type": "string"}}}]}},
        "by_subject": {"type": "array", "items": {"allOf": [_TOTAL, {
            "type": "object", "properties": {"subject": {"type": "string",
                                                         "nullable": True}}}]}}}},
    "requirements": {"type": "array", "items": {"type": "object", "properties": {
        "rule_set": {"type": "object", "properties": {"code": {"type": "string"},
                                                      "name": {"type": "string"}}},
        "window": {"type": "object", "properties": {"start": {"type": "integer"},
                                                    "end": {"type": "integer"}}},
        "hours": {"type": "number", "description": "converted study hours in the window"},
        "days": {"type": "number"}, "ratio": {"type": "number"}, "met": {"type": "boolean"},
        "status": {"type": "string", "enum": list(status.LABELS)},
        "status_label": {"type": "string"},
        "missing": {"type": "array", "items": _MISSING}}}},
    "entries": {"type": "array", "items": _ENTRY},
    "page": {"type": "integer"}, "per_page": {"type": "integer"}, "more": {"type": "boolean"}}}
_STATEMENTS = {"type": "object", "description": "an xAPI 1.0.3 StatementResult (docs/xapi.md)",
               "properties": {
                   "statements": {"type": "array", "items": {"type": "object", "properties": {
                       "id": {"type": "string", "format": "uuid"},
                       "version": {"type": "string"}, "actor": {"type": "object"},
                       "verb": {"type": "object"}, "object": {"type": "object"},
                       "result": {"type": "object"}, "context": {"type": "object"},
                       "timestamp": {"type": "string", "format": "date-time"},
                       "stored": {"type": "string", "format": "date-time"}}}},
                   "more": {"type": "string",
                            "description": "the next page's address, or empty"}}}


def _ok(schema: dict) -> dict:
    return {"description": "OK", "content": {"application/json": {"schema": schema}}}


# OpenAPI path items of these routes, merged into the document by `lms.api.openapi`.
PATHS: dict = {
    "/users/{username}/record": {"get": {
        "summary": "A cadre's learning record for a year: entries (reversals included, with "
                   "their reasons), totals by form of learning and by subject, and the status "
                   "of each requirement whose window holds the year, with what is missing. "
                   "A learner reads only their own; a unit administrator their subtree; the "
                   "organisation department the district; 404 otherwise.",
        "parameters": [_USERNAME, _YEAR, _PAGE],
        "responses": {"200": _ok(_RECORD), "400": _ERROR, "401": _ERROR, "404": _ERROR},
    }},
    "/users/{username}/record/xapi": {"get": {
        "summary": "The same record as xAPI 1.0.3 statements (one per entry; a reversal "
                   "voids the reversed entry's statement). Header X-Experience-API-Version.",
        "parameters": [_USERNAME, _YEAR, _PAGE],
        "responses": {"200": _ok(_STATEMENTS), "400": _ERROR, "401": _ERROR, "404": _ERROR},
    }},
}
