"""API: a cadre's learning record for a year, and as xAPI statements.

Both read the record through `records.record_data.gather`, like the record page. A learner
reads only their own record, a unit administrator the cadres of their subtree, the
organisation department the district; anyone else gets 404.
"""
from __future__ import annotations

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from lms.api.auth import token_required
from lms.api.blueprint import bp
from lms.api.record_json import ENTRY_SCHEMA, entry_json
from lms.api.schemas import MISSING_LINE, RULE_NOTE
from lms.core.errors import json_error
from lms.core.params import MAX_PAGE, int_arg
from lms.core.timeutil import local_today
from lms.org import labels
from lms.records import status
from lms.records.entries import FIRST_YEAR
from lms.records.record_data import (
    EXPORT_SIZE,
    CadreRecord,
    Total,
    gather,
    readable_cadre,
)
from lms.records.record_views import xapi_response
from lms.records.workflow import parse_year


def _year() -> tuple[int | None, tuple | None]:
    """The `year` argument (this year when absent), or a 400 error."""
    raw = request.args.get("year")
    if raw in (None, ""):
        return local_today().year, None
    year = parse_year(raw)
    if year is None:
        return None, json_error(400, "invalid_year", _("The year is not valid."), field="year")
    return year, None


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
            "note": s.note,
        } for s in record.statuses],
        "entries": [entry_json(line, p.user.username) for line in record.entries],
        "page": record.page, "per_page": record.per_page, "more": record.more,
    }


def _requested_record(username: str) -> tuple[CadreRecord | None, tuple | None]:
    """The cadre's record for the requested year and page, or the error to answer: 404 when
    the cadre is missing or out of the caller's scope, 400 for a year that is not valid."""
    profile = readable_cadre(username)
    if profile is None:
        return None, json_error(404, "not_found")
    year, error = _year()
    if error:
        return None, error
    return gather(profile, year, page=int_arg("page", 1, high=MAX_PAGE),
                  per_page=EXPORT_SIZE, extras=False), None


@bp.route("/users/<username>/record")
@token_required
def user_record(username: str):
    record, error = _requested_record(username)
    if error:
        return error
    return jsonify(_record_json(record))


@bp.route("/users/<username>/record/xapi")
@token_required
def user_record_xapi(username: str):
    record, error = _requested_record(username)
    if error:
        return error
    return xapi_response(record, url_for("api.user_record_xapi", username=username,
                                         year=record.year, page=record.page + 1))


_USERNAME = {"name": "username", "in": "path", "required": True, "schema": {"type": "string"},
             "description": "The cadre's username."}
_YEAR = {"name": "year", "in": "query", "schema": {"type": "integer", "minimum": FIRST_YEAR},
         "description": f"The year (this year when absent), from {FIRST_YEAR} to next "
                        "year; 400 otherwise."}
_PAGE = {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1},
         "description": f"Page of entries, {EXPORT_SIZE} a page (`more` says if another "
                        "follows)."}
_ERROR = {"$ref": "#/components/responses/Error"}
_TOTAL = {"type": "object", "properties": {
    "hours": {"type": "number"}, "days": {"type": "number"},
    "entries": {"type": "integer", "description": "net: a reversal counts -1"}}}
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
        "missing": {"type": "array", "items": MISSING_LINE},
        "note": RULE_NOTE}}},
    "entries": {"type": "array", "items": ENTRY_SCHEMA},
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
