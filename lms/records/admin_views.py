"""The learning record's administration page: what is waiting in my scope, and where to go."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import login_required
from sqlalchemy import func, select

from lms.extensions import db
from lms.org import permissions
from lms.org.models import CadreProfile, Unit
from lms.records.models import Claim, ReadingNote, StudyPlan

bp = Blueprint("record_admin", __name__)


def _waiting(model, status: str) -> int:
    """How many `model` rows with `status` belong to cadres in my `record.manage` scope."""
    return db.session.scalar(
        select(func.count()).select_from(model)
        .join(CadreProfile, CadreProfile.user_id == model.user_id)
        .join(Unit, Unit.id == CadreProfile.unit_id)
        .where(model.status == status, permissions.unit_clause("record.manage"))) or 0


@bp.route("/admin/records")
@login_required
def home():
    """Counts of claims, reading notes and study plans waiting for a decision, and links to
    the compliance report, the reading list, calls and the rule sets."""
    if not permissions.can_anywhere("record.view"):
        abort(403)
    manage = permissions.can_anywhere("record.manage")
    waiting = {"claims": _waiting(Claim, "pending"), "notes": _waiting(ReadingNote, "submitted"),
               "plans": _waiting(StudyPlan, "submitted")} if manage else {}
    return render_template(
        "records/admin.html", waiting=waiting, manage=manage,
        can_rules=permissions.can_anywhere("rules.manage"),
        can_publish=permissions.can_anywhere("reading.publish"))
