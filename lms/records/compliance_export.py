"""The compliance report as an .xlsx workbook: in the request for a unit's part of the
district, as a background job (`records.compliance_export`) for the whole district."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from flask_babel import gettext as _
from sqlalchemy import select

from lms.core import xlsx_stream
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import labels, permissions
from lms.org.models import Category, Unit
from lms.org.tabular import XLSX, unit_scope
from lms.records import compliance

JOB = "records.compliance_export"
__all__ = ["XLSX", "JOB", "district_wide", "export_rows", "filename", "workbook"]


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


def filename(f: compliance.ComplianceFilter) -> str:
    return f"compliance-{f.year}-{f.unit.code if f.unit else 'all'}-{local_today()}.xlsx"


def workbook(f: compliance.ComplianceFilter,
             counted: Callable[[int], None] | None = None) -> Iterator[bytes]:
    """The workbook's bytes, streamed as its rows are read; `counted(n)` is told how many
    cadres have been written, now and then."""
    report = compliance.Compliance(f)
    rows = compliance.explained(report, report.all_rows())
    if counted is not None:
        rows = _counting(rows, counted)
    return xlsx_stream.stream(compliance.headers(), export_rows(rows),
                              sheet=_("Compliance %(year)d", year=f.year),
                              title=xlsx_stream.title_line(_("Compliance report"), _filters(f)))


def _counting(rows: Iterable, counted: Callable[[int], None], every: int = 200) -> Iterator:
    n = 0
    for n, row in enumerate(rows, 1):
        if n % every == 0:
            counted(n)
        yield row
    counted(n)


def district_wide(f: compliance.ComplianceFilter) -> bool:
    """Whether the export covers a whole district (or more): no unit chosen by someone whose
    scope holds a district, or a district chosen. Those run as a job."""
    if f.unit is not None:
        return f.unit.parent_id is None
    roots = db.session.scalars(select(Unit).where(Unit.parent_id.is_(None)))
    return any(permissions.can(compliance.ACTION, unit) for unit in roots)
