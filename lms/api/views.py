"""API v1 endpoints. They call the same queries and permission checks as the HTML views."""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from lms.activities.registry import registry
from lms.api.auth import token_required
from lms.api.blueprint import bp, page_json
from lms.api.openapi import openapi_document
from lms.assessment import attempts as attempt_engine
from lms.assessment.models import Attempt
from lms.assessment.present import attempt_view
from lms.assessment.views import save_one
from lms.catalog import queries as catalog_queries
from lms.catalog.models import Activity, Course, MediaFile
from lms.core.errors import json_error
from lms.core.pagination import paginate, paginate_rows
from lms.extensions import csrf, db
from lms.org import attributes, permissions, queries
from lms.org.models import CadreProfile, Unit
from lms.progress import report as progress_report
from lms.progress import services as progress_services
from lms.progress import steady
from lms.progress.views import beat_from_json, presence_from_request
from lms.records import queries as records_queries

csrf.exempt(bp)  # bearer tokens, no cookies: nothing for CSRF to forge


def _unit_json(unit: Unit | None) -> dict | None:
    if unit is None:
        return None
    return {"id": unit.id, "code": unit.code, "name": unit.name, "kind": unit.kind,
            "parent_id": unit.parent_id}


def _cadre_json(p: CadreProfile) -> dict:
    """A cadre: account, unit, each declared attribute (`lms.org.attributes`), categories."""
    return {
        "id": p.user_id, "username": p.user.username, "name": p.user.name,
        "active": p.user.is_active, "unit": _unit_json(p.unit),
        **{a.key: a.json(getattr(p, a.key)) for a in attributes.ATTRIBUTES},
        "categories": [c.name for c in p.categories],
    }


def _iso(moment) -> str | None:
    """A stored (naive UTC) time as RFC 3339."""
    return moment.isoformat() + "Z" if moment else None


@bp.route("/me")
@token_required
def me():
    profile = getattr(current_user, "profile", None)
    return jsonify({
        "id": current_user.id, "username": current_user.username, "name": current_user.name,
        "unit": _unit_json(profile.unit if profile else None),
        "roles": [{"role": g.role, "unit": _unit_json(g.unit)} for g in current_user.grants],
        "locale": current_user.locale,
    })


@bp.route("/me/learning")
@token_required
def my_learning():
    learning = records_queries.my_learning(current_user)

    def item(p):
        return {"course": p.course.slug, "title": p.course.title, "required": p.course.required,
                "done": p.done, "total": p.total, "percent": p.percent,
                "enrolled_at": _iso(p.enrolment.enrolled_at),
                "completed_at": _iso(p.enrolment.completed_at),
                "due_at": _iso(p.enrolment.due_at), "overdue": p.overdue,
                "hours": p.enrolment.hours}

    return jsonify({
        "year": learning.year, "hours": learning.hours,
        "required_hours": learning.required_hours, "online_hours": learning.online_hours,
        "online_required_hours": learning.online_required_hours,
        "assigned": [item(p) for p in learning.required],
        "in_progress": [item(p) for p in learning.in_progress],
        "completed": [item(p) for p in learning.completed],
        "resume_activity_id": learning.resume.id if learning.resume else None,
        "requirements": [r.as_json() for r in learning.requirements],
    })


@bp.route("/units")
@token_required
def units():
    stmt = queries.select_units("unit.view")
    page = paginate(stmt)
    return jsonify(page_json(page, [_unit_json(u) for u in page.items]))


@bp.route("/cadres")
@token_required
def cadres():
    page = paginate(queries.cadre_select(queries.CadreFilter.from_args(request.args)))
    return jsonify(page_json(page, [_cadre_json(p) for p in page.items]))


@bp.route("/cadres/<int:user_id>")
@token_required
def cadre(user_id: int):
    profile = db.session.get(CadreProfile, user_id)
    if profile is None or not permissions.can_on_cadre("cadre.view", profile) or (
            profile.user_id != current_user.id and not permissions.reaches(profile.user)):
        return json_error(404, "not_found")  # one's own profile, or one within reach
    return jsonify(_cadre_json(profile))


def _course_json(c: Course, activity_count: int | None = None) -> dict:
    body = {"slug": c.slug, "title": c.title, "summary_html": c.summary_html,
            "category": c.category.name, "required": c.required, "hours": c.hours,
            "version": c.version, "status": c.status}
    if activity_count is not None:
        body["activity_count"] = activity_count
    return body


def _activity_outline(a: Activity) -> dict:
    kind = registry().get(a.type_key)
    return {"id": a.id, "key": a.key, "type": a.type_key, "title": a.title, "hours": a.hours,
            "installed": kind is not None,
            "completion": kind.completion_rule(a.config) if kind else None}


@bp.route("/courses")
@token_required
def courses():
    f = catalog_queries.CourseFilter.from_args(request.args)
    page = paginate(catalog_queries.catalogue_select(f))
    counts = catalog_queries.activity_counts([c.id for c in page.items])
    return jsonify(page_json(page, [_course_json(c, counts.get(c.id, 0)) for c in page.items]))


@bp.route("/courses/<slug>")
@token_required
def course(slug: str):
    course = catalog_queries.course_by_slug(slug)
    if course is None or not permissions.can_view_course(course):
        return json_error(404, "not_found")
    body = _course_json(course)
    body["lecturers"] = [u.name for u in course.lecturers]
    body["activities"] = [_activity_outline(a) for a in catalog_queries.live_activities(course)]
    return jsonify(body)


