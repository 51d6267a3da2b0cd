"""Authoring in the browser: lecturers create courses and activities, upload media and
packages, and submit for review; the organisation department reviews and publishes."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select

from lms.activities.base import SEALED, ActivityType
from lms.activities.registry import registry
from lms.auth.forms import ConfirmForm
from lms.auth.models import User
from lms.catalog import queries, services
from lms.catalog.forms import (
    CommentForm,
    CourseForm,
    ReviewCommentForm,
    SubjectForm,
    SubmitReviewForm,
    UploadForm,
)
from lms.catalog.hours_check import check_hours, crediting_rule
from lms.catalog.media_labels import insert_markdown, kind_label
from lms.catalog.models import Activity, Course, CourseReview, MediaFile, SubjectCategory
from lms.catalog.packages import export_package
from lms.core import downloads
from lms.core.forms import select_choices
from lms.core.pagination import paginate
from lms.core.params import int_arg
from lms.extensions import db
from lms.org import permissions

bp = Blueprint("teach", __name__, url_prefix="/teach")


@bp.before_request
@login_required
def _authors_only():
    permissions.require_anywhere("course.author")


def _course_or_404(course_id: int, *, edit: bool = True) -> Course:
    """The course, when the user may edit it (or view it: `edit` False); 404 otherwise. A
    lecturer of the course who may no longer edit it (it left the draft state) is told why."""
    course = db.session.get(Course, course_id)
    allowed = course is not None and (permissions.can_edit_course(course) if edit
                                      else permissions.can_view_course(course))
    if not allowed:
        if course is not None and permissions.teaches(course):
            abort(403, description=_(
                "“%(title)s” is no longer a draft: lecturers change a course only while it "
                "is a draft. The organisation department can return it to you.",
                title=course.title))
        abort(404)
    return course


def may_write(course: Course, kind: ActivityType | None) -> bool:
    """Whether the user may open the editor of an activity of type `kind`: a sealed type's
    questions are written and read only by the course's owner and lecturers (a reviewer who
    must touch them is first named a lecturer of the course, and so never sits the exam)."""
    return kind is None or not kind.supports(SEALED) or permissions.teaches(course)


def _course_form(course: Course | None = None, media: list[MediaFile] = ()) -> CourseForm:
    """The course form; `media` is the course's files (its pictures are the cover choices)."""
    form = CourseForm(obj=course)
    form.category_id.choices = select_choices(
        (c.id, c.name) for c in services.category_choices())
    images = [m for m in media if m.kind == "image"]
    form.cover_media_id.choices = select_choices([(0, "—")] + [(m.id, m.filename) for m in images])
    # The course's own lecturers stay offered (an owner without the lecturer role, an account
    # since deactivated): an exam's lecturers cannot be left out (`dropped_authors`).
    people = {u.id: u for u in services.lecturer_choices()}
    if course is not None:
        people.update((u.id, u) for u in course.lecturers if u.id not in people)
    form.lecturer_ids.choices = select_choices(
        (u.id, f"{u.name}（{u.username}）") for u in people.values())
    if course is not None and request.method == "GET":
        form.lecturer_ids.data = [u.id for u in course.lecturers]
    if not services.slug_editable(course):
        form.slug.render_kw = {**form.slug.render_kw, "readonly": True}
    return form


@bp.route("/courses")
def courses():
    stmt = select(Course).order_by(Course.updated_at.desc())
    if not permissions.can_review_courses():
        stmt = stmt.where(queries.taught_by(current_user.id))
    return render_template("teach/courses.html", page=paginate(stmt),
                           upload=UploadForm(prefix="pkg"))


@bp.route("/courses/new", methods=["GET", "POST"])
def course_new():
    form = _course_form()
    if form.validate_on_submit():
        category = db.get_or_404(SubjectCategory, form.category_id.data)
        try:
            course = services.save_course(
                None, slug=form.slug.data, title=form.title.data,
                summary=form.summary.data or "", category=category,
                required=form.required.data, hours=float(form.hours.data or 0),
                owner=current_user, completion_count=form.completion_count.data)
        except services.CourseError as exc:
            target = form.slug if isinstance(exc, services.SlugError) else form.summary
            target.errors = [*target.errors, *(str(p) for p in exc.problems)]
        else:
            flash(_("Course created as a draft."), "success")
            return redirect(url_for("teach.course", course_id=course.id))
    return render_template("teach/course_form.html", form=form, course=None,
                           hours_rule=crediting_rule())


