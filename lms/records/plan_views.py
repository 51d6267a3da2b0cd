"""Study plans and written annual appraisals."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.auth.models import User
from lms.core.pagination import paginate_rows
from lms.core.params import id_list, int_arg
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import credit, permissions
from lms.org import queries as org_queries
from lms.org.models import CadreProfile, Unit
from lms.records import plans
from lms.records.entries import FIRST_YEAR
from lms.records.models import StudyPlan
from lms.records.reading import render as render_markdown
from lms.records.record_data import readable_cadre
from lms.records.workflow import saved, year_or_404
from lms.records.workflow_forms import AcknowledgeForm, AppraisalForm, PlanForm, ReviewForm

bp = Blueprint("plans", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user; each view then checks its own action."""


def status_labels() -> dict[str, str]:
    """What a plan's status reads as."""
    return {"none": _("Not started"), "draft": _("Draft"), "submitted": _("Submitted"),
            "returned": _("Returned"), "approved": _("Approved")}


def _cadre(username: str, action: str = "record.manage") -> CadreProfile:
    """The cadre's profile when the current user may do `action` on them, else 404."""
    profile = readable_cadre(username, action)
    permissions.require(profile is not None)
    return profile


def _course_choices(form: PlanForm, plan: StudyPlan | None, year: int) -> list[tuple[int, str]]:
    """The plan form's bounded course list (see `plans.course_choices`): the courses of the
    plan and those ticked, suggestions, and what a search found."""
    kept = [int(i) for i in (plan.course_ids if plan else None) or []]
    if request.method == "POST":
        ticked = id_list(request.form.getlist("course_ids"))
        ticked = ticked[:plans.MAX_COURSES + 1]  # more are refused anyway
    else:
        ticked = kept
        form.course_ids.data = list(kept)
    q = (form.course_q.data or "").strip() if form.find.data else None
    found = plans.course_choices(current_user.id, year, kept + ticked, q)
    return [(c.id, c.title if c.published else
             _("%(t)s (no longer published)", t=c.title)) for c in found]


# ---- the cadre's own plan ------------------------------------------------------------------

@bp.route("/me/plan")
def my_current_plan():
    return redirect(url_for("plans.my_plan", year=local_today().year))


@bp.route("/me/plan/<int:year>", methods=["GET", "POST"])
def my_plan(year: int):
    year_or_404(year)
    if getattr(current_user, "profile", None) is None:
        abort(404)  # only cadres have plans
    plan = plans.plan_of(current_user.id, year)
    editable = plan is None or plan.status in plans.EDITABLE
    form = PlanForm(obj=plan) if editable else None
    preview, searched = None, False
    if form is not None:
        form.course_ids.choices = _course_choices(form, plan, year)
        if form.validate_on_submit():
            if form.preview.data:
                preview = render_markdown(form.goals.data or "")
            elif form.find.data:
                searched = True  # the page shows what was found, nothing is saved
            else:
                submit = bool(form.submit.data)
                if saved(lambda: plans.save_plan(
                        current_user, year, goals=form.goals.data or "",
                        target_hours=form.target_hours.data or 0,
                        target_days=form.target_days.data or 0,
                        course_ids=form.course_ids.data or [], submit=submit),
                        plans.PlanError):
                    flash(_("Your plan was submitted to your unit.") if submit
                          else _("Draft saved."), "success")
                    return redirect(url_for("plans.my_plan", year=year))
    summary = plans.plan_summary(current_user.id, year) if plan else None
    return render_template("records/plans/my_plan.html", year=year, plan=plan, form=form,
                           preview=preview, summary=summary, labels=status_labels(),
                           searched=searched, suggested_max=plans.SUGGESTED_MAX,
                           goals_html=render_markdown(plan.goals) if plan else "",
                           appraisal=plans.appraisal_for(current_user.id, year),
                           this_year=local_today().year, first_year=FIRST_YEAR)


# ---- administrators: plans -----------------------------------------------------------------

