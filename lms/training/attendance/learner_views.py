"""The learner's pages: their classes (sessions, their attendance and leave, rate, outcome),
checking in with a code, and asking for leave."""
from __future__ import annotations

from collections import defaultdict

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from lms.core.pagination import paginate
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org import permissions
from lms.training.attendance import checkin, leave, rates
from lms.training.attendance.errors import Refused
from lms.training.attendance.forms import CheckinForm, LeaveForm, show_refusal
from lms.training.blueprint import bp
from lms.training.closing.services import OUTCOME_RULE
from lms.training.labels import LEAVE_LABELS, OUTCOME_LABELS, STATUS_LABELS, TRAINEE_STATUS_LABELS
from lms.training.models import ClassSession, ClassTrainee, TrainingClass

# Classes a learner sees: from approval on (a draft is the organiser's business).
SHOWN = ("approved", "running", "closed", "filed")


@bp.route("/me")
@login_required
def my_classes():
    """The classes where the signed-in user is a trainee, newest first, each with its
    sessions, the user's attendance and leave, rate and outcome."""
    page = paginate(select(ClassTrainee).join(
        TrainingClass, TrainingClass.id == ClassTrainee.class_id).where(
        ClassTrainee.user_id == current_user.id, TrainingClass.status.in_(SHOWN))
        .options(contains_eager(ClassTrainee.training_class))
        .order_by(TrainingClass.starts_on.desc(), TrainingClass.id.desc()))
    classes = [t.training_class for t in page.items]
    ids = [c.id for c in classes]
    by_class: dict[int, list[ClassSession]] = defaultdict(list)
    if ids:
        for session in db.session.scalars(select(ClassSession).where(
                ClassSession.class_id.in_(ids)).order_by(ClassSession.starts_at)):
            by_class[session.class_id].append(session)
        for cls in classes:  # the sessions loaded above, without a query per class
            set_committed_value(cls, "sessions", by_class[cls.id])
    rows = list(zip(page.items, rates.own_sheets(page.items, current_user.id), strict=True))
    return render_template(
        "training/my_classes.html", page=page, rows=rows,
        labels={"status": STATUS_LABELS, "trainee": TRAINEE_STATUS_LABELS,
                "outcome": OUTCOME_LABELS, "leave": LEAVE_LABELS},
        percent=rates.percent, over_text=rates.over_text, rule_text=rates.rule_text,
        attending=rates.ATTENDING, outcome_rule=OUTCOME_RULE, now=utcnow())


@bp.route("/checkin", methods=["GET", "POST"], endpoint="checkin")
@login_required
def checkin_page():
    """Check in at a session with its code (prefilled from `?code=`, as the QR code links)."""
    form = CheckinForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args.get("code", "")[:16]
    status = 200
    if form.validate_on_submit():
        try:
            done = checkin.check_in(current_user, form.code.data)
            session = done.session
            if done.created:
                flash(_("Checked in at “%(session)s” of the class “%(title)s”.",
                        session=session.title, title=session.training_class.title), "success")
            else:
                flash(_("You had already checked in at “%(session)s”; nothing changed.",
                        session=session.title), "info")
            return redirect(url_for("training.my_classes"))
        except Refused as exc:
            db.session.rollback()
            for message in show_refusal(form, exc):
                flash(message, "error")
            status = 429 if exc.code == "too_many" else 422
    return render_template("training/checkin.html", form=form), status


@bp.route("/sessions/<int:session_id>/leave", methods=["POST"])
@login_required
def leave_request(session_id: int):
    """Ask for leave from a session of a class where the user is a trainee."""
    session = db.session.get(ClassSession, session_id)
    permissions.require(session is not None and leave.trainee_of(
        session.class_id, current_user.id) is not None)
    form = LeaveForm()
    if form.validate_on_submit():
        try:
            leave.request_leave(session, current_user, form.reason.data)
            flash(_("Leave asked for “%(session)s”; the organiser will decide.",
                    session=session.title), "success")
        except Refused as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for("training.my_classes"))