@bp.route("/courses/web-address-name")
def slug_suggestion():
    """The web address name a title would get (the new-course form shows it as it is typed);
    the name is decided again when the course is saved."""
    title = request.args.get("title", "")[:200]
    return jsonify(slug=services.suggested_slug(title) if title.strip() else "")


@bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
def course(course_id: int):
    course = _course_or_404(course_id, edit=False)
    editable = permissions.can_edit_course(course)
    media = _course_media(course)
    form = _course_form(course, media)
    if request.method == "POST":
        if not editable:
            abort(404)
        if form.validate_on_submit():
            category = db.get_or_404(SubjectCategory, form.category_id.data)
            try:
                services.save_course(course, slug=form.slug.data, title=form.title.data,
                                     summary=form.summary.data or "", category=category,
                                     required=form.required.data,
                                     hours=float(form.hours.data or 0), owner=current_user,
                                     cover_media_id=form.cover_media_id.data or None,
                                     lecturers=[db.session.get(User, i)
                                                for i in form.lecturer_ids.data or []],
                                     completion_count=form.completion_count.data)
            except services.CourseError as exc:
                target = form.slug if isinstance(exc, services.SlugError) else form.summary
                target.errors = [*target.errors, *(str(p) for p in exc.problems)]
            else:
                flash(_("Course saved."), "success")
                return redirect(url_for("teach.course", course_id=course.id))
    activities = [a for a in course.activities if not a.retired]
    reviews = _recent_reviews(course)
    return render_template(
        "teach/course.html", course=course, form=form, editable=editable,
        activities=activities, media=media, reviews=reviews, types=registry().all(),
        hours_check=check_hours(course, activities), kind_label=kind_label,
        hours_rule=crediting_rule(),
        kinds={a.type_key: registry().get(a.type_key) for a in activities},
        may_write=lambda kind: may_write(course, kind),
        may_write_all=all(may_write(course, kind) for kind in registry().all()),
        upload=UploadForm(prefix="media"), confirm=ConfirmForm(),
        review_form=CommentForm() if permissions.can_review_courses() else None,
        comments=services.review_comments(course),
        may_export=permissions.can_export_course(course, sealed=_has_exam(course)),
        reads_responses=permissions.reads_responses(course),
    )


def _has_exam(course: Course) -> bool:
    """Whether a live activity of `course` is a sealed exam (its package holds questions)."""
    return any(registry().supports(a.type_key, SEALED)
               for a in course.activities if not a.retired)


def _course_media(course: Course) -> list[MediaFile]:
    """The course's files, by path."""
    return list(db.session.scalars(select(MediaFile).where(MediaFile.course_id == course.id)
                                   .order_by(MediaFile.path)))


def _recent_reviews(course: Course) -> list[CourseReview]:
    """The course's last 20 review decisions, newest first."""
    return list(db.session.scalars(select(CourseReview).where(
        CourseReview.course_id == course.id).order_by(CourseReview.id.desc()).limit(20)))


def _media_choices(files: list[MediaFile]) -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for row in files:
        out.setdefault(row.kind, []).append((row.path, row.filename))
    return out


MAX_PREVIEW = 200_000  # characters of Markdown a preview renders at most


@bp.route("/courses/<int:course_id>/preview", methods=["POST"])
def markdown_preview(course_id: int):
    """The editor's live preview: the text rendered by the same pipeline learners see, with
    the course's files; problems come back as sentences, never as an error page."""
    course = _course_or_404(course_id)
    text = request.form.get("text", "")
    if len(text) > MAX_PREVIEW:
        return jsonify(html="", problems=[_("The text is too long to preview (at most "
                                            "%(n)d characters).", n=MAX_PREVIEW)]), 413
    ctx = services.CourseContext(course)
    html = ctx.markdown(text)
    return jsonify(html=html, problems=[problem_text(p) for p in ctx.problems])


def problem_text(problem) -> str:
    """A problem as a lecturer reads it: the line when known, never a file path."""
    if problem.line:
        return _("Line %(n)d: %(message)s", n=problem.line, message=problem.message)
    return str(problem.message)


