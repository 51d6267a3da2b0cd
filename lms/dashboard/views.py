"""Home page and health check."""
from __future__ import annotations

from flask import Blueprint, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import text

from lms.core import shared
from lms.dashboard import home as panels
from lms.extensions import db
from lms.org import labels, permissions
from lms.progress import notices
from lms.records import compliance
from lms.training import waiting as training_waiting

bp = Blueprint("dashboard", __name__)


@bp.app_context_processor
def _navigation():
    def nav_items() -> list[dict]:
        audit = [{"url": url_for("audit.log"), "label": _("Audit log")},
                 {"url": url_for("audit.settings"), "label": _("Security settings")}]
        if _auditor_only():
            return audit  # the auditor's menu shows the log and nothing else
        items = [{"url": url_for("records.learning"), "label": _("My learning"),
                  "badge": unread_notices()}]
        if getattr(current_user, "profile", None) is not None:  # only cadres have a record
            items.append({"url": url_for("record.mine"), "label": _("My record")})
            # Every cadre may be called up to a class: no query to decide it on each page.
            items.append({"url": url_for("training.my_classes"), "label": _("My classes")})
        items.append({"url": url_for("catalog.catalogue"), "label": _("Courses")})
        if permissions.can_anywhere("course.author"):
            items.append({"url": url_for("teach.courses"), "label": _("My courses")})
            items.append({"url": url_for("grading.queue"), "label": _("Grading")})
        if permissions.can_review_courses():
            items.append({"url": url_for("teach.review_queue"), "label": _("Review")})
        if permissions.can_anywhere("unit.view"):
            items.append({"url": url_for("org.units"), "label": _("Units")})
        if permissions.can_anywhere("cadre.view"):
            items.append({"url": url_for("org.cadres"), "label": _("Cadres")})
        if permissions.can_anywhere("course.assign"):
            items.append({"url": url_for("tracking.assignment_list"), "label": _("Assignments")})
        if permissions.can_anywhere("record.view"):
            items.append({"url": url_for("record_admin.home"), "label": _("Learning records")})
        if permissions.can_anywhere("training.view"):
            items.append({"url": url_for("training.index"), "label": _("Training")})
        if permissions.can_anywhere("audit.view"):
            items += audit
        return items

    return {"nav_items": nav_items, "unread_notices": unread_notices}


def unread_notices() -> int:
    """The signed-in user's unread notices (`notices.unread_count`; none for the auditor,
    whose menu holds the log only)."""
    if not getattr(current_user, "is_authenticated", False) or _auditor_only():
        return 0
    return notices.unread_count(current_user.id)


def _auditor_only() -> bool:
    """The security auditor without a cadre profile: their pages are the log's."""
    return (getattr(current_user, "is_authenticated", False)
            and not permissions.has_inbox())


@bp.route("/")
@login_required
def home():
    """One home page; its panels follow the roles held (`lms.dashboard.home`)."""
    profile = getattr(current_user, "profile", None)
    if _auditor_only():
        return redirect(url_for("audit.log"))  # the auditor's home is the log
    grants = sorted(current_user.grants,
                    key=lambda grant: list(labels.ROLE_LABELS).index(grant.role))
    lecturer = (permissions.can_anywhere("course.author")
                and not permissions.can_review_courses())
    learner = panels.learner_panel(current_user) if profile is not None else None
    return render_template(
        "dashboard/home.html", profile=profile, grants=grants, labels=labels,
        learner=learner,
        lecturer=panels.lecturer_panel(current_user) if lecturer else None,
        admin=panels.admin_panel(),
        training=training_waiting.waiting(),
        can_assign=permissions.can_anywhere("course.assign"),
        can_records=permissions.can_anywhere("record.view"),
        compliance_status=compliance.status_text,
    )


@bp.route("/healthz")
def healthz():
    """200 when the database answers, 503 otherwise. `redis` says whether the shared Redis
    answers ("ok", "unreachable", "none" without REDIS_URL): without it the app runs degraded
    (docs/shared-state.md) but serves, so it stays 200."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        return jsonify({"status": "error", "database": "unavailable"}), 503
    return jsonify({"status": "ok", "database": "ok", "redis": shared.status()})
