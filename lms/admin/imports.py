"""The unit, cadre and course package imports, as jobs. The upload is checked (size, type)
in the request and stored; a job checks every row (progress per row) and writes them all in
its transaction, committed with its done mark: a retried attempt never imports twice, and a
file with any bad row writes nothing and lists every problem, row and column, on the job's
page. A course package (a zip, media and all) goes the same way, progress per media file.

Here rather than in lms.org and lms.catalog because jobs come after them
(tests/test_structure.py); the templates, the importers and the permissions stay theirs."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from lms.catalog.forms import UploadForm
from lms.catalog.package_files import PackageError, open_zip
from lms.catalog.packages import import_package, rules_changed
from lms.catalog.teach import may_write
from lms.jobs import JobError, JobRun, enqueue, job_kind
from lms.jobs.uploads import UploadGone, keep, keep_stream, opened, read
from lms.org import importer, permissions
from lms.org.forms import ImportForm
from lms.org.services import announce
from lms.org.tabular import read_upload

bp = Blueprint("imports", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user; each view then checks its own action."""


@bp.route("/admin/units/import", methods=["GET", "POST"])
def units():
    permissions.require_anywhere("unit.manage")
    return _import_page("units", "org.import_units", importer.UNIT_COLUMNS)


@bp.route("/admin/cadres/import", methods=["GET", "POST"])
def cadres():
    permissions.require_anywhere("cadre.import")
    return _import_page("cadres", "org.import_cadres", importer.cadre_columns())


def _import_page(what: str, kind: str, columns: list) -> Response | str:
    form = ImportForm()
    if form.validate_on_submit():
        data, name = read_upload(form.file, current_app.config["LMS_IMPORT_MAX_BYTES"])
        if data is not None and not name.lower().endswith((".xlsx", ".csv")):
            form.file.errors.append(_("Only .xlsx and .csv files can be imported."))
        elif data is not None:
            job = enqueue(kind, {"sha": keep(data), "filename": name[:200]}, owner=current_user)
            return redirect(url_for("jobs.page", job_id=job.id))
    return render_template("org/import.html", form=form, result=None, kind=what,
                           columns=columns)


@bp.route("/teach/packages", methods=["POST"])
def package():
    """A course package: stored as it is read (Werkzeug spools a large one to disk), then
    imported by a job; to the job's page."""
    permissions.require_anywhere("course.author")
    form = UploadForm(prefix="pkg")
    if not form.validate_on_submit():
        abort(400)
    upload = form.file.data
    sha, _size = keep_stream(upload.stream, current_app.config["MAX_CONTENT_LENGTH"])
    job = enqueue("catalog.import_package", {"sha": sha, "filename": (upload.filename or "")[:200]},
                  owner=current_user)
    return redirect(url_for("jobs.page", job_id=job.id))


# ---- the job kinds -----------------------------------------------------------------------

def _upload(run: JobRun) -> bytes:
    try:
        return read(run.params["sha"])
    except UploadGone as exc:
        raise JobError(_("The uploaded file is no longer kept; upload it again.")) from exc


def _refused(result: importer.ImportResult, columns: list) -> JobError:
    """A refused import, its problems for the job's page as the import page lists them."""
    return JobError(_("Nothing was imported: %(n)d problems", n=len(result.errors)),
                    {"problems": [list(r) for r in result.rows(columns)], "sheet": True})


def _filename(params: dict) -> str:
    return params.get("filename", "")


@job_kind("org.import_units", title=_l("Import units"), describe=_filename, fresh_for=0)
def import_units(run: JobRun) -> str:
    if not permissions.can_anywhere("unit.manage"):
        raise JobError(_("You may no longer manage units."))
    result = importer.import_units(
        _upload(run), run.params["filename"],
        may_manage=lambda u: u is not None and permissions.can("unit.manage", u),
        commit=False, progress=run.progress)
    if not result.ok:
        raise _refused(result, importer.UNIT_COLUMNS)
    return _("%(n)d units imported.", n=result.created)


@job_kind("org.import_cadres", title=_l("Import cadres"), describe=_filename, fresh_for=0)
def import_cadres(run: JobRun) -> str:
    if not permissions.can_anywhere("cadre.import"):
        raise JobError(_("You may no longer import cadres."))
    result = importer.import_cadres(
        _upload(run), run.params["filename"],
        may_import=lambda u: permissions.can("cadre.import", u),
        may_update=permissions.reaches, commit=False, progress=run.progress)
    if not result.ok:
        raise _refused(result, importer.cadre_columns())
    changed = result.changed
    # Statuses and assignments follow once the cadres are in (the nightly jobs repair them
    # should this step be lost with its worker).
    run.after_done.append(lambda: announce(user_ids=changed))
    return _("Import finished: %(c)d created, %(u)d updated.",
             c=result.created, u=result.updated)


@job_kind("catalog.import_package", title=_l("Import a course package"), describe=_filename,
          fresh_for=0)
def import_course_package(run: JobRun) -> str:
    if not permissions.can_anywhere("course.author"):
        raise JobError(_("You may no longer author courses."))
    try:
        source = opened(run.params["sha"])
    except UploadGone as exc:
        raise JobError(_("The uploaded file is no longer kept; upload it again.")) from exc
    try:
        with source, open_zip(source) as files:
            result = import_package(files, actor=run.owner, new_status="draft",
                                    may_update=permissions.can_edit_course,
                                    may_write=may_write, commit=False, progress=run.progress)
    except PackageError as exc:
        raise JobError(_("The package %(f)s was refused: nothing was saved",
                         f=run.params["filename"]),
                       {"package_problems": [[p.file, p.line, p.message]
                                             for p in exc.problems]}) from exc
    if result.rules_changed:
        course_id = result.course.id
        run.after_done.append(lambda: rules_changed(course_id))
    said = _("Package imported: %(t)s (version %(v)d).", t=result.course.title,
             v=result.version)
    return " ".join([said, *result.warnings])