@bp.route("/admin/records/plans")
def queue():
    if not permissions.can_anywhere("record.manage"):
        abort(404)
    year = int_arg("year", low=1, high=9999)
    if request.args.get("year") is None:
        year = local_today().year
    status = request.args.get("status") or "submitted"
    if status not in ("submitted", "returned", "approved", "all"):
        status = "submitted"
    code = (request.args.get("unit") or "").strip()
    unit = db.session.scalar(select(Unit).where(Unit.code == code)) if code else None
    if code and (unit is None or not permissions.can("record.manage", unit)):
        abort(404)
    q = (request.args.get("q") or "").strip()[:64] or None
    page = paginate_rows(plans.plans_select(year=year, status=status, unit=unit, q=q))
    # Plans waiting that this administrator may not decide say why and who decides instead.
    refused = credit.refusals(row[0].user_id for row in page.items
                              if row[0].status == "submitted")
    this_year = local_today().year
    return render_template("records/plans/queue.html", page=page, year=year, status=status,
                           unit=unit, q=q, labels=status_labels(), refused=refused,
                           years=range(this_year + 1, this_year - 5, -1),
                           units=org_queries.unit_choices("record.manage", by_code=True))


@bp.route("/cadres/<username>/plan/<int:year>", methods=["GET", "POST"])
def review(username: str, year: int):
    year_or_404(year)
    profile = _cadre(username)
    refused = credit.refusal(profile.user)
    plan = plans.plan_of(profile.user_id, year)
    if plan is not None and plan.status == "draft":
        plan = None  # a draft is the cadre's own until it is handed in
    form = ReviewForm()
    if request.method == "GET" and plan is not None:
        form.comment.data = plan.comment
    if plan is not None and form.validate_on_submit():
        comment = form.comment.data or ""
        try:
            if form.approve.data:
                plans.approve_plan(profile.user_id, year, current_user, comment)
                message = _("Plan approved.")
            elif form.send_back.data:
                plans.return_plan(profile.user_id, year, current_user, comment)
                message = _("Plan returned to the cadre.")
            else:
                plans.comment_plan(profile.user_id, year, current_user, comment)
                message = _("Comment saved.")
        except plans.PlanError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("plans.review", username=username, year=year))
    reviewer = db.session.get(User, plan.reviewed_by_id) if plan and plan.reviewed_by_id \
        else None
    return render_template(
        "records/plans/review.html", profile=profile, year=year, plan=plan, form=form,
        summary=plans.plan_summary(profile.user_id, year) if plan else None,
        goals_html=render_markdown(plan.goals) if plan else "", labels=status_labels(),
        reviewer=reviewer, refused=refused,
        can_decide=plan is not None and plan.status == "submitted" and refused is None)


# ---- appraisals ----------------------------------------------------------------------------

@bp.route("/cadres/<username>/appraisal/<int:year>", methods=["GET", "POST"])
def appraisal(username: str, year: int):
    year_or_404(year)
    own = username == current_user.username  # the cadre reads; administrators write
    profile = _cadre(username, "record.view" if own else "record.manage")
    written = plans.appraisal_for(profile.user_id, year)
    if own:
        form = AcknowledgeForm()
        if form.validate_on_submit():  # the cadre's only action: acknowledge
            try:
                if written is None:
                    raise plans.PlanError(_("There is no appraisal to acknowledge yet."))
                plans.acknowledge(written, current_user, form.digest.data or "")
            except plans.PlanError as exc:
                db.session.rollback()
                flash(str(exc), "error")
            else:
                db.session.commit()
                flash(_("Thank you: the appraisal is acknowledged."), "success")
            return redirect(url_for("plans.appraisal", username=username, year=year))
        if written is not None:
            form.digest.data = plans.digest(written)
        return render_template("records/plans/appraisal_view.html", profile=profile,
                               year=year, appraisal=written, form=form)
    form = None
    # One's own appraisal is read above; a peer's or a superior's is read here, and the page
    # says who writes it instead.
    refused = credit.refusal(profile.user)
    if refused is None and (written is None or written.acknowledged_at is None):
        form = AppraisalForm(obj=written)
        if form.validate_on_submit() and saved(lambda: plans.write_appraisal(
                profile.user_id, year, current_user, strengths=form.strengths.data,
                shortcomings=form.shortcomings.data, requirements=form.requirements.data),
                plans.PlanError):
            flash(_("Appraisal saved; the cadre can now read it."), "success")
            return redirect(url_for("plans.appraisal", username=username, year=year))
    return render_template("records/plans/appraisal_form.html", profile=profile, year=year,
                           appraisal=written, form=form, refused=refused,
                           summary=plans.plan_summary(profile.user_id, year))


@bp.route("/me/appraisals")
def my_appraisals():
    return render_template("records/plans/my_appraisals.html",
                           appraisals=plans.appraisals_of(current_user.id),
                           year=local_today().year)
