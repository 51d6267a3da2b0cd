"""Class evaluation pages: the organiser sets up and opens the questionnaire and reads the
results (never who answered what); a trainee answers once; the department reads each
lecturer's ratings across the year's classes."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.core.params import int_arg
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import permissions
from lms.training.blueprint import bp
from lms.training.evaluation import services, survey
from lms.training.evaluation.forms import AnswerForm, OpenForm, QuestionnaireForm
from lms.training.lookup import class_for
from lms.training.models import TrainingClass


def _page(cls: TrainingClass, form: QuestionnaireForm | None = None, problems=None,
          status: int = 200):
    """The evaluation tab: the questionnaire (editable while it may change), opening it,
    and the results once enough trainees answered."""
    kind = survey.kind()
    may_run = permissions.can("training.run", cls.unit)
    answered = services.response_count(cls)
    fixed = services.why_fixed(cls, answered)
    if kind is not None and may_run and not fixed and form is None:
        form = QuestionnaireForm(formdata=None, text=services.draft_text(kind, cls))
    summary = None
    if kind is not None and answered >= services.MIN_SHOWN:
        summary = survey.summarise(kind, services.setup(cls)["config"],
                                   services.answers_of(cls))
    return render_template(
        "training/class_evaluation.html", cls=cls, kind=kind, may_run=may_run,
        form=form if (kind is not None and may_run and not fixed) else None,
        problems=problems or [], fixed=fixed, answered=answered,
        answering=services.answering_count(cls), summary=summary,
        open_form=OpenForm() if may_run else None, set_up=services.is_set_up(cls),
        opened_at=services.opened_at(cls), is_open=services.is_open(cls),
        min_shown=services.MIN_SHOWN,
        summary_template=survey.template(kind, "summary.html") if kind else None), status


@bp.route("/classes/<int:class_id>/evaluation", methods=["GET", "POST"])
@login_required
def class_evaluation(class_id: int):
    """The evaluation tab; a POST saves the questionnaire (one rule for both, so an id past
    the database's range answers 404, not 405)."""
    if request.method == "GET":
        return _page(class_for(class_id, "training.view"))
    return _save(class_id)


def _save(class_id: int):
    """Save the questionnaire (checked by its type; nothing is written when refused)."""
    cls = class_for(class_id, "training.run")
    kind = survey.kind()
    back = url_for("training.class_evaluation", class_id=cls.id)
    if kind is None:
        flash(_("The questionnaire type is not installed: evaluations cannot be set up."),
              "error")
        return redirect(back)
    form = QuestionnaireForm()
    if not form.validate_on_submit():
        return _page(cls, form, status=422)
    try:
        problems = services.save(kind, cls, form.text.data)
    except services.Refused as exc:
        flash(str(exc), "error")
        return redirect(back)
    if problems:
        db.session.rollback()
        return _page(cls, form, problems, status=422)
    db.session.commit()
    flash(_("The questionnaire was saved."), "success")
    return redirect(back)


@bp.route("/classes/<int:class_id>/evaluation/open", methods=["POST"])
@login_required
def class_evaluation_open(class_id: int):
    """Open the questionnaire to the trainees and notify them."""
    cls = class_for(class_id, "training.run")
    back = url_for("training.class_evaluation", class_id=cls.id)
    if not OpenForm().validate_on_submit():
        flash(_("The form expired: please try again."), "error")
        return redirect(back)
    try:
        notified = services.open_evaluation(cls, current_user.id)
    except services.Refused as exc:
        flash(str(exc), "error")
        return redirect(back)
    db.session.commit()
    flash(_("The evaluation is open: %(n)d trainees were notified.", n=notified), "success")
    return redirect(back)


@bp.route("/classes/<int:class_id>/evaluate", methods=["GET", "POST"])
@login_required
def evaluate(class_id: int):
    """A trainee answers the class's questionnaire, once."""
    cls = db.session.get(TrainingClass, class_id)
    permissions.require(cls is not None and services.trainee(cls, current_user.id) is not None)
    kind = survey.kind()
    mine = services.response_of(cls, current_user.id)
    form = AnswerForm()
    problems: dict[str, str] = {}
    if request.method == "POST":
        if mine is not None:
            flash(_("You have already answered this evaluation: your first answers are kept."),
                  "error")
            return redirect(url_for("training.evaluate", class_id=cls.id))
        if kind is None or not services.is_open(cls):
            flash(_("The evaluation of this class is not open."), "error")
            return redirect(url_for("training.evaluate", class_id=cls.id))
        if not form.validate_on_submit():
            problems = {"": _("The form expired: please try again.")}
        else:
            try:
                taken = services.answer(kind, cls, current_user.id, request.form.to_dict())
            except services.Refused as exc:
                flash(str(exc), "error")
                return redirect(url_for("training.evaluate", class_id=cls.id))
            if not taken.problems:
                flash(_("Thank you: your answers were kept."), "success")
                return redirect(url_for("training.evaluate", class_id=cls.id))
            problems = taken.problems
    config = services.setup(cls).get("config") or {}
    return render_template(
        "training/evaluate.html", cls=cls, kind=kind, form=form, mine=mine,
        is_open=kind is not None and services.is_open(cls), config=config,
        intro_html=services.setup(cls).get("intro_html", ""),
        values=request.form if request.method == "POST" else {}, problems=problems,
        field_problems={k: v for k, v in problems.items() if k},
        answer_template=survey.template(kind, "answer_form.html") if kind else None
    ), 422 if problems else 200


@bp.route("/evaluations/lecturers")
@login_required
def lecturer_ratings():
    """Each lecturer's mean rating over the year's classes in the user's scope."""
    permissions.require_anywhere("training.view")
    year = int_arg("year", local_today().year, low=2000, high=2100)
    return render_template("training/lecturer_ratings.html", year=year,
                           rows=services.lecturer_table(year))


@bp.app_template_global()
def evaluation_prompt(training_class, user_id: int) -> str | None:
    """For `_evaluation_prompt.html`: "open" when the user may answer the class's evaluation
    now, "answered" once they did, None otherwise."""
    if not services.is_open(training_class) and not services.is_opened(training_class):
        return None
    if services.trainee(training_class, user_id) is None:
        return None
    if services.response_of(training_class, user_id) is not None:
        return "answered"
    return "open" if services.is_open(training_class) else None
