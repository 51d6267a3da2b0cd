"""Administrators' pages: assigning courses, completion reports, their export and reminders."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select

from lms.activities.base import ATTENDANCE
from lms.activities.registry import registry
from lms.auth.models import User
from lms.catalog import queries as catalog_queries
from lms.catalog.models import Activity, ActivityState, Course
from lms.core.forms import select_choices
from lms.core.pagination import paginate, paginate_rows
from lms.core.params import id_list, int_arg
from lms.core.timeutil import local_date, local_day, local_today
from lms.core.xlsx_stream import title_line
from lms.extensions import db
from lms.jobs import enqueue
from lms.org import credit, permissions
from lms.org import queries as org_queries
from lms.org import services as org_services
from lms.org.models import CadreProfile, Category, Unit
from lms.org.tabular import download, unit_scope, xlsx_bytes
from lms.progress import assignments, notices, report, services
from lms.progress.forms import AssignmentForm
from lms.progress.models import Assignment, AssignmentTarget, Enrolment

bp = Blueprint("tracking", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user; each view then checks its own action."""


# ---- assignments ---------------------------------------------------------------------------

@bp.route("/assignments")
def assignment_list():
    permissions.require_anywhere("course.assign")
    page = paginate(assignments.assignments_select())
    ids = [a.id for a in page.items]
    # Counted over the viewer's own units: a district-wide assignment shows each unit
    # administrator their part of it.
    counts = {aid: (n, done) for aid, n, done in db.session.execute(
        select(AssignmentTarget.assignment_id, func.count(), func.count(Enrolment.completed_at))
        .join(Assignment, Assignment.id == AssignmentTarget.assignment_id)
        .join(Enrolment, (Enrolment.user_id == AssignmentTarget.user_id)
              & (Enrolment.course_id == Assignment.course_id))
        .join(CadreProfile, CadreProfile.user_id == AssignmentTarget.user_id)
        .join(Unit, Unit.id == CadreProfile.unit_id)
        .where(AssignmentTarget.assignment_id.in_(ids),
               permissions.unit_clause("completion.view"))
        .group_by(AssignmentTarget.assignment_id))} if ids else {}
    return render_template("progress/assignments.html", page=page, counts=counts)


@bp.route("/assignments/new", methods=["GET", "POST"])
def assignment_new():
    permissions.require_anywhere("course.assign")
    form = AssignmentForm()
    courses = db.session.scalars(select(Course).where(Course.status == "published")
                                 .order_by(Course.title)).all()
    form.course_id.choices = select_choices((c.id, c.title) for c in courses)
    form.unit_id.choices = select_choices(org_queries.unit_choices("course.assign"))
    form.categories.choices = select_choices(
        (c.code, c.name) for c in org_services.categories())
    if request.method == "GET":
        slug = request.args.get("course")
        chosen = next((c for c in courses if c.slug == slug), None)
        if chosen is not None:
            form.course_id.data = chosen.id
        form.due_on.data = form.due_on.data or local_today().replace(month=12, day=31)
    if form.validate_on_submit():
        course = db.session.get(Course, form.course_id.data)
        try:
            if form.kind.data == "people":
                row, reached = assignments.assign_people(
                    course, (form.usernames.data or "").splitlines(), form.due_on.data,
                    current_user, form.note.data or "")
            else:
                unit = db.session.get(Unit, form.unit_id.data)
                if unit is None:
                    abort(400)
                row, reached = assignments.assign_audience(
                    course, assignments.Audience(
                        unit=unit, categories=list(form.categories.data or []),
                        ranks=list(form.ranks.data or []), age_min=form.age_min.data,
                        age_max=form.age_max.data),
                    form.due_on.data, current_user, form.note.data or "")
        except assignments.AssignmentError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Assigned to %(n)d cadres.", n=reached), "success")
            return redirect(url_for("tracking.completion", slug=course.slug,
                                    assignment=row.id))
    return render_template("progress/assignment_form.html", form=form)


# ---- completion reports --------------------------------------------------------------------

def _report_context(slug: str):
    """The course, the assignment (optional, in scope) and the filter of a report request."""
    permissions.require_anywhere("completion.view")
    course = catalog_queries.course_by_slug(slug)
    if course is None:
        abort(404)
    assignment = None
    if int_arg("assignment"):
        assignment = db.session.get(Assignment, int_arg("assignment"))
        if assignment is None or assignment.course_id != course.id \
                or not permissions.overlaps("completion.view", assignment.unit):
            abort(404)
    f = report.ReportFilter.from_args(request.args)
    if f.unit is not None and not permissions.can("completion.view", f.unit):
        abort(404)
    return course, assignment, f


@bp.route("/completion/<slug>")
def completion(slug: str):
    course, assignment, f = _report_context(slug)
    items = catalog_queries.live_activities(course)  # one query: the count and the sessions
    total = len(items)
    page = paginate_rows(report.report_select(course, f, assignment))
    return render_template(
        "progress/completion.html", course=course, assignment=assignment, f=f,
        rows=report.rows(page.items, total), page=page,
        summary=report.unit_summary(course, f, assignment),
        units=org_queries.unit_choices("completion.view", by_code=True),
        categories=org_services.categories(),
        statuses=_status_labels(),
        sessions=[a for a in items if registry().supports(a.type_key, ATTENDANCE)])