@bp.route("/activities/<int:activity_id>")
@token_required
def activity(activity_id: int):
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.retired or not permissions.can_view_course(activity.course):
        return json_error(404, "not_found")
    kind = registry().get(activity.type_key)
    media = {m.path: m for m in db.session.scalars(
        db.select(MediaFile).where(MediaFile.course_id == activity.course_id))}
    settings = kind.public_config(activity.config) if kind else {}
    body = _activity_outline(activity)
    body.update({
        "course": activity.course.slug,
        "html": activity.html if kind else "",
        "settings": settings,
        # Package paths in the settings, resolved to the addresses that serve them.
        "media": [{"path": v, "url": media[v].url, "kind": media[v].kind, "mime": media[v].mime}
                  for v in settings.values() if isinstance(v, str) and v in media],
    })
    return jsonify(body)


@bp.route("/courses/<slug>/enrolment", methods=["POST"])
@token_required
def enrolment(slug: str):
    course = catalog_queries.course_by_slug(slug)
    if course is None or not permissions.can_view_course(course):
        return json_error(404, "not_found")
    try:
        row = progress_services.enrol(current_user, course)
    except progress_services.ProgressError:
        return json_error(409, "not_open", _("This course is not open for enrolment."))
    return jsonify({"course": course.slug, "source": row.source,
                    "enrolled_at": _iso(row.enrolled_at), "completed_at": _iso(row.completed_at)})


@bp.route("/courses/<slug>/completion")
@token_required
def completion(slug: str):
    """One row per cadre in the caller's scope enrolled in the course (paginated)."""
    if not permissions.can_anywhere("completion.view"):
        return json_error(403, "forbidden")
    course = catalog_queries.course_by_slug(slug)
    if course is None:
        return json_error(404, "not_found")
    f = progress_report.ReportFilter.from_args(request.args)
    if request.args.get("unit") and (f.unit is None
                                     or not permissions.can("completion.view", f.unit)):
        return json_error(404, "not_found", _("No such unit in your scope."))
    total = progress_report.live_count(course.id)
    page = paginate_rows(progress_report.report_select(course, f))
    return jsonify(page_json(page, [{
        "username": r.username, "name": r.name,
        "unit": {"code": r.unit_code, "name": r.unit_name},
        "enrolled_at": _iso(r.enrolled_at), "progress": r.percent,
        "credited_seconds": int(r.seconds), "hours": r.hours,
        "completed_at": _iso(r.completed_at), "due_at": _iso(r.due_at), "overdue": r.overdue,
    } for r in progress_report.rows(page.items, total)]))


@bp.route("/activities/<int:activity_id>/heartbeat", methods=["POST"])
def heartbeat(activity_id: int):
    """The hottest path: a steady beat is authenticated, read and credited in two statements
    (`progress.steady`); anything else takes the full path below, with the same rules."""
    result = steady.token_beat(activity_id)
    if result is None:
        return _heartbeat(activity_id)
    return jsonify(progress_services.beat_answer(result))


@token_required
def _heartbeat(activity_id: int):
    result = beat_from_json(activity_id)
    if result is None:
        return json_error(404, "not_found")
    return jsonify(progress_services.beat_answer(result))


@bp.route("/activities/<int:activity_id>/presence", methods=["POST"])
@token_required
def presence(activity_id: int):
    answered = presence_from_request(activity_id)
    if answered is None:
        return json_error(404, "not_found")
    return jsonify({"answered": answered})


@bp.route("/quizzes/<int:activity_id>/attempts", methods=["POST"])
@token_required
def start_attempt(activity_id: int):
    """Start an attempt, or resume the open one; its questions carry no key."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.retired or not permissions.can_view_course(activity.course):
        return json_error(404, "not_found")
    before = attempt_engine.open_attempt(current_user.id, activity.id)
    try:
        attempt = attempt_engine.start_or_resume(current_user, activity)
    except attempt_engine.AttemptError as exc:
        return json_error(404 if exc.code == "not_graded" else 409, exc.code, exc.message)
    resumed = before is not None and before.id == attempt.id
    return jsonify(attempt_view(attempt)), 200 if resumed else 201


def _own_attempt(attempt_id: int) -> Attempt | None:
    attempt = db.session.get(Attempt, attempt_id)
    return attempt if attempt is not None and attempt.user_id == current_user.id else None


@bp.route("/attempts/<int:attempt_id>")
@token_required
def get_attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt is None:
        return json_error(404, "not_found")
    if attempt_engine.expired(attempt):
        attempt_engine.finish(attempt)
    return jsonify(attempt_view(attempt))


@bp.route("/attempts/<int:attempt_id>/answers/<int:question_id>", methods=["PUT"])
@token_required
def save_answer(attempt_id: int, question_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt is None:
        return json_error(404, "not_found")
    return save_one(attempt, question_id)


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@token_required
def submit_attempt(attempt_id: int):
    attempt = _own_attempt(attempt_id)
    if attempt is None:
        return json_error(404, "not_found")
    attempt_engine.finish(attempt)
    view = attempt_view(attempt)
    return jsonify({k: view.get(k) for k in ("id", "score", "max_score", "passed", "status",
                                             "percent", "held")})


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document())
