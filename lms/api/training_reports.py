"""API: the year's training figures of a unit subtree (classes, trainee-times and funds, by
category and by form), the same numbers as the figures page."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from lms.api.auth import token_required
from lms.api.blueprint import bp
from lms.core.errors import json_error
from lms.org import permissions
from lms.training.figures import services


def _amounts(a: services.Amounts, planned: bool = False) -> dict:
    out = {"classes": a.classes, "trainee_times": a.trainee_times, "funds_fen": a.funds_fen}
    if planned:
        out.update({"planned_classes": a.planned_classes,
                    "planned_trainees": a.planned_trainees, "budget_fen": a.budget_fen})
    return out


@bp.route("/reports/training")
@token_required
def training_report():
    """Classes held, trainee-times and funds of the caller's scope (or a unit in it) for a
    year, by category and by form."""
    if not permissions.can_anywhere(services.ACTION):
        return json_error(403, "forbidden")
    year = services.year_arg()
    try:
        unit = services.unit_arg(request.args)
    except services.Unknown:
        return json_error(404, "not_found", _("No such unit in your scope."))
    root = services.scope_root(unit)
    f = services.classes_figures(year, root, services.groups_of(root))
    return jsonify({
        "year": year, "unit": {"code": root.code, "name": root.name} if root else None,
        **_amounts(f.total, planned=True), "under_way": f.under_way,
        "has_plan": f.has_plan,
        "by_category": [{"category": r.code, "label": r.label, **_amounts(r.amounts, True)}
                        for r in f.by_category],
        "by_form": [{"form": r.code, "label": r.label, **_amounts(r.amounts)}
                    for r in f.by_form]})


_ERROR = {"$ref": "#/components/responses/Error"}
_COUNTS = {
    "classes": {"type": "integer", "description": "Classes held (closed or filed) whose "
                "plan year is the year."},
    "trainee_times": {"type": "integer", "description": "Trainees who completed a held "
                      "class (人次)."},
    "funds_fen": {"type": "integer", "description": "Actual spending of the held classes, "
                  "in fen (1 yuan = 100 fen)."},
}
_PLANNED = {
    "planned_classes": {"type": "integer", "description": "From the unit's published plan."},
    "planned_trainees": {"type": "integer"},
    "budget_fen": {"type": "integer", "description": "The plan's budget, in fen."},
}

# OpenAPI path items of these routes, merged into the document by `lms.api.openapi`.
PATHS: dict = {
    "/reports/training": {"get": {
        "summary": "The year's training figures of the caller's scope (a unit administrator "
                   "their subtree, the organisation department the district) or of a unit "
                   "in it: classes held, trainee-times and funds, planned against the unit's "
                   "published plan, by category and by form. Classes approved or running "
                   "are counted apart (`under_way`). Unit administrators and above; others "
                   "get 403. A unit outside the caller's scope, or an unknown one, is a 404; "
                   "a year that is not 2000–2100 a 400.",
        "parameters": [
            {"name": "year", "in": "query",
             "schema": {"type": "integer", "minimum": 2000, "maximum": 2100},
             "description": "Default: the current year."},
            {"name": "unit", "in": "query", "schema": {"type": "string"},
             "description": "Unit code; includes its subunits. Default: the caller's scope."},
        ],
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "year": {"type": "integer"},
                    "unit": {"type": "object", "nullable": True, "properties": {
                        "code": {"type": "string"}, "name": {"type": "string"}}},
                    **_COUNTS, **_PLANNED,
                    "under_way": {"type": "integer",
                                  "description": "Classes approved or running (not counted)."},
                    "has_plan": {"type": "boolean"},
                    "by_category": {"type": "array", "items": {
                        "type": "object", "properties": {
                            "category": {"type": "string"}, "label": {"type": "string"},
                            **_COUNTS, **_PLANNED}}},
                    "by_form": {"type": "array", "items": {
                        "type": "object", "properties": {
                            "form": {"type": "string"}, "label": {"type": "string"},
                            **_COUNTS}}}}}}}},
            "401": _ERROR, "403": _ERROR, "404": _ERROR},
    }},
}
