"""The class pages: the list, the form (new and edit), the class plan tab with its history
and review, and the plan's attachments."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.core.pagination import paginate
from lms.core.storage import serve
from lms.extensions import db
from lms.org import permissions
from lms.org import queries as org_queries
from lms.training import labels
from lms.training.blueprint import bp
from lms.training.classes import attachments, services
from lms.training.classes.forms import ClassForm
from lms.training.classes.queries import ClassFilter, select_classes
from lms.training.classes.validation import Invalid, validate
from lms.training.models import ClassAttachment, ClassTrainee, TrainingClass


def viewable(class_id: int) -> TrainingClass:
    """The class, when the user may read it (else 404)."""
    training_class = db.session.get(TrainingClass, class_id)
    permissions.require(training_class is not None and services.can_view(training_class))
    return training_class


def managed(class_id: int) -> TrainingClass:
    """The class, when the user runs training for its unit (else 404)."""
    training_class = db.session.get(TrainingClass, class_id)
    permissions.require(training_class is not None
                        and services.can_manage_plan(training_class))
    return training_class


def label_context() -> dict:
    return {"category_labels": labels.CATEGORY_LABELS, "form_labels": labels.FORM_LABELS,
            "status_labels": labels.STATUS_LABELS, "organiser_labels": labels.ORGANISER_LABELS,
            "trainee_labels": labels.TRAINEE_STATUS_LABELS}


@bp.route("/classes")
@login_required
def classes():
    """The classes of the user's scope, filtered, one page at a time."""
    permissions.require_anywhere("training.view")
    f = ClassFilter.from_args()
    page = paginate(select_classes(f))
    return render_template("training/classes/list.html", page=page, f=f,
                           reviewer=permissions.can_anywhere("training.manage"),
                           proposer=permissions.can_anywhere("training.run"),
                           units=org_queries.unit_choices("training.view", by_code=True),
                           **label_context())


def _form_page(form: ClassForm, training_class: TrainingClass | None):
    return render_template("training/classes/form.html", form=form, cls=training_class,
                           **label_context())


@bp.route("/classes/new", methods=["GET", "POST"])
@login_required
def class_new():
    """Draft a class for a unit of the user's subtree."""
    permissions.require_anywhere("training.run")
    form = ClassForm()
    form.fill_choices()
    if request.method == "POST" and form.validate():
        try:
            training_class = services.create_class(validate(request.form), current_user)
        except Invalid as exc:
            form.show_problems(exc.problems)
        else:
            flash(_("Draft saved. Attach files if any, then submit it for review."), "success")
            return redirect(url_for("training.class_detail", class_id=training_class.id))
    return _form_page(form, None)


@bp.route("/classes/<int:class_id>/edit", methods=["GET", "POST"])
@login_required
def class_edit(class_id: int):
    """Change a draft or a returned class."""
    training_class = managed(class_id)
    if not services.can_edit(training_class):
        flash(_("Only a draft or a returned class can be changed."), "error")
        return redirect(url_for("training.class_detail", class_id=class_id))
    form = ClassForm()
    form.fill_choices()
    if request.method == "GET":
        form.load(training_class)
    elif form.validate():
        try:
            services.update_class(training_class, validate(request.form), current_user)
        except Invalid as exc:
            db.session.rollback()
            form.show_problems(exc.problems)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("training.class_detail", class_id=class_id))
    return _form_page(form, training_class)


@bp.route("/classes/<int:class_id>")
@login_required
def class_detail(class_id: int):
    """The class plan tab: every field, the plan, attachments, status, history and the
    steps the viewer may take; a trainee sees the plan and their own standing."""
    training_class = viewable(class_id)
    # Administrators over the class's unit see its tabs and history; the administrator of a
    # called-up cadre's unit and the trainees read the plan.
    admin = permissions.can("training.view", training_class.unit)
    mine = db.session.scalar(select(ClassTrainee).where(
        ClassTrainee.class_id == class_id, ClassTrainee.user_id == current_user.id))
    events = services.history(training_class) if admin else []
    reviewer = permissions.can("training.manage", training_class.unit)
    return render_template(
        "training/classes/detail.html", cls=training_class, admin=admin, mine=mine,
        events=events, files=[(a, attachments.is_stored(a))
                              for a in attachments.listing(training_class)],
        can_edit=services.can_edit(training_class),
        reviewer=reviewer and training_class.status == "submitted",
        review_refusal=services.review_refusal(training_class) if reviewer else None,
        submitted=services.last_event(events, "submit"),
        since=services.status_since(training_class, events),
        planned_fen=services.planned_total_fen(training_class) if admin else 0,
        limit_mb=attachments.evidence_limit_mb(), **label_context())


