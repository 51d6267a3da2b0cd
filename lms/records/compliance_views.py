"""The compliance report: one row per cadre of a unit subtree for a year, with an .xlsx export."""
from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.core.timeutil import local_today
from lms.extensions import db
from lms.jobs import enqueue
from lms.org import labels, permissions
from lms.org import queries as org_queries
from lms.org import services as org_services
from lms.org.models import Unit
from lms.org.tabular import download
from lms.records import compliance, compliance_export
from lms.records.jobs import UNIT_PDF

bp = Blueprint("compliance", __name__, url_prefix="/admin/records")


def _filter() -> compliance.ComplianceFilter:
    """The request's filter; 403 without the action anywhere, 404 for a unit or rule set that
    does not exist or a unit outside the user's scope."""
    permissions.require_anywhere(compliance.ACTION)
    f = compliance.ComplianceFilter.from_args(request.args)
    permissions.require(f.unknown is None)
    permissions.require(f.unit is None or permissions.can(compliance.ACTION, f.unit))
    return f


@bp.route("/compliance")
@login_required
def report():
    f = _filter()
    report = compliance.Compliance(f)
    page = report.page()
    return render_template(
        "records/compliance/report.html", f=f, page=page, rows=report.rows(page.items),
        counts=report.counts(), windows=report.windows,
        units=org_queries.unit_choices(compliance.ACTION, by_code=True),
        categories=org_services.categories(), ranks=labels.RANK_LABELS,
        rule_sets=report.rule_sets,
        statuses={k: compliance.status_text(k) for k in compliance.STATUSES},
        this_year=local_today().year, print_unit=f.unit or _own_unit())


def _own_unit() -> Unit | None:
    """The one unit whose records the user reads (a unit administrator's), or None when the
    scope is several units or everywhere."""
    paths = {s.path for s in permissions.scopes()
             if compliance.ACTION in permissions.ROLE_ACTIONS[s.role]}
    if len(paths) != 1 or None in paths:
        return None
    return db.session.scalar(select(Unit).where(Unit.path == paths.pop()))


@bp.route("/compliance/export.xlsx")
@login_required
def export():
    """A unit's export is streamed at once; the whole district's is a background job (the
    same one for the same filters, a minute long), and the page of that job is shown."""
    f = _filter()
    if compliance_export.district_wide(f):
        job = enqueue(compliance_export.JOB, f.args(), owner=current_user,
                      unit=f.unit)
        return redirect(url_for("jobs.page", job_id=job.id))
    return download(stream_with_context(compliance_export.workbook(f)),
                    compliance_export.filename(f))


@bp.route("/print", methods=["POST"])
@login_required
def print_unit():
    """Start (or find) the job that prints every record of a unit for a year as one PDF,
    and show its page. Without a unit: the user's own when they have one."""
    permissions.require_anywhere(compliance.ACTION)
    f = compliance.ComplianceFilter.from_args(request.form)
    permissions.require(f.unknown is None)
    unit = f.unit or _own_unit()
    if unit is None:
        flash(_("Choose a unit to print its records."), "error")
        return redirect(url_for("compliance.report", year=f.year))
    permissions.require(permissions.can(compliance.ACTION, unit))
    job = enqueue(UNIT_PDF, {"unit": unit.code, "year": f.year}, owner=current_user,
                  unit=unit)
    return redirect(url_for("jobs.page", job_id=job.id))
