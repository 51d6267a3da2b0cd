"""The trainees tab of a class (call up by name, give quotas, decide explanations) and
"Call-ups for my unit" (release, confirm, explain, nominate on quotas)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from lms.auth.models import User
from lms.core.pagination import paginate
from lms.extensions import db
from lms.org import permissions
from lms.org import queries as org_queries
from lms.org.models import CadreProfile, Unit
from lms.training.blueprint import bp
from lms.training.callup import services
from lms.training.classes.services import ClassError
from lms.training.classes.validation import Invalid
from lms.training.classes.views import label_context
from lms.training.models import ClassQuota, ClassTrainee, Explanation, TrainingClass

MAX_CANDIDATES = 300


def _class(class_id: int) -> TrainingClass:
    training_class = db.session.get(TrainingClass, class_id)
    permissions.require(training_class is not None
                        and permissions.can("training.view", training_class.unit))
    return training_class


def _names(text: str) -> list[str]:
    return [n for n in text.replace(",", "\n").replace("，", "\n").replace("、", "\n").split()
            if n]


def candidates(training_class: TrainingClass, q: str = "") -> list[tuple[str, str, str]]:
    """(username, name, unit) of active cadres of the class unit's subtree not yet on the
    class, whose username or name contains `q`, for the call-up list (bounded)."""
    present = select(ClassTrainee.user_id).where(ClassTrainee.class_id == training_class.id)
    stmt = (select(User.username, User.name, Unit.name)
            .join(CadreProfile, CadreProfile.user_id == User.id)
            .join(Unit, Unit.id == CadreProfile.unit_id)
            .where(Unit.path.startswith(training_class.unit.path, autoescape=True),
                   User.is_active_flag.is_(True), User.id.not_in(present)))
    if q:
        stmt = stmt.where(or_(User.username.contains(q, autoescape=True),
                              User.name.contains(q, autoescape=True)))
    rows = db.session.execute(stmt.order_by(Unit.path, User.username)
                              .limit(MAX_CANDIDATES)).all()
    return [tuple(r) for r in rows]


@bp.route("/classes/<int:class_id>/trainees", methods=["GET", "POST"])
@login_required
def class_trainees(class_id: int):
    """The class's trainees with their status and explanations; the organiser's call-ups
    (POST: call up the cadres named)."""
    training_class = _class(class_id)
    if request.method == "POST":
        return _call_up(training_class)
    rows = services.trainees(training_class)
    explained = services.explanations([r.id for r in rows])
    may_call = services.can_call_up(training_class)
    q = (request.args.get("q") or "").strip()[:100]
    refusals = {e.id: services.decision_refusal(e, training_class)
                for items in explained.values() for e in items if e.decision is None}
    return render_template(
        "training/callup/trainees.html", cls=training_class, rows=rows, explained=explained,
        refusals=refusals, may_call=may_call,
        candidates=candidates(training_class, q) if may_call else [], q=q,
        quotas=services.quotas(training_class),
        quota_units=org_queries.unit_choices("training.run", by_code=True) if may_call else [],
        taken=services.seats_taken(training_class), **label_context())


def _back(class_id: int, message: str, category: str = "success"):
    flash(message, category)
    return redirect(url_for("training.class_trainees", class_id=class_id))


def _call_up(training_class: TrainingClass):
    """Call up the cadres named (usernames, one per line or ticked), all or none."""
    class_id = training_class.id
    names = request.form.getlist("username") + _names(request.form.get("usernames", ""))
    try:
        rows = services.call_up(training_class, names, current_user, request.form.get("note"))
    except Invalid as exc:
        return _back(class_id, " ".join(exc.problems.values()), "error")
    except ClassError as exc:
        return _back(class_id, exc.message, "error")
    waiting = sum(1 for r in rows if r.status == "awaiting_release")
    message = _("%(n)d cadres called up.", n=len(rows))
    if waiting:
        message += " " + _("%(n)d of them are from outside the class unit's subtree: their "
                           "units were asked to release them.", n=waiting)
    return _back(class_id, message)


@bp.route("/classes/<int:class_id>/quotas", methods=["POST"])
@login_required
def class_quota(class_id: int):
    """Give a unit seats on the class (its administrators nominate the cadres)."""
    training_class = _class(class_id)
    code = (request.form.get("unit") or "").strip()
    unit = db.session.scalar(select(Unit).where(Unit.code == code)) if code else None
    try:
        quota = services.give_quota(training_class, unit, request.form.get("seats"),
                                    current_user, request.form.get("note"))
    except Invalid as exc:
        return _back(class_id, " ".join(exc.problems.values()), "error")
    except ClassError as exc:
        return _back(class_id, exc.message, "error")
    return _back(class_id, _("%(unit)s has %(n)d seats; its administrators were told.",
                             unit=quota.unit.name, n=quota.seats))


@bp.route("/explanations/<int:explanation_id>/decide", methods=["POST"])
@login_required
def explanation_decide(explanation_id: int):
    """Accept (excused) or refuse (must attend) an explanation, with a reply."""
    explanation = db.session.get(Explanation, explanation_id)
    training_class = (db.session.get(TrainingClass, explanation.trainee.class_id)
                      if explanation else None)
    permissions.require(training_class is not None
                        and permissions.can("training.view", training_class.unit))
    decision = request.form.get("decision")
    if decision not in ("accept", "refuse"):
        return _back(training_class.id, _("Choose to accept or to refuse the explanation."),
                     "error")
    try:
        services.decide(explanation, current_user, decision == "accept",
                        request.form.get("reply"))
    except Invalid as exc:
        return _back(training_class.id, " ".join(exc.problems.values()), "error")
    except ClassError as exc:
        return _back(training_class.id, exc.message, "error")
    return _back(training_class.id, _("Explanation accepted: the cadre is excused.")
                 if decision == "accept"
                 else _("Explanation refused: the cadre must attend, else counts as absent."))


# ---- call-ups for my unit -------------------------------------------------------------------

@bp.route("/my-unit")
@login_required
def my_unit():
    """Call-ups of the cadres of the user's units: release, confirm, explain; quotas to
    fill."""
    permissions.require_anywhere("training.run")
    page = paginate(services.my_unit_callups())
    classes = {c.id: c for c in db.session.scalars(select(TrainingClass).where(
        TrainingClass.id.in_({r.class_id for r in page.items})))} if page.items else {}
    return render_template("training/callup/my_unit.html", page=page, classes=classes,
                           quotas=services.my_unit_quotas(), **label_context())


def _mine(trainee_id: int) -> ClassTrainee:
    trainee = db.session.get(ClassTrainee, trainee_id)
    permissions.require(trainee is not None and permissions.can("training.run", trainee.unit))
    return trainee


def _unit_back(message: str, category: str = "success"):
    flash(message, category)
    return redirect(url_for("training.my_unit"))


def _answer(trainee_id: int, step, done: str):
    trainee = _mine(trainee_id)
    try:
        step(trainee)
    except Invalid as exc:
        return _unit_back(" ".join(exc.problems.values()), "error")
    except ClassError as exc:
        return _unit_back(exc.message, "error")
    return _unit_back(done)


@bp.route("/trainees/<int:trainee_id>/confirm", methods=["POST"])
@login_required
def trainee_confirm(trainee_id: int):
    return _answer(trainee_id, lambda t: services.confirm(t, current_user),
                   _("Confirmed: the cadre attends."))


@bp.route("/trainees/<int:trainee_id>/explain", methods=["POST"])
@login_required
def trainee_explain(trainee_id: int):
    return _answer(trainee_id,
                   lambda t: services.explain(t, current_user, request.form.get("text")),
                   _("Explanation filed: the authority that called the cadre up decides it."))


@bp.route("/trainees/<int:trainee_id>/release", methods=["POST"])
@login_required
def trainee_release(trainee_id: int):
    """Release a cadre to another organiser's class, or decline with a reason."""
    if request.form.get("decision") == "decline":
        return _answer(trainee_id,
                       lambda t: services.decline(t, current_user, request.form.get("reason")),
                       _("Declined: the organiser was told why."))
    return _answer(trainee_id, lambda t: services.release(t, current_user),
                   _("Released: the cadre is called up; confirm or explain next."))


@bp.route("/quotas/<int:quota_id>/nominate", methods=["POST"])
@login_required
def quota_nominate(quota_id: int):
    """Nominate cadres of the unit on its seats."""
    quota = db.session.get(ClassQuota, quota_id)
    permissions.require(quota is not None and permissions.can("training.run", quota.unit))
    try:
        rows = services.nominate(quota, _names(request.form.get("usernames", "")),
                                 current_user, request.form.get("note"))
    except Invalid as exc:
        return _unit_back(" ".join(exc.problems.values()), "error")
    except ClassError as exc:
        return _unit_back(exc.message, "error")
    return _unit_back(_("%(n)d cadres nominated.", n=len(rows)))
