"""What learners see: the catalogue, a course's outline and progress, an activity, media."""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from lms.activities.base import RESPONSE
from lms.activities.registry import registry
from lms.catalog import media as media_store
from lms.catalog import queries
from lms.catalog.models import Activity, Course, MediaFile
from lms.catalog.outline import outline, standings
from lms.catalog.services import category_choices
from lms.core.cache import LRU
from lms.core.pagination import paginate
from lms.core.storage import serve
from lms.extensions import db
from lms.org import permissions

bp = Blueprint("catalog", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user."""


_catalogue_pages = LRU(size=256)


@bp.route("/courses")
def catalogue():
    """The catalogue body is the same for every learner: it is rendered once per change of the
    published courses or subjects (the stamp), language and query, and reused."""
    key = ("catalogue", str(get_locale()), queries.catalogue_stamp(),
           tuple(sorted(request.args.items(multi=True))))

    def render_body() -> str:
        f = queries.CourseFilter.from_args(request.args)
        page = paginate(queries.catalogue_select(f))
        counts = queries.activity_counts([c.id for c in page.items])
        return render_template("catalog/_catalogue_body.html", page=page, f=f, counts=counts,
                               categories=category_choices())

    return render_template("catalog/catalogue.html",
                           body=_catalogue_pages.get_or_build(key, render_body))


@bp.route("/courses/<slug>")
def course(slug: str):
    course = queries.course_by_slug(slug)
    if course is None or not permissions.can_view_course(course):
        abort(404)
    snapshot = outline(course)
    states, enrolment = queries.learner_in_course(current_user.id, course.id, snapshot.ids)
    done = sum(1 for s in states.values() if s.completed_at)
    reg = registry()
    return render_template("catalog/course.html", course=course, activities=snapshot.items,
                           lecturers=snapshot.lecturers, done=done, enrolment=enrolment,
                           standings=standings(snapshot.items, states),
                           types={a.type_key: reg.get(a.type_key) for a in snapshot.items},
                           can_report=permissions.can_anywhere("completion.view"))


@bp.route("/activities/<int:activity_id>")
def activity(activity_id: int):
    activity = db.session.get(Activity, activity_id)
    if activity is None or not permissions.can_view_course(activity.course):
        abort(404)
    return activity_page(activity)


def activity_page(activity: Activity, *, submitted: dict | None = None,
                  problems: dict | None = None, status: int = 200):
    """The activity page; after refused answers, with what was `submitted` and the
    `problems` found (status 422), so that the learner corrects them in place."""
    kind = registry().get(activity.type_key)
    course: Course = activity.course
    snapshot = outline(course)
    states = queries.states_for(current_user.id, [*snapshot.ids, activity.id])
    state = states.get(activity.id)
    extra = kind.learner_context(activity.config, state.state if state else {}) if kind else {}
    # Types that take answers post them to the core's one route while the course is open.
    answer_url = url_for("progress.answers", activity_id=activity.id) if (
        kind is not None and kind.supports(RESPONSE) and not activity.retired
        and course.status == "published") else None
    return render_template("catalog/activity.html", **extra, activity=activity, course=course,
                           kind=kind, outline=snapshot.items, state=state,
                           done={i for i, s in states.items() if s.completed_at},
                           following=snapshot.after(activity.id),
                           rule_text=kind.completion_text(activity.config) if kind else None,
                           required=kind.required_seconds(activity.config) if kind else 0,
                           answer_url=answer_url, submitted=submitted or {},
                           problems=problems or {}), status


@bp.route("/media/<int:media_id>/<path:name>")
def media(media_id: int, name: str):
    """A course's file with Range support (seekable video), never read whole."""
    row = db.session.get(MediaFile, media_id)
    if row is None or row.filename != name:
        abort(404)
    course = db.session.get(Course, row.course_id)
    if course is None or not permissions.can_view_course(course):
        abort(404)
    # What the player shows itself (pictures, video, sound, PDF) opens inline; anything else
    # is saved, never displayed as a page of this site.
    return serve.answer(row.sha256, mime=row.mime, filename=row.filename,
                        inline=row.mime in media_store.KINDS, cache="private, max-age=86400")