@bp.route("/courses/<int:course_id>/activities/new/<type_key>", methods=["GET", "POST"])
@bp.route("/activities/<int:activity_id>/edit", methods=["GET", "POST"])
def activity_edit(course_id: int | None = None, type_key: str | None = None,
                  activity_id: int | None = None):
    activity = db.session.get(Activity, activity_id) if activity_id else None
    if activity_id and activity is None:
        abort(404)
    course = _course_or_404(activity.course_id if activity else course_id)
    kind = registry().get(activity.type_key if activity else type_key)
    if kind is None or not may_write(course, kind):
        abort(404)
    data = {"title": activity.title, "hours": activity.hours, "optional": activity.optional,
            **kind.form_data(activity.config)} if activity else None
    form = kind.form_class()(data=data) if request.method == "GET" and data else \
        kind.form_class()()
    files = _course_media(course)
    form.prepare(_media_choices(files))
    preview, problems = None, []
    if form.validate_on_submit():
        fields = form.type_fields()
        if form.preview.data:
            preview, problems = services.preview_activity(course, kind, fields)
        else:
            try:
                saved = services.save_activity(course, kind, activity, title=form.title.data,
                                               hours=float(form.hours.data or 0), fields=fields,
                                               optional=form.optional.data)
            except services.CourseError as exc:
                problems = exc.problems
            else:
                flash(_("Activity saved."), "success")
                return redirect(url_for("teach.course", course_id=course.id,
                                        _anchor=f"a{saved.id}"))
    comments = services.review_comments(course, activity).get(activity.id, []) if activity else []
    return render_template("teach/activity_form.html", form=form, course=course, kind=kind,
                           activity=activity, preview=preview,
                           problems=[problem_text(p) for p in problems],
                           files=[(m, kind_label(m), insert_markdown(m)) for m in files],
                           upload=UploadForm(prefix="media"), comments=comments)


@bp.route("/activities/<int:activity_id>/<any(up, down, retire):action>", methods=["POST"])
def activity_action(activity_id: int, action: str):
    activity = db.get_or_404(Activity, activity_id)
    course = _course_or_404(activity.course_id)
    if action == "retire":
        services.retire_activity(activity)
    else:
        services.move_activity(activity, -1 if action == "up" else 1)
    return redirect(url_for("teach.course", course_id=course.id))


