"""Lecturers' side of attempts: the grading queue (essays), grading one attempt with comments
the learner sees, and a quiz's results and statistics."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import ColumnElement, func, select, true
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.assessment import attempts as engine
from lms.assessment import scoring
from lms.assessment.models import Attempt, AttemptAnswer
from lms.assessment.statistics import AttemptScores, summarise
from lms.auth.models import User
from lms.catalog.models import Activity, Course
from lms.catalog.queries import taught_by
from lms.core.forms import DecimalField
from lms.core.pagination import paginate_rows
from lms.extensions import db
from lms.org import credit, permissions

bp = Blueprint("grading", __name__, url_prefix="/teach")
STATS_LIMIT = 5000  # finished attempts read for statistics (the newest)


class ResitForm(FlaskForm):
    username = StringField(_l("Account of the cadre"), validators=[DataRequired(),
                                                                   Length(max=64)])
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500)])


class GradeForm(FlaskForm):
    mark = DecimalField(_l("Mark"), places=2, validators=[InputRequired(), NumberRange(min=0)])
    comment = TextAreaField(_l("Comment for the learner"), validators=[Length(max=5000)],
                            render_kw={"rows": 4})


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


def _taught() -> ColumnElement[bool]:
    """Courses the user teaches (reviewers see every course)."""
    if permissions.can_review_courses():
        return true()
    return taught_by(current_user.id)


def _graded_activity(activity_id: int) -> Activity:
    activity = db.session.get(Activity, activity_id)
    if activity is None or engine.spec_for(activity) is None or not results_allowed(activity):
        abort(404)
    return activity


@bp.app_template_global()
def results_allowed(activity: Activity) -> bool:
    """Whether the user may open a graded activity's results: its course's lecturers and the
    organisation department."""
    return permissions.teaches(activity.course) or permissions.can_review_courses()


def _gradable(attempt_id: int) -> tuple[Attempt, Activity]:
    """An attempt the user may grade: grading shows the questions, so a sealed exam's
    attempts are graded by its authors only."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    activity = _graded_activity(attempt.activity_id)
    permissions.require(engine.reads_questions(activity, current_user))
    return attempt, activity


def waiting_count() -> int:
    """How many submitted attempts wait in the user's grading queue (one COUNT)."""
    return db.session.scalar(
        select(func.count()).select_from(Attempt)
        .join(Activity, Activity.id == Attempt.activity_id)
        .join(Course, Course.id == Activity.course_id)
        .where(Attempt.status == "submitted", _taught())) or 0


@bp.route("/grading")
def queue():
    """Submitted attempts with answers a person must grade, oldest first (for those who
    author courses, and anyone named a lecturer of one)."""
    if not permissions.can_anywhere("course.author") and db.session.scalar(
            select(Course.id).where(taught_by(current_user.id)).limit(1)) is None:
        permissions.require_anywhere("course.author")
    stmt = (select(Attempt.id, Attempt.submitted_at, Attempt.number, User.name.label("learner"),
                   Activity.id.label("activity_id"), Activity.title.label("activity"),
                   Course.title.label("course"), Attempt.user_id)
            .join(User, User.id == Attempt.user_id)
            .join(Activity, Activity.id == Attempt.activity_id)
            .join(Course, Course.id == Activity.course_id)
            .where(Attempt.status == "submitted", _taught())
            .order_by(Attempt.submitted_at, Attempt.id))
    page = paginate_rows(stmt)
    readable = {i: engine.reads_questions(db.session.get(Activity, i), current_user)
                for i in {row.activity_id for row in page.items}}
    # Attempts this grader may not grade say why and who grades instead (four eyes).
    refused = credit.refusals((row.user_id for row in page.items),
                              own=engine.own_attempt_text())
    return render_template("assessment/grading.html", page=page, readable=readable,
                           refused=refused)


@bp.route("/grading/<int:attempt_id>")
def grade(attempt_id: int):
    attempt, activity = _gradable(attempt_id)
    learner = db.session.get(User, attempt.user_id)
    answers = engine.answers_of(attempt.id)
    manual = [(slot, answers.get(slot["slot"])) for slot in attempt.slots
              if slot["qtype"] in scoring.MANUAL]
    forms = {slot["slot"]: GradeForm(prefix=f"s{slot['slot']}", formdata=None, data={
        "mark": (answer.fraction or 0) * slot["mark"] if answer and answer.fraction is not None
        else None, "comment": answer.comment if answer else ""})
        for slot, answer in manual}
    return render_template("assessment/grade.html", attempt=attempt, activity=activity,
                           learner=learner, manual=manual, forms=forms,
                           percent=engine.percent(attempt),
                           refused=credit.refusal(learner, own=engine.own_attempt_text()))


