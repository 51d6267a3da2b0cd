"""The compliance report: one row per cadre of a unit subtree for a year, with an .xlsx export."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import Blueprint, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import login_required

from lms.core import xlsx_stream
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import labels, permissions
from lms.org import queries as org_queries
from lms.org import services as org_services
from lms.org.models import Category
from lms.org.tabular import download, unit_scope
from lms.records import compliance

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
        this_year=local_today().year)


def export_rows(rows: Iterable[compliance.ComplianceRow]) -> Iterator[list]:
    """The export's rows, as the page shows them (labels translated once)."""
    ranks = {code: str(text) for code, text in labels.RANK_LABELS.items()}
    statuses = {code: compliance.status_text(code) for code in compliance.STATUSES}
    for row in rows:
        yield [row.name, row.username, row.unit_name, row.unit_code,
               ranks.get(row.rank, row.rank), row.hours, row.days, statuses[row.status],
               "\n".join(row.missing()), "\n".join(row.notes())]


def _filters(f: compliance.ComplianceFilter) -> list[tuple[str, object]]:
    """The report's filters as the export's title line names them."""
    category = db.session.get(Category, f.category_id) if f.category_id else None
    return [(_("Unit"), unit_scope(f.unit)), (_("Year"), f.year),
            (_("Rule set"), f.rule.name if f.rule else ""),
            (_("Category"), category.name if category else ""),
            (_("Rank"), labels.label(labels.RANK_LABELS, f.rank)),
            (_("Status"), compliance.status_text(f.status) if f.status != "all" else ""),
            (_("Search"), f.q or "")]


@bp.route("/compliance/export.xlsx")
@login_required
def export():
    f = _filter()
    report = compliance.Compliance(f)
    chunks = xlsx_stream.stream(compliance.headers(),
                                export_rows(compliance.explained(report, report.all_rows())),
                                sheet=_("Compliance %(year)d", year=f.year),
                                title=xlsx_stream.title_line(_("Compliance report"),
                                                             _filters(f)))
    name = f"compliance-{f.year}-{f.unit.code if f.unit else 'all'}-{local_today()}.xlsx"
    return download(stream_with_context(chunks), name)