def _step_done(class_id: int, message: str):
    flash(message, "success")
    return redirect(url_for("training.class_detail", class_id=class_id))


def _refused(class_id: int, message: str):
    flash(message, "error")
    return redirect(url_for("training.class_detail", class_id=class_id))


@bp.route("/classes/<int:class_id>/submit", methods=["POST"])
@login_required
def class_submit(class_id: int):
    """Submit the class for review by the organisation department."""
    training_class = managed(class_id)
    try:
        services.submit(training_class, current_user)
    except Invalid as exc:
        return _refused(class_id, " ".join(exc.problems.values()))
    except services.ClassError as exc:
        return _refused(class_id, exc.message)
    return _step_done(class_id, _("Submitted for review by the organisation department."))


@bp.route("/classes/<int:class_id>/review", methods=["POST"])
@login_required
def class_review(class_id: int):
    """Return (with comments) or approve a submitted class."""
    training_class = db.session.get(TrainingClass, class_id)
    permissions.require(training_class is not None
                        and permissions.can("training.manage", training_class.unit))
    decision = request.form.get("decision")
    comment = request.form.get("comment", "")
    try:
        if decision == "return":
            services.return_class(training_class, current_user, comment)
            message = _("The class was returned to its unit with your comments.")
        elif decision == "approve":
            services.approve(training_class, current_user, comment)
            message = _("The class was approved; its unit was told.")
        else:
            return _refused(class_id, _("Choose to return or to approve the class."))
    except Invalid as exc:
        return _refused(class_id, " ".join(exc.problems.values()))
    except services.ClassError as exc:
        return _refused(class_id, exc.message)
    return _step_done(class_id, message)


# ---- attachments ---------------------------------------------------------------------------

@bp.route("/classes/<int:class_id>/attachments", methods=["POST"])
@login_required
def class_attach(class_id: int):
    """Attach a file to a draft or returned class."""
    training_class = managed(class_id)
    try:
        row = attachments.attach(training_class, request.files.get("attachment"), current_user)
    except Invalid as exc:
        return _refused(class_id, " ".join(exc.problems.values()))
    except services.ClassError as exc:
        return _refused(class_id, exc.message)
    return _step_done(class_id, _("Attached %(name)s.", name=row.filename))


def _attachment(attachment_id: int) -> tuple[ClassAttachment, TrainingClass]:
    row = db.session.get(ClassAttachment, attachment_id)
    training_class = db.session.get(TrainingClass, row.class_id) if row else None
    permissions.require(training_class is not None and services.can_view(training_class))
    return row, training_class


@bp.route("/attachments/<int:attachment_id>")
@login_required
def class_attachment(attachment_id: int):
    """An attachment, to whoever may read the class; always a download under a safe name."""
    row, _cls = _attachment(attachment_id)
    mime = row.content_type if row.content_type in attachments.TYPES \
        else "application/octet-stream"
    return serve.answer(row.stored_name, mime=mime, filename=row.filename, cache="no-store")


@bp.route("/attachments/<int:attachment_id>/remove", methods=["POST"])
@login_required
def class_attachment_remove(attachment_id: int):
    """Remove an attachment while the class is a draft or returned."""
    row, training_class = _attachment(attachment_id)
    permissions.require(services.can_manage_plan(training_class))
    try:
        attachments.remove(training_class, row, current_user)
    except services.ClassError as exc:
        return _refused(training_class.id, exc.message)
    return _step_done(training_class.id, _("Removed %(name)s.", name=row.filename))
