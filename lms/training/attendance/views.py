"""The organiser's pages: a class's sessions and attendance (the class tab), a session's
form, its check-in code (large, and as a QR code the app draws), its roster, deciding
leave and withdrawing a trainee over the limit."""
from __future__ import annotations

import io

import segno
from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.auth.models import User
from lms.core.pagination import paginate
from lms.core.timeutil import local_time
from lms.extensions import db
from lms.org import credit, permissions
from lms.training.attendance import checkin, leave, rates, sessions
from lms.training.attendance.errors import Refused
from lms.training.attendance.forms import (
    CodeForm,
    LeaveDecisionForm,
    LeaveLimitForm,
    SessionForm,
    show_refusal,
)
from lms.training.blueprint import bp
from lms.training.closing import services as closing
from lms.training.labels import LEAVE_LABELS, OUTCOME_LABELS, STATUS_LABELS, TRAINEE_STATUS_LABELS
from lms.training.lookup import class_for
from lms.training.models import (
    ClassSession,
    ClassTrainee,
    LeaveRequest,
    SessionAttendance,
    TrainingClass,
)


def session_for(session_id: int, action: str) -> ClassSession:
    """The session, when the user may do `action` on its class's unit (else 404)."""
    session = db.session.get(ClassSession, session_id)
    permissions.require(session is not None
                        and permissions.can(action, session.training_class.unit))
    return session


def _sessions_url(cls_id: int) -> str:
    return url_for("training.class_sessions", class_id=cls_id)


@bp.route("/classes/<int:class_id>/sessions")
@login_required
def class_sessions(class_id: int):
    """The class's sessions, its trainees' attendance and leave, pending leave requests,
    trainees over the leave limit, and the steps of the class's run."""
    cls = class_for(class_id, "training.view")
    can_run = permissions.can("training.run", cls.unit)
    counts = dict(db.session.execute(
        select(SessionAttendance.session_id, func.count()).join(
            ClassSession, ClassSession.id == SessionAttendance.session_id)
        .where(ClassSession.class_id == cls.id).group_by(SessionAttendance.session_id)).all())
    page = paginate(select(ClassTrainee).where(ClassTrainee.class_id == cls.id)
                    .order_by(ClassTrainee.id))
    sheets = rates.sheets(cls, page.items)
    pending = db.session.execute(
        select(LeaveRequest, User.name)
        .join(ClassSession, ClassSession.id == LeaveRequest.session_id)
        .join(User, User.id == LeaveRequest.user_id)
        .where(ClassSession.class_id == cls.id, LeaveRequest.status == "pending")
        .order_by(LeaveRequest.requested_at).limit(200)).all()
    over = rates.over_limit(cls)
    over_rows = db.session.execute(select(ClassTrainee.id, User.name, ClassTrainee.user_id).join(
        User, User.id == ClassTrainee.user_id).where(
        ClassTrainee.class_id == cls.id, ClassTrainee.user_id.in_(over))).all() if over else []
    return render_template(
        "training/sessions.html", cls=cls, counts=counts, page=page, sheets=sheets,
        pending=pending, over=over, over_rows=over_rows, can_run=can_run,
        can_file=closing.may_file(cls, current_user), class_rate=rates.class_rate(cls),
        rule=rates.rule_text(cls), over_text=rates.over_text, percent=rates.percent,
        decision=LeaveDecisionForm(),
        limit_form=LeaveLimitForm(leave_limit=rates.share_text(cls.leave_limit, plain=True)),
        open_statuses=sessions.OPEN_STATUSES,
        code_open=checkin.code_open, labels={"status": STATUS_LABELS,
                                             "trainee": TRAINEE_STATUS_LABELS,
                                             "outcome": OUTCOME_LABELS, "leave": LEAVE_LABELS},
        outcome_rule=closing.OUTCOME_RULE)


def _input_time(moment) -> str:
    """A naive UTC time as a datetime-local input's value, in local time."""
    return local_time(moment).replace(tzinfo=None).isoformat(timespec="minutes")


def _session_form_page(cls: TrainingClass, session: ClassSession | None):
    form = SessionForm()
    if request.method == "GET" and session is not None:
        form.process(data={
            "title": session.title, "venue": session.venue, "lecturer": session.lecturer,
            "hours": f"{session.hours:g}",
            "starts_at": _input_time(session.starts_at),
            "ends_at": _input_time(session.ends_at)})
    status = 200
    if form.validate_on_submit():
        try:
            data = sessions.validate(cls, form.data, session)
            if session is None:
                sessions.add(cls, data, actor_id=current_user.id)
                flash(_("Session added."), "success")
            else:
                sessions.change(session, data, actor_id=current_user.id)
                flash(_("Session saved."), "success")
            return redirect(_sessions_url(cls.id))
        except Refused as exc:
            db.session.rollback()
            for message in show_refusal(form, exc):
                flash(message, "error")
            status = 422
    return render_template("training/session_form.html", cls=cls, form=form,
                           session=session), status


