"""The learning record's administration page: what is waiting in my scope, and where to go."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from lms.org import permissions
from lms.records.waiting import waiting_counts

bp = Blueprint("record_admin", __name__)


@bp.route("/admin/records")
@login_required
def home():
    """Counts of claims, reading notes and study plans waiting for a decision, and links to
    the compliance report, the reading list, calls and the rule sets."""
    permissions.require_anywhere("record.view")
    manage = permissions.can_anywhere("record.manage")
    waiting = waiting_counts() if manage else {}
    return render_template(
        "records/admin.html", waiting=waiting, manage=manage,
        can_rules=permissions.can_anywhere("rules.manage"),
        can_publish=permissions.can_anywhere("reading.publish"))
