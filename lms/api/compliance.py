"""API: the compliance report of a unit subtree for a year."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from lms.api.auth import token_required
from lms.api.blueprint import bp, page_json
from lms.api.schemas import MISSING_LINE, RULE_NOTE
from lms.core.errors import json_error
from lms.org import permissions
from lms.records import compliance
from lms.records import status as status_labels


def _line_json(line: compliance.StatusLine) -> dict:
    return {"rule_set": line.code, "name": line.name, "window_start": line.window_start,
            "window_end": line.window_end, "status": line.label, "hours": line.hours,
            "days": line.days, "note": line.note,
            "missing": [dict(item, text=status_labels.describe(item))
                        for item in line.missing or []]}


def row_json(row: compliance.ComplianceRow) -> dict:
    """One cadre's row of the report."""
    return {"username": row.username, "name": row.name,
            "unit": {"code": row.unit_code, "name": row.unit_name}, "rank": row.rank,
            "hours": row.hours, "days": row.days, "status": row.status,
            "missing": row.missing(), "requirements": [_line_json(x) for x in row.lines]}


@bp.route("/reports/compliance")
@token_required
def compliance_report():
    """One row per active cadre in the caller's scope (paginated), with counts per status."""
    if not permissions.can_anywhere(compliance.ACTION):
        return json_error(403, "forbidden")
    f = compliance.ComplianceFilter.from_args(request.args)
    if f.unknown == "unit" or (f.unit is not None
                               and not permissions.can(compliance.ACTION, f.unit)):
        return json_error(404, "not_found", _("No such unit in your scope."))
    if f.unknown == "rule":
        return json_error(404, "not_found", _("No such requirement."))
    report = compliance.Compliance(f)
    page = report.page()
    body = page_json(page, [row_json(r) for r in report.rows(page.items)])
    body.update({
        "year": f.year, "counts": report.counts(),
        "rule_sets": [{"code": w.code, "name": w.name, "window_start": w.start,
                       "window_end": w.end} for w in report.windows]})
    return jsonify(body)


_ERROR = {"$ref": "#/components/responses/Error"}
_STATUS_ENUM = ["met", "on_track", "behind", "not_met", "none"]
_REQUIREMENT = {"type": "object", "properties": {
    "rule_set": {"type": "string", "description": "Rule set code."},
    "name": {"type": "string"}, "window_start": {"type": "integer"},
    "window_end": {"type": "integer"},
    "status": {"type": "string", "enum": _STATUS_ENUM[:4]},
    "hours": {"type": "number", "description": "Converted study hours in the window."},
    "days": {"type": "number"}, "missing": {"type": "array", "items": MISSING_LINE},
    "note": RULE_NOTE}}
_ROW = {"type": "object", "properties": {
    "username": {"type": "string"}, "name": {"type": "string"},
    "unit": {"type": "object", "properties": {"code": {"type": "string"},
                                              "name": {"type": "string"}}},
    "rank": {"type": "string", "enum": ["division", "section", "subsection", "none"]},
    "hours": {"type": "number", "description": "Study hours recorded in the year (all kinds)."},
    "days": {"type": "number", "description": "Training days recorded in the year."},
    "status": {"type": "string", "enum": _STATUS_ENUM,
               "description": "The worst status over the rule sets' windows containing the "
                              "year (not_met > behind > on_track > met); `none` when no "
                              "requirement applies."},
    "missing": {"type": "array", "items": {"type": "string"},
                "description": "What is missing, in words, each led by the rule set name."},
    "requirements": {"type": "array", "items": _REQUIREMENT}}}

# OpenAPI path items of these routes, merged into the document by `lms.api.openapi`.
PATHS: dict = {
    "/reports/compliance": {"get": {
        "summary": "The compliance report: one row per active cadre in the caller's scope "
                   "(a unit administrator their subtree, the organisation department the "
                   "district) for a year: the year's study hours and days, the requirement "
                   "status and what is missing; counts per status over the filtered cadres. "
                   "Unit administrators and above; others get 403. A unit outside the "
                   "caller's scope, or an unknown unit or rule set, is a 404.",
        "parameters": [
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {"name": "per_page", "in": "query",
             "schema": {"type": "integer", "maximum": 200}},
            {"name": "year", "in": "query", "schema": {"type": "integer"},
             "description": "Default: the current year."},
            {"name": "unit", "in": "query", "schema": {"type": "string"},
             "description": "Unit code; includes its subunits."},
            {"name": "category", "in": "query", "schema": {"type": "integer"},
             "description": "Cadre category id."},
            {"name": "rank", "in": "query", "schema": {
                "type": "string", "enum": ["division", "section", "subsection", "none"]}},
            {"name": "status", "in": "query", "schema": {
                "type": "string", "enum": ["all"] + _STATUS_ENUM}},
            {"name": "q", "in": "query", "schema": {"type": "string"},
             "description": "Part of a name or username."},
            {"name": "rule", "in": "query", "schema": {"type": "string"},
             "description": "A rule set code: the status and what is missing under it only."},
        ],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "items": {"type": "array", "items": _ROW},
                    "page": {"type": "integer"}, "per_page": {"type": "integer"},
                    "total": {"type": "integer"}, "pages": {"type": "integer"},
                    "year": {"type": "integer"},
                    "counts": {"type": "object", "description": "Cadres per status (all, "
                               "not_met, behind, on_track, met, none).",
                               "additionalProperties": {"type": "integer"}},
                    "rule_sets": {"type": "array", "items": {"type": "object", "properties": {
                        "code": {"type": "string"}, "name": {"type": "string"},
                        "window_start": {"type": "integer"},
                        "window_end": {"type": "integer"}}}}}}}}},
            "401": _ERROR, "403": _ERROR, "404": _ERROR},
    }},
}
