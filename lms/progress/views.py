"""Heartbeats from activity pages (learners are enrolled at their first heartbeat)."""
from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, abort, jsonify, request
from flask_login import current_user, login_required

from lms.catalog.models import Activity
from lms.extensions import db
from lms.org import permissions
from lms.progress import services

bp = Blueprint("progress", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every action here needs a signed-in user."""


def beat_from_json(activity_id: int):
    """Shared by the page and the API: parse a heartbeat and apply it."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.retired or activity.course.status != "published" \
            or not permissions.can_view_course(activity.course):
        return None
    body = request.get_json(silent=True) or {}
    seq, position = body.get("seq"), body.get("position")
    if not isinstance(seq, int) or seq < 1 or not isinstance(body.get("visible"), bool) or (
            position is not None and not isinstance(position, int | float)):
        abort(400)
    return services.heartbeat(current_user, activity, seq=seq, visible=body["visible"],
                              position=position)


@bp.route("/activities/<int:activity_id>/beat", methods=["POST"])
def beat(activity_id: int):
    result = beat_from_json(activity_id)
    if result is None:
        abort(404)
    return jsonify(asdict(result))