@bp.route("/classes/<int:class_id>/sessions/new", methods=["GET", "POST"])
@login_required
def session_new(class_id: int):
    """Add a session to the class (its organiser)."""
    cls = class_for(class_id, "training.run")
    return _session_form_page(cls, None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def session_edit(session_id: int):
    """Change a session (its class's organiser)."""
    session = session_for(session_id, "training.run")
    return _session_form_page(session.training_class, session)


@bp.route("/sessions/<int:session_id>/delete", methods=["POST"])
@login_required
def session_delete(session_id: int):
    """Remove a session nobody attended or asked leave for."""
    session = session_for(session_id, "training.run")
    class_id = session.class_id
    try:
        sessions.remove(session, actor_id=current_user.id)
        flash(_("Session removed."), "success")
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(_sessions_url(class_id))


@bp.route("/classes/<int:class_id>/leave-limit", methods=["POST"])
@login_required
def class_leave_limit(class_id: int):
    """Set the class's leave limit (its organiser, until the class closes)."""
    cls = class_for(class_id, "training.run")
    form = LeaveLimitForm()
    if form.validate_on_submit():
        try:
            sessions.set_leave_limit(cls, form.leave_limit.data, actor_id=current_user.id)
            flash(rates.rule_text(cls), "success")
        except Refused as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(_sessions_url(cls.id))


# ---- the check-in code ---------------------------------------------------------------------

@bp.route("/sessions/<int:session_id>/code", methods=["GET", "POST"])
@login_required
def session_code(session_id: int):
    """The session's check-in code, large, with its QR code and expiry; open a new one."""
    session = session_for(session_id, "training.run")
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            raw = (form.minutes.data or "").strip()
            minutes = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else None
            checkin.open_code(session, minutes, actor_id=current_user.id)
            return redirect(url_for("training.session_code", session_id=session.id))
        except Refused as exc:
            db.session.rollback()
            for message in show_refusal(form, exc):
                flash(message, "error")
            status = 422
    is_open = checkin.code_open(session)
    return render_template(
        "training/session_code.html", session=session, cls=session.training_class, form=form,
        is_open=is_open,
        checkin_url=url_for("training.checkin", code=session.checkin_code, _external=True)
        if is_open else None), status


@bp.route("/sessions/<int:session_id>/code/close", methods=["POST"])
@login_required
def session_code_close(session_id: int):
    """End the session's code now."""
    session = session_for(session_id, "training.run")
    checkin.close_code(session, actor_id=current_user.id)
    flash(_("The check-in code is closed."), "success")
    return redirect(url_for("training.session_code", session_id=session.id))


@bp.route("/sessions/<int:session_id>/code.svg")
@login_required
def session_code_qr(session_id: int):
    """The open code's QR code (SVG, drawn here): the learner's check-in page with the code,
    on this request's host. 404 when no code is open."""
    session = session_for(session_id, "training.run")
    permissions.require(checkin.code_open(session))
    target = url_for("training.checkin", code=session.checkin_code, _external=True)
    out = io.BytesIO()
    segno.make(target, error="m").save(out, kind="svg", scale=8, border=4,
                                       title=_("Check-in code"))
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- the roster ----------------------------------------------------------------------------

@bp.route("/sessions/<int:session_id>/roster", methods=["GET", "POST"])
@login_required
def session_roster(session_id: int):
    """Mark the session's expected trainees present or absent (method "roster")."""
    session = session_for(session_id, "training.run")
    cls = session.training_class
    if request.method == "POST":
        present, shown = ({int(v) for v in request.form.getlist(name)
                           if v.isascii() and v.isdigit() and len(v) < 10}
                          for name in ("present", "shown"))
        try:
            added, removed = checkin.mark_roster(session, present, actor=current_user,
                                                 among=shown)
            flash(_("Roster saved: %(a)d marked present, %(r)d marked absent.", a=added,
                    r=removed), "success")
            return redirect(url_for("training.session_roster", session_id=session.id))
        except Refused as exc:
            db.session.rollback()
            flash(exc.message, "error")
    page = paginate(select(ClassTrainee).where(
        ClassTrainee.class_id == cls.id, ClassTrainee.status.in_(rates.ATTENDING))
        .order_by(ClassTrainee.id))
    ids = [t.user_id for t in page.items]
    marks = {a.user_id: a for a in db.session.scalars(select(SessionAttendance).where(
        SessionAttendance.session_id == session.id, SessionAttendance.user_id.in_(ids)))} \
        if ids else {}
    leaves = {r.user_id: r for r in db.session.scalars(select(LeaveRequest).where(
        LeaveRequest.session_id == session.id, LeaveRequest.user_id.in_(ids)))} if ids else {}
    return render_template("training/roster.html", session=session, cls=cls, page=page,
                           marks=marks, leaves=leaves, refused=credit.refusals(ids),
                           leave_labels=LEAVE_LABELS)


# ---- leave and withdrawal ------------------------------------------------------------------

@bp.route("/leave/<int:leave_id>/decide", methods=["POST"])
@login_required
def leave_decide(leave_id: int):
    """Grant or refuse a leave request (the class's organiser)."""
    request_row = db.session.get(LeaveRequest, leave_id)
    permissions.require(request_row is not None and permissions.can(
        "training.run", request_row.session.training_class.unit))
    class_id = request_row.session.class_id
    form = LeaveDecisionForm()
    if form.validate_on_submit():
        try:
            leave.decide_leave(request_row, bool(form.grant.data), form.reply.data,
                               actor=current_user)
            flash(_("Leave granted.") if form.grant.data else _("Leave refused."), "success")
        except Refused as exc:
            db.session.rollback()
            flash(exc.message, "error")
    else:
        flash(_("Grant or refuse the request."), "error")
    return redirect(_sessions_url(class_id))


@bp.route("/trainees/<int:trainee_id>/withdraw", methods=["POST"])
@login_required
def trainee_withdraw(trainee_id: int):
    """Withdraw a trainee whose leave passed the class's limit."""
    trainee = db.session.get(ClassTrainee, trainee_id)
    permissions.require(trainee is not None
                        and permissions.can("training.run", trainee.training_class.unit))
    class_id = trainee.class_id
    try:
        leave.withdraw(trainee, actor=current_user)
        flash(_("%(name)s was withdrawn from the class.", name=trainee.user.name), "success")
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "error")
    return redirect(_sessions_url(class_id))
