"""The courses tab of an online special class: its bundle of published courses (chosen while
the class is prepared) and the cohort's progress in them."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from lms.audit import services as audit
from lms.catalog.models import Course
from lms.core.pagination import paginate_rows
from lms.core.params import DB_INT_MAX
from lms.extensions import db
from lms.org import permissions
from lms.training.blueprint import bp
from lms.training.lookup import class_for
from lms.training.online import services
from lms.training.online.forms import BundleForm

QUERY_MAX = 100  # characters of a course search


@bp.route("/classes/<int:class_id>/courses", methods=["GET", "POST"])
@login_required
def class_courses(class_id: int):
    """The bundle, a course search for the organiser while it may change, and progress; a
    POST changes the bundle (one rule for both: an id past the range answers 404)."""
    if request.method == "POST":
        return _change(class_id)
    cls = class_for(class_id, "training.view")
    online = services.is_online(cls)
    may_edit = (online and services.editable(cls)
                and permissions.can("training.run", cls.unit))
    query = (request.args.get("q") or "")[:QUERY_MAX]
    found = services.search(cls, query) if may_edit else []
    rows = services.bundle(cls) if online else []
    page = paginate_rows(services.progress_select(cls)) if online and rows else None
    counts = services.course_counts(cls) if page is not None else {}
    return render_template("training/class_courses.html", cls=cls, online=online,
                           may_edit=may_edit, query=query, found=found, rows=rows,
                           page=page, counts=counts, deadline=services.deadline(cls))


def _change(class_id: int):
    """Add, remove or move one course of the bundle."""
    cls = class_for(class_id, "training.run")
    back = url_for("training.class_courses", class_id=cls.id)
    form = BundleForm()
    if not services.is_online(cls):
        flash(_("Only an online special class bundles courses."), "error")
        return redirect(back)
    if not services.editable(cls):
        flash(_("The courses of a class are fixed once it runs: nothing was changed."),
              "error")
        return redirect(back)
    if not form.validate_on_submit() or form.course_id.data > DB_INT_MAX:
        flash(_("Choose a course to add, remove or move."), "error")
        return redirect(back)
    op, course_id = form.op.data, form.course_id.data
    if op == "add":
        try:
            services.add_course(cls, course_id)
        except services.BundleError as exc:
            flash(str(exc), "error")
            return redirect(back)
        changed, title = True, db.session.get(Course, course_id).title  # loaded: no query
    elif op == "remove":
        changed = services.remove_course(cls, course_id)
        title = ""
    else:
        changed = services.move_course(cls, course_id, -1 if op == "up" else 1)
        title = ""
    if changed:
        audit.log("class.change", detail={"class_id": cls.id, "courses": op,
                                          "course_id": course_id})
        db.session.commit()
        if op == "add":
            flash(_("Course added: %(t)s", t=title), "success")
    return redirect(back)


@bp.app_template_global()
def online_progress(training_class, user_id: int) -> list[services.CourseProgress]:
    """A learner's standing in each course of an online class (for `_online_progress.html`;
    empty for a class held in person)."""
    if not services.is_online(training_class):
        return []
    return services.learner_progress(training_class, user_id)
