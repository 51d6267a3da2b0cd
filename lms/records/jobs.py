"""Job kinds of the learning record: the scheduled recompute of requirement statuses, the
whole district's compliance export, a unit's printed records as one PDF."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.extensions import db
from lms.jobs import JobError, JobRun, Output, job_kind
from lms.org import permissions
from lms.org.models import CadreProfile, Unit
from lms.records import compliance, compliance_export, pdf, rules


@job_kind("records.recompute", title=_l("Requirement statuses recomputed"), fresh_for=None,
          describe=lambda params: params.get("day", ""))
def recompute(run: JobRun) -> str:
    """What `flask records recompute` does; its changes commit with the job's `done` mark,
    so an attempt cut short leaves nothing half-written."""
    run.progress(0, 1)
    count = rules.recompute_all(None)
    return _("%(n)d requirement statuses recomputed", n=count)


def _compliance_words(params: dict) -> str:
    return " · ".join(v for v in (params.get("year"), params.get("unit")) if v)


@job_kind(compliance_export.JOB, title=_l("Compliance report export"),
          describe=_compliance_words)
def compliance_xlsx(run: JobRun) -> Output:
    """The whole district's compliance report as .xlsx, read and written as a stream."""
    f = compliance.ComplianceFilter.from_args(run.params)
    if f.unknown or not permissions.can_anywhere(compliance.ACTION) or (
            f.unit is not None and not permissions.can(compliance.ACTION, f.unit)):
        raise JobError(_("You may no longer see this report; nothing was exported."))
    total = compliance.Compliance(f).counts()[f.status]
    run.progress(0, total, _("Reading the cadres' records"))

    def counted(n: int) -> None:
        run.progress(n, total, _("%(n)d of %(total)d cadres written", n=n, total=total))

    return Output(compliance_export.filename(f), compliance_export.XLSX,
                  chunks=compliance_export.workbook(f, counted),
                  summary=_("%(n)d cadres", n=total))


UNIT_PDF = "records.unit_pdf"


def _unit_words(params: dict) -> str:
    return " · ".join(str(v) for v in (params.get("unit"), params.get("year")) if v)


def unit_cadres(unit: Unit) -> list[CadreProfile]:
    """The cadres of the unit and the units below it that the current user may read, by
    unit then username."""
    profiles = db.session.scalars(
        select(CadreProfile).join(Unit, Unit.id == CadreProfile.unit_id)
        .join(User, User.id == CadreProfile.user_id)
        .where(Unit.path.startswith(unit.path, autoescape=True))
        .options(joinedload(CadreProfile.user), joinedload(CadreProfile.unit))
        .order_by(Unit.path, User.username))
    return [p for p in profiles if permissions.can_on_cadre("record.view", p)]


@job_kind(UNIT_PDF, title=_l("Printed learning records of a unit"), describe=_unit_words)
def unit_pdf(run: JobRun) -> Output:
    """Every cadre's printable record of the unit (and the units below it) for the year, as
    one PDF: each record starts on a new sheet, in unit and username order."""
    from lms.records.record_views import printable_html

    unit = db.session.scalar(select(Unit).where(Unit.code == str(run.params.get("unit", ""))))
    year = int(run.params.get("year") or 0)
    if unit is None or not permissions.can(compliance.ACTION, unit):
        raise JobError(_("You may no longer see this unit's records; nothing was printed."))
    cadres = unit_cadres(unit)
    if not cadres:
        raise JobError(_("%(unit)s has no cadres whose records you may see.", unit=unit.name))
    total = len(cadres) + 1  # each cadre's record laid out, then the whole file written
    run.progress(0, total, _("Laying out the records"))
    documents = []
    for n, profile in enumerate(cadres, 1):
        documents.append(pdf.render_document(printable_html(profile, year)[1]))
        run.progress(n, total, profile.user.name)
    run.progress(len(cadres), total, _("Writing the PDF file"))
    return Output(f"records-{unit.code}-{year}.pdf", "application/pdf",
                  data=pdf.join_documents(documents), summary=_("%(n)d cadres", n=len(cadres)))
