"""The steps of a class's run: start it, close it (after a preview of every trainee's
outcome), file it."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.extensions import db
from lms.org import permissions
from lms.training.attendance.errors import Refused
from lms.training.blueprint import bp
from lms.training.closing import services
from lms.training.labels import OUTCOME_LABELS, TRAINEE_STATUS_LABELS
from lms.training.lookup import class_for


def _back(class_id: int):
    return redirect(url_for("training.class_sessions", class_id=class_id))


@bp.route("/classes/<int:class_id>/start", methods=["POST"])
@login_required
def class_start(class_id: int):
    """Start an approved class (its organiser)."""
    cls = class_for(class_id, "training.run")
    try:
        services.start(cls, actor=current_user)
        flash(_("The class has started: codes, roster and leave are open."), "success")
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return _back(class_id)


@bp.route("/classes/<int:class_id>/close", methods=["GET", "POST"])
@login_required
def class_close(class_id: int):
    """GET: each trainee's outcome if the class closed now, and whether the signed-in user
    may close it; POST: close it."""
    cls = class_for(class_id, "training.run")
    problems: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            found = services.close(cls, actor=current_user)
            done = sum(1 for o in found if o.outcome == "completed")
            flash(_("The class is closed: %(n)d trainees completed it and their hours were "
                    "added to their learning records.", n=done), "success")
            return _back(class_id)
        except Refused as exc:
            db.session.rollback()
            problems, status = exc.problems, 409 if exc.code == "status" else 403 \
                if exc.code == "four_eyes" else 422
    found = services.outcomes(cls) if cls.status == "running" else []
    if cls.status == "running" and not problems:
        problems = services.close_refusals(cls, found, current_user)
    return render_template("training/close.html", cls=cls, found=found, problems=problems,
                           rule=services.OUTCOME_RULE, outcome_labels=OUTCOME_LABELS,
                           trainee_labels=TRAINEE_STATUS_LABELS), status


@bp.route("/classes/<int:class_id>/file", methods=["POST"])
@login_required
def class_file(class_id: int):
    """File a closed class (the organisation department; not whoever closed it)."""
    cls = class_for(class_id, "training.view")
    permissions.require(permissions.can("training.manage", cls.unit))
    try:
        services.file(cls, actor=current_user)
        flash(_("The class is filed."), "success")
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return _back(class_id)