def _status_labels() -> dict[str, str]:
    return {"all": _("All"), "completed": _("Completed"), "in_progress": _("In progress"),
            "not_started": _("Not started"), "overdue": _("Overdue")}


@bp.route("/completion/<slug>/export.xlsx")
def completion_export(slug: str):
    course, assignment, f = _report_context(slug)
    total = report.live_count(course.id)
    result = db.session.execute(report.report_select(course, f, assignment).limit(200_000))
    headers = [_("Username"), _("Full name"), _("Unit"), _("Unit code"), _("Enrolled on"),
               _("Progress (%)"), _("Credited minutes"), _("Study hours"), _("Completed on"),
               _("Due date"), _("Overdue")]

    category = db.session.get(Category, f.category_id) if f.category_id else None
    title = title_line(_("Completion report"), [
        (_("Course"), course.title),
        (_("Unit"), unit_scope(f.unit)),
        ("", _("Assignment due %(d)s", d=local_day(assignment.due_at)) if assignment else ""),
        (_("Category"), category.name if category else ""),
        (_("Status"), _status_labels()[f.status] if f.status != "all" else ""),
        (_("Search"), f.q or "")])

    def day(moment):
        return local_date(moment) if moment else None

    data = xlsx_bytes(headers, (
        [r.username, r.name, r.unit_name, r.unit_code, day(r.enrolled_at), r.percent,
         round(r.seconds / 60, 1), r.hours, day(r.completed_at), day(r.due_at),
         _("Yes") if r.overdue else ""]
        for r in report.rows(result, total)), sheet=_("Completion report"), title=title)
    return download(data, f"completion-{course.slug}-{local_today().isoformat()}.xlsx")


@bp.route("/completion/<slug>/remind", methods=["GET", "POST"])
def completion_remind(slug: str):
    """GET previews the exact message and the number of recipients; POST sends, and above
    `notices.CONFIRM_ABOVE` recipients only once the sender has confirmed that preview."""
    course, assignment, f = _report_context(slug)
    permissions.require_anywhere("course.assign")
    behind = report.behind_user_ids(course, f, assignment)
    args = request.args.to_dict()
    if request.method == "GET":
        return render_template("progress/remind.html", course=course, assignment=assignment,
                               preview=notices.preview(behind, course), args=args,
                               threshold=notices.CONFIRM_ABOVE)
    planned = notices.preview(behind, course)
    confirmed = int_arg("confirmed", 0, low=0, args=request.form) or 0
    if planned.needs_confirmation and confirmed < planned.recipients:
        flash(_("Nothing was sent: a reminder to more than %(n)d people is sent only after "
                "you confirm its message and number of recipients below.",
                n=notices.CONFIRM_ABOVE), "error")
        return redirect(url_for("tracking.completion_remind", slug=slug, **args))
    job = enqueue("progress.remind", {"course": course.id, "users": sorted(behind)},
                  owner=current_user)  # sent in batches by a job (lms.progress.remind_jobs)
    return redirect(url_for("jobs.page", job_id=job.id))


# ---- attendance ----------------------------------------------------------------------------

@bp.route("/activities/<int:activity_id>/attendance", methods=["GET", "POST"])
def attendance(activity_id: int):
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.retired or not registry().supports(activity.type_key,
                                                                        ATTENDANCE):
        abort(404)
    course = activity.course
    everyone = permissions.can_mark_any_attendance(course)
    if not everyone and not permissions.can_anywhere("completion.view"):
        abort(403)
    stmt = (select(User.id, User.username, User.name, Unit.name, ActivityState.completed_at)
            .join(Enrolment, Enrolment.user_id == User.id)
            .join(CadreProfile, CadreProfile.user_id == User.id)
            .join(Unit, Unit.id == CadreProfile.unit_id)
            .outerjoin(ActivityState, (ActivityState.user_id == User.id)
                       & (ActivityState.activity_id == activity.id))
            .where(Enrolment.course_id == course.id))
    if not everyone:
        stmt = stmt.where(permissions.unit_clause("completion.view"))
    if request.method == "POST":
        wanted = set(id_list(request.form.getlist("attended")))
        allowed = set(db.session.scalars(
            stmt.with_only_columns(User.id).where(User.id.in_(wanted)))) if wanted else set()
        try:
            marked = services.record_attendance(activity, sorted(allowed), current_user)
        except services.ProgressError as exc:
            flash(str(exc), "error")
        else:
            flash(_("Attendance recorded for %(n)d learners.", n=marked), "success")
        return redirect(url_for("tracking.attendance", activity_id=activity.id,
                                **request.args.to_dict()))
    page = paginate_rows(stmt.order_by(Unit.path, User.username))
    # Those this user may not mark (themselves, a peer or a superior administrator) show why
    # and who marks them instead of a tick box.
    refused = credit.refusals((row[0] for row in page.items),
                              own=services.own_attendance_text())
    return render_template("progress/attendance.html", activity=activity, course=course,
                           page=page, session_info=activity.config, refused=refused)
