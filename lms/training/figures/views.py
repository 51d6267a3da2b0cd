"""The training figures' pages: the dashboard (charts beside their tables), the two lists of
cadres behind, each table's .xlsx export and the printable year-end summary."""
from __future__ import annotations

from flask import abort, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import login_required

from lms.core import xlsx_stream
from lms.core.pagination import paginate_rows
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import permissions
from lms.org import queries as org_queries
from lms.org.tabular import download, unit_scope
from lms.records import compliance, pdf
from lms.records.compliance_export import export_rows as compliance_export_rows
from lms.training.blueprint import bp
from lms.training.figures import charts, services, tables

TABLES = ("category", "form", "organiser", "unit", "year", "compliance", "professional")
LIST_PREVIEW = 10  # rows of each list shown on the dashboard; the rest on their own page


def _request() -> tuple[int, object]:
    """(year, the unit asked for) of the request: 404 without `training.view` anywhere or for
    a unit outside the scope, 400 naming `year` when it is no year."""
    permissions.require_anywhere(services.ACTION)
    year = services.year_arg()
    try:
        unit = services.unit_arg(request.args)
    except services.Unknown:
        abort(404)
    return year, services.scope_root(unit)


def _args(year: int, root) -> dict[str, str]:
    out = {"year": str(year)}
    if request.args.get("unit"):
        out["unit"] = root.code
    return out


@bp.route("/figures")
@login_required
def figures():
    """The dashboard of the year's figures."""
    year, root = _request()
    data = services.figures(year, root)
    behind_count = data.compliance_total[services.BEHIND]
    behind_rows = services.behind_preview(year, root, LIST_PREVIEW) if behind_count else []
    short_rows = [tables.short_row(*row) for row in db.session.execute(
        services.short_select(year, root).limit(LIST_PREVIEW))] \
        if data.professional_total.short else []
    return render_template(
        "training/figures/index.html", data=data, year=year, root=root,
        args=_args(year, root), chart_data=charts.data(data), behind_rows=behind_rows,
        behind_count=behind_count, short_rows=short_rows,
        units=org_queries.unit_choices(services.ACTION, by_code=True),
        this_year=local_today().year, percent=services.percent,
        share_total=services.share_total, statuses=compliance.STATUS_TEXT,
        tables=tables.TITLES, tbl={name: tables.build(name, data) for name in TABLES})


@bp.route("/figures/behind")
@login_required
def figures_behind():
    """Every cadre behind on the year's requirements (behind pace or not met), with what is
    missing: the compliance report's rows and words, paginated."""
    year, root = _request()
    report = services.report(year, root, services.BEHIND)
    page = report.page()
    return render_template("training/figures/behind.html", year=year, root=root,
                           args=_args(year, root), page=page, rows=report.rows(page.items),
                           statuses=compliance.STATUS_TEXT)


@bp.route("/figures/short")
@login_required
def figures_short():
    """Senior and mid-level professional staff under 15 training days in the year."""
    year, root = _request()
    page = paginate_rows(services.short_select(year, root))
    return render_template("training/figures/short.html", year=year, root=root,
                           args=_args(year, root), page=page,
                           rows=[tables.short_row(*row) for row in page.items],
                           need=services.SENIOR_MID_DAYS)


@bp.route("/figures/export.xlsx")
@login_required
def figures_export():
    """One table of the dashboard (`table=`) as .xlsx, its title line naming the scope, the
    year and the time of export."""
    year, root = _request()
    name = request.args.get("table", "")
    if name not in tables.TITLES:
        abort(400, _("The parameter “%(name)s” must be one of: %(values)s.", name="table",
                     values=", ".join(tables.TITLES)))
    title = xlsx_stream.title_line(
        _("Training figures: %(table)s", table=tables.TITLES[name]),
        [(_("Unit"), unit_scope(root)), (_("Year"), year)])
    if name == "behind":
        report = services.report(year, root, services.BEHIND)
        headers = compliance.headers()[:-1]  # what is missing; not how hours were counted
        rows = (row[:-1] for row in compliance_export_rows(report.all_rows()))
    elif name == "short":
        headers = tables.short_headers()
        rows = tables.short_export(services.short_select(year, root))
    else:
        headers, rows = tables.table(name, services.figures(year, root, tables.PARTS[name]))
    chunks = xlsx_stream.stream(headers, rows, sheet=str(tables.TITLES[name]), title=title)
    filename = f"training-{name}-{year}-{root.code if root else 'all'}-{local_today()}.xlsx"
    return download(stream_with_context(chunks), filename)


def _summary() -> tuple[int, object, str]:
    """(year, root, the summary's HTML) of the request."""
    year, root = _request()
    data = services.figures(year, root)
    html = render_template("training/figures/summary.html", data=data, year=year, root=root,
                           args=_args(year, root), today=local_today(),
                           percent=services.percent,
                           tables={name: tables.build(name, data)
                                   for name in ("category", "organiser", "form")})
    return year, root, html


@bp.route("/figures/summary")
@login_required
def figures_summary():
    """The year-end summary, printable: in the form of the district's own report."""
    return _summary()[2]


@bp.route("/figures/summary.pdf")
@login_required
def figures_summary_pdf():
    """The year-end summary as a PDF (WeasyPrint, as the printable record)."""
    year, root, html = _summary()
    name = f"training-summary-{year}-{root.code if root else 'all'}.pdf"
    return download(pdf.render_pdf(html), name, mimetype="application/pdf")
