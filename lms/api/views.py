"""API v1 endpoints. They call the same queries and permission checks as the HTML views."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from lms.api.auth import token_required
from lms.api.openapi import openapi_document
from lms.core.errors import json_error
from lms.core.pagination import paginate
from lms.extensions import csrf, db
from lms.org import permissions, queries
from lms.org.models import CadreProfile, Unit

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, no cookies: nothing for CSRF to forge


def _unit_json(unit: Unit | None) -> dict | None:
    if unit is None:
        return None
    return {"id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind,
            "parent_id": unit.parent_id}


def _cadre_json(p: CadreProfile) -> dict:
    return {
        "id": p.user_id, "username": p.user.username, "name": p.user.name,
        "active": p.user.is_active, "unit": _unit_json(p.unit), "gender": p.gender,
        "rank": p.rank, "position": p.position,
        "birth_date": p.birth_date.isoformat() if p.birth_date else None,
        "education": p.education, "party_status": p.party_status,
        "title_level": p.title_level, "categories": [c.name for c in p.categories],
    }


def _page_json(page, items: list) -> dict:
    return {"items": items, "page": page.page, "per_page": page.per_page, "total": page.total,
            "pages": page.pages}


@bp.route("/me")
@token_required
def me():
    profile = getattr(current_user, "profile", None)
    return jsonify({
        "id": current_user.id, "username": current_user.username, "name": current_user.name,
        "unit": _unit_json(profile.unit if profile else None),
        "roles": [{"role": g.role, "unit": _unit_json(g.unit)} for g in current_user.grants],
        "locale": current_user.locale,
    })


@bp.route("/units")
@token_required
def units():
    stmt = queries.select_units("unit.view")
    page = paginate(stmt)
    return jsonify(_page_json(page, [_unit_json(u) for u in page.items]))


@bp.route("/cadres")
@token_required
def cadres():
    page = paginate(queries.cadre_select(queries.CadreFilter.from_args(request.args)))
    return jsonify(_page_json(page, [_cadre_json(p) for p in page.items]))


@bp.route("/cadres/<int:user_id>")
@token_required
def cadre(user_id: int):
    profile = db.session.get(CadreProfile, user_id)
    if profile is None or not permissions.can_on_cadre("cadre.view", profile):
        return json_error(404, "not_found")
    return jsonify(_cadre_json(profile))


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document())