@bp.route("/courses/<int:course_id>/media", methods=["POST"])
def media_upload(course_id: int):
    """Upload a file to the course. From the activity form's script (`Accept: application/
    json`) the answer is the file and the text that shows it, or the problems."""
    course = _course_or_404(course_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    form = UploadForm(prefix="media")
    problems: list[str] = []
    row = None
    if form.validate_on_submit():
        try:
            row = services.upload_media(course, form.file.data.filename, form.file.data.stream)
        except services.CourseError as exc:
            problems = [str(p.message) for p in exc.problems]
    else:
        problems = [_("Choose a file to upload.")]
    if wants_json:
        if row is None:
            return jsonify(problems=problems), 400
        return jsonify(name=row.filename, path=row.path, kind=kind_label(row),
                       markdown=insert_markdown(row),
                       message=_("Uploaded %(f)s.", f=row.filename))
    for p in problems:
        flash(p, "error")
    if row is not None:
        flash(_("Uploaded %(f)s.", f=row.filename), "success")
    back = request.form.get("back", "")
    if back.startswith(f"/teach/courses/{course.id}/activities/") or \
            back.startswith("/teach/activities/"):  # the activity form it came from
        return redirect(back.split("?")[0].split("#")[0] + "#files")
    return redirect(url_for("teach.course", course_id=course.id, _anchor="media"))


@bp.route("/courses/<int:course_id>/submit", methods=["GET", "POST"])
def submit(course_id: int):
    """Submitting asks first: the page says the course is locked until a reviewer decides,
    and who reviews; only a ticked confirmation submits."""
    course = _course_or_404(course_id)
    form = SubmitReviewForm()
    if form.validate_on_submit():
        try:
            services.submit_for_review(course, current_user)
        except services.CourseError as exc:
            for p in exc.problems:
                flash(str(p), "error")
        else:
            flash(_("Submitted for review: the course is locked for editing until a reviewer "
                    "publishes it or returns it to you."), "success")
        return redirect(url_for("teach.course", course_id=course.id))
    return render_template("teach/submit.html", course=course, form=form,
                           reviewers=services.reviewer_choices(course),
                           live=sum(1 for a in course.activities if not a.retired))


# ---- review (organisation department) -----------------------------------------------------

@bp.route("/review")
def review_queue():
    permissions.require_anywhere("course.review")
    stmt = select(Course).where(Course.status == "review").order_by(Course.updated_at)
    return render_template("teach/review.html", page=paginate(stmt))


def _learner_view(activity: Activity, course: Course) -> Markup:
    """The activity as a learner sees it, read-only: its own template with no state, no study
    clock and no attempt (exams and quizzes show their rules, never their questions)."""
    kind = registry().get(activity.type_key)
    if kind is None:
        return Markup("")
    return Markup(render_template(  # noqa: S704 - an autoescaped template's output
        f"activity-{activity.type_key}/learner.html", activity=activity, course=course,
        kind=kind, state=None, **kind.learner_context(activity.config, {})))


def _review_course_or_404(course_id: int) -> Course:
    if not permissions.can_review_courses():
        abort(404)
    return db.get_or_404(Course, course_id)


def _review_page(course: Course):
    """The reviewer reads the course as a learner would, comments per activity, then
    publishes it or returns it to its author."""
    activities = [a for a in course.activities if not a.retired]
    reviews = _recent_reviews(course)
    return render_template(
        "teach/review_course.html", course=course, activities=activities,
        kinds={a.type_key: registry().get(a.type_key) for a in activities},
        views={a.id: _learner_view(a, course) for a in activities},
        comments=services.review_comments(course), reviews=reviews,
        round=services.review_round(course), form=CommentForm(),
        refusal=services.own_course_refusal(course, current_user),
        may_export=permissions.can_export_course(course, sealed=_has_exam(course)))


@bp.route("/courses/<int:course_id>/review/comments", methods=["POST"])
def review_comment(course_id: int):
    course = _review_course_or_404(course_id)
    form = ReviewCommentForm()
    if not form.validate_on_submit():
        flash(_("Write the comment first."), "error")
        return redirect(url_for("teach.review", course_id=course.id))
    activity = None
    if form.activity_id.data:
        activity = db.session.get(Activity, int_arg("activity_id", args=request.form) or 0)
        if activity is None:
            abort(404)
    try:
        services.add_review_comment(course, activity, current_user, form.text.data)
    except services.CourseError as exc:
        for p in exc.problems:
            flash(str(p), "error")
    else:
        flash(_("Comment added."), "success")
    return redirect(url_for("teach.review", course_id=course.id,
                            _anchor=f"a{activity.id}" if activity else "course-comments"))


@bp.route("/courses/<int:course_id>/package.zip")
def export(course_id: int):
    """The course's package, made by the same code as `flask courses export`."""
    course = _course_or_404(course_id, edit=False)
    if not permissions.can_export_course(course, sealed=_has_exam(course)):
        abort(404)
    response = Response(export_package(course), mimetype="application/zip")
    return downloads.offer(response, f"{course.slug}-v{course.version}.zip")


@bp.route("/courses/<int:course_id>/review", methods=["GET", "POST"])
def review(course_id: int):
    """GET: the review page; POST: publish or return, with a general comment."""
    course = _review_course_or_404(course_id)
    if request.method == "GET":
        return _review_page(course)
    form = CommentForm()
    if form.validate_on_submit():
        try:
            if form.publish.data:
                services.publish(course, current_user, form.comment.data or "")
                flash(_("Published."), "success")
            else:
                services.return_to_author(course, current_user, form.comment.data or "")
                flash(_("Returned to the author."), "success")
        except services.CourseError as exc:
            for p in exc.problems:
                flash(str(p), "error")
    return redirect(url_for("teach.review", course_id=course.id))


@bp.route("/courses/<int:course_id>/archive", methods=["POST"])
def archive(course_id: int):
    """Take a course out of the catalogue; learners' records of it stay."""
    if not permissions.can_review_courses():
        abort(404)
    course = db.get_or_404(Course, course_id)
    services.archive(course, current_user)
    flash(_("Archived: the course left the catalogue; records are kept."), "success")
    return redirect(url_for("teach.course", course_id=course.id))


@bp.route("/subjects", methods=["GET", "POST"])
def subjects():
    permissions.require_anywhere("category.manage")
    form = SubjectForm()
    if form.validate_on_submit():
        name = form.name.data.strip()
        if db.session.scalar(select(SubjectCategory.id).where(SubjectCategory.name == name)):
            form.name.errors.append(_("This subject exists."))
        else:
            db.session.add(SubjectCategory(name=name, sort_order=100))
            db.session.commit()
            flash(_("Subject added."), "success")
            return redirect(url_for("teach.subjects"))
    return render_template("teach/subjects.html", form=form,
                           subjects=services.category_choices())


@bp.app_template_global()
def status_label(status: str) -> str:
    """A course status or review action in the user's language."""
    return {
        "draft": _("Draft"), "review": _("In review"), "published": _("Published"),
        "archived": _("Archived"), "submitted": _("Submitted"), "returned": _("Returned"),
    }.get(status, status)
