"""Money pages: a class's spending tab, and the units' budgets against spending."""
from __future__ import annotations

from collections.abc import Iterator

from flask import flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.core import xlsx_stream
from lms.core.numbers import parse_yuan
from lms.core.pagination import paginate
from lms.extensions import db
from lms.org import permissions
from lms.org.models import Unit
from lms.org.services import unit_by_code
from lms.org.tabular import download, unit_scope
from lms.records.workflow import RACE
from lms.training.blueprint import bp
from lms.training.labels import STATUS_LABELS
from lms.training.models import TrainingClass
from lms.training.money import budgets, services
from lms.training.money.services import MoneyRefused
from lms.training.plan.views import year_arg, yuan_number


class CsrfForm(FlaskForm):
    """A form of fields read by the service (the money table); this checks its CSRF token."""


@bp.route("/classes/<int:class_id>/money", methods=["GET", "POST"])
@login_required
def class_money(class_id: int):
    """The class's planned and actual spending by heading."""
    cls = db.session.get(TrainingClass, class_id)
    permissions.require(cls is not None and permissions.can("training.view", cls.unit))
    mode = services.edit_mode(cls)
    editable = mode is not None and permissions.can("training.run", cls.unit)
    form = CsrfForm()
    money = None
    if request.method == "POST":
        permissions.require(permissions.can("training.run", cls.unit))
        if mode is None:  # the status changed since the page was opened
            flash(_("The class is filed: its money can no longer be changed.")
                  if cls.status == "filed" else
                  _("The class plan is under review: its money can be changed again once it "
                    "is returned or approved."), "error")
            return redirect(url_for("training.class_money", class_id=cls.id))
        if form.validate():
            try:
                changed = services.save(cls, request.form, current_user)
                db.session.commit()
            except MoneyRefused as exc:
                db.session.rollback()
                flash(str(exc), "error")
                money = exc.table
            except IntegrityError:  # a heading's first amount saved at the same moment
                db.session.rollback()
                flash(str(RACE), "error")
            else:
                flash(_("The spending was saved (%(n)d headings changed).", n=changed)
                      if changed else _("Nothing changed."), "success")
                return redirect(url_for("training.class_money", class_id=cls.id))
        else:
            flash(_("The form expired: please try again."), "error")
    return render_template("training/money/class_money.html", cls=cls,
                           money=money or services.table(cls), mode=mode, editable=editable,
                           form=form, status_label=STATUS_LABELS.get(cls.status, cls.status),
                           services=services)


# ---- budgets ------------------------------------------------------------------------------

def _scope_unit() -> Unit | None:
    """The subtree asked for (`unit`, a code), or None for everything the user reads."""
    permissions.require_anywhere("training.view")
    code = request.args.get("unit", "").strip()
    if not code:
        return None
    unit = unit_by_code(code)
    permissions.require(unit is not None and permissions.can("training.view", unit))
    return unit


def _units(scope: Unit | None):
    stmt = select(Unit).where(permissions.unit_clause("training.view")).order_by(Unit.path)
    if scope is not None:
        stmt = stmt.where(Unit.path.startswith(scope.path, autoescape=True))
    return stmt


@bp.route("/budgets", endpoint="budgets")
@login_required
def budgets_page():
    """Each unit's budget of the year against its subtree's planned and actual spending."""
    year, scope = year_arg(), _scope_unit()
    page = paginate(_units(scope))
    rows = budgets.budget_rows(list(page.items), year)
    manage = {row.unit.id for row in rows if permissions.can("training.manage", row.unit)}
    return render_template("training/money/budgets.html", year=year, scope=scope, page=page,
                           rows=rows, manage=manage)


@bp.route("/budgets/units/<int:unit_id>", methods=["POST"])
@login_required
def budget_set(unit_id: int):
    """Set a unit's budget of the year (the organisation department)."""
    unit = db.session.get(Unit, unit_id)
    permissions.require(unit is not None and permissions.can("training.manage", unit))
    year = year_arg(request.form)
    back = redirect(url_for("training.budgets", year=year,
                            page=request.form.get("page") or None))
    if not CsrfForm().validate():
        flash(_("The form expired: please try again."), "error")
        return back
    text = (request.form.get("budget") or "").strip()
    fen = parse_yuan(text) if text else None
    if fen is None:
        label = _("Budget of %(unit)s (yuan)", unit=unit.name)
        flash(_("%(field)s is not a valid amount.", field=label) if text
              else _("%(field)s: enter an amount.", field=label), "error")
        return back
    try:
        budgets.set_budget(unit, year, fen, current_user)
        db.session.commit()
    except IntegrityError:  # the same budget set at the same moment
        db.session.rollback()
        flash(str(RACE), "error")
        return back
    flash(_("The budget of %(unit)s for %(year)d was set.", unit=unit.name, year=year),
          "success")
    return back


def _export_rows(rows: list[budgets.BudgetRow]) -> Iterator[list[object]]:
    for row in rows:
        yield [row.unit.name, row.unit.code,
               yuan_number(row.budget_fen) if row.budget is not None else None,
               yuan_number(row.planned_fen), yuan_number(row.actual_fen), row.spent_pct,
               "\n".join(row.warnings())]


@bp.route("/budgets/export.xlsx")
@login_required
def budgets_export():
    """The budgets page as a spreadsheet (every unit in scope)."""
    year, scope = year_arg(), _scope_unit()
    rows = budgets.budget_rows(list(db.session.scalars(_units(scope))), year)
    headers = [_("Unit"), _("Code"), _("Budget (yuan)"), _("Planned spending (yuan)"),
               _("Spent (yuan)"), _("Per cent of budget spent"), _("Remarks")]
    title = xlsx_stream.title_line(_("Budgets and spending"),
                                   [(_("Unit"), unit_scope(scope)), (_("Year"), year)])
    chunks = xlsx_stream.stream(headers, _export_rows(rows),
                                sheet=_("Budgets %(year)d", year=year), title=title)
    name = f"training-budgets-{scope.code if scope else 'all'}-{year}.xlsx"
    return download(stream_with_context(chunks), name)
