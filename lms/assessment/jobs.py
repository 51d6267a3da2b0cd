"""Job kinds of the question bank: importing a file of questions (GIFT, Aiken, a spreadsheet).
The upload is stored before the job is queued; the job parses it whole and writes every
question in its transaction, committed with its done mark (a retry never imports twice). A
file with any problem writes nothing and lists every problem on the job's page."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.assessment.import_errors import QuestionImportError
from lms.assessment.importer import import_file
from lms.catalog.models import Course
from lms.extensions import db
from lms.jobs import JobError, JobRun, job_kind
from lms.jobs.uploads import UploadGone, read
from lms.org import permissions


def _may_manage(course_id: int | None) -> bool:
    """The bank's managers: a course's editors and lecturers; the shared bank's readers."""
    if course_id is None:
        return permissions.reads_shared_bank()
    course = db.session.get(Course, course_id)
    return course is not None and (permissions.can_edit_course(course)
                                   or permissions.teaches(course))


@job_kind("assessment.import_questions", title=_l("Import questions"),
          describe=lambda params: params.get("filename", ""), fresh_for=0)
def import_questions(run: JobRun) -> str:
    course_id = run.params.get("course")
    if not _may_manage(course_id):
        raise JobError(_("You may no longer manage this question bank."))
    try:
        data = read(run.params["sha"])
    except UploadGone as exc:
        raise JobError(_("The uploaded file is no longer kept; upload it again.")) from exc
    fmt = run.params["format"]
    try:
        count = import_file(data, run.params["filename"], fmt, course_id,
                            run.owner.id if run.owner else None, commit=False,
                            progress=run.progress)
    except QuestionImportError as exc:
        raise JobError(_("Nothing was imported: %(n)d problems", n=len(exc.problems)),
                       {"problems": [list(r) for r in exc.rows], "sheet": fmt == "xlsx"}
                       ) from exc
    return _("Imported %(n)d questions.", n=count)