@bp.route("/grading/<int:attempt_id>/<int:slot>", methods=["POST"])
def grade_answer(attempt_id: int, slot: int):
    attempt, _activity = _gradable(attempt_id)
    form = GradeForm(prefix=f"s{slot}")
    if not form.validate():
        flash(_("Give a mark from 0 to the question's mark."), "error")
        return redirect(url_for("grading.grade", attempt_id=attempt.id))
    mark = next((s["mark"] for s in attempt.slots if s["slot"] == slot), None)
    if mark is None:
        abort(404)
    try:
        engine.grade_answer(attempt, slot, float(form.mark.data) / mark if mark else 0.0,
                            form.comment.data or "", current_user)
    except engine.AttemptError as exc:
        flash(exc.message, "error")
    else:
        flash(_("The grade was saved."), "success")
    if attempt.status == "graded":
        return redirect(url_for("grading.queue"))
    return redirect(url_for("grading.grade", attempt_id=attempt.id))


@bp.route("/activities/<int:activity_id>/results")
def results(activity_id: int):
    """A quiz's finished attempts and their statistics (distribution, difficulty,
    discrimination, the most-missed questions)."""
    activity = _graded_activity(activity_id)
    engine.close_expired(activity.id)
    newest = (select(Attempt.id)
              .where(Attempt.activity_id == activity.id, Attempt.status == "graded")
              .order_by(Attempt.id.desc()).limit(STATS_LIMIT).scalar_subquery())
    finished = db.session.execute(
        select(Attempt.id, Attempt.items, Attempt.score, Attempt.max_score)
        .where(Attempt.id.in_(newest)).order_by(Attempt.id.desc())).all()
    fractions = {(a, s): f for a, s, f in db.session.execute(
        select(AttemptAnswer.attempt_id, AttemptAnswer.slot, AttemptAnswer.fraction)
        .where(AttemptAnswer.attempt_id.in_(newest)))}
    names: dict[str, str] = {}
    scores = []
    for row in finished:
        items = {}
        for slot, key, mark, name in row.items:
            names.setdefault(key, name)
            items[key] = (mark * (fractions.get((row.id, slot)) or 0.0), mark)
        scores.append(AttemptScores(row.score or 0.0, row.max_score, items))
    stats = summarise(scores)
    # The item analysis names the questions: only those who may read them see it.
    questions_shown = engine.reads_questions(activity, current_user)
    stmt = (select(Attempt.id, Attempt.number, Attempt.status, Attempt.score,
                   Attempt.max_score, Attempt.passed, Attempt.submitted_at,
                   User.name.label("learner"))
            .join(User, User.id == Attempt.user_id)
            .where(Attempt.activity_id == activity.id, Attempt.status != "open")
            .order_by(Attempt.submitted_at.desc(), Attempt.id.desc()))
    spec = engine.spec_for(activity)
    return render_template("assessment/results.html", activity=activity, stats=stats,
                           names=names, page=paginate_rows(stmt), spec=spec,
                           questions_shown=questions_shown,
                           released=engine.released(activity.id),
                           can_release=permissions.can_review_courses(),
                           resit_form=ResitForm() if spec and spec.attempts
                           and permissions.can_review_courses() else None)


@bp.route("/activities/<int:activity_id>/release", methods=["POST"])
def release(activity_id: int):
    """The organisation department releases an exam's results to the cadres."""
    activity = _graded_activity(activity_id)
    permissions.require(permissions.can_review_courses())
    count = engine.release_results(activity, current_user)
    flash(_("Results released: %(n)d attempts.", n=count), "success")
    return redirect(url_for("grading.results", activity_id=activity.id))


@bp.route("/activities/<int:activity_id>/resits", methods=["POST"])
def resit(activity_id: int):
    """The organisation department grants one more attempt to a cadre."""
    activity = _graded_activity(activity_id)
    permissions.require(permissions.can_review_courses())
    form = ResitForm()
    user = db.session.scalar(select(User).where(User.username == (form.username.data or "")
                                                .strip())) if form.validate() else None
    if user is None:
        flash(_("No such cadre in your scope."), "error")
    else:
        try:
            engine.grant_resit(activity, user, current_user, form.reason.data or "")
        except engine.AttemptError as exc:
            flash(exc.message, "error")
        else:
            flash(_("A re-sit was granted to %(name)s.", name=user.name), "success")
    return redirect(url_for("grading.results", activity_id=activity.id))
