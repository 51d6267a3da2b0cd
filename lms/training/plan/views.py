"""The year's plan pages: read it (planned against actual), start it, edit its items,
publish it, export it."""
from __future__ import annotations

from collections.abc import Iterator

from flask import abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from lms.core import xlsx_stream
from lms.core.params import int_arg
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import permissions
from lms.org.models import Unit
from lms.org.services import unit_by_code
from lms.org.tabular import download, unit_scope
from lms.records.entries import FIRST_YEAR
from lms.records.workflow import RACE
from lms.training.blueprint import bp
from lms.training.models import PlanItem, TrainingPlan
from lms.training.money.services import yuan_input
from lms.training.plan import services
from lms.training.plan.forms import ItemForm, PlanForm
from lms.training.plan.services import Line, PlanError


def year_arg(args=None) -> int:
    """The year asked for (this year when absent; next year's plan may be prepared); a value
    that is no such year is a 400 naming the field."""
    return int_arg("year", local_today().year, low=FIRST_YEAR, high=local_today().year + 1,
                   args=args)


def _unit(args=None) -> Unit:
    """The unit whose plan is asked for (`unit`, a code; the user's district by default);
    404 when the user reads no training there."""
    permissions.require_anywhere("training.view")
    code = (args if args is not None else request.args).get("unit", "").strip()
    if code:
        unit = unit_by_code(code)
        permissions.require(unit is not None and permissions.overlaps("training.view", unit))
        return unit
    districts = services.readable_districts()
    permissions.require(bool(districts))
    return districts[0]


def _back(plan: TrainingPlan):
    return redirect(url_for("training.plan", year=plan.year, unit=plan.unit.code))


def _managed_plan(plan_id: int) -> TrainingPlan:
    plan = db.session.get(TrainingPlan, plan_id)
    permissions.require(plan is not None and services.can_manage(plan))
    return plan


def _managed_item(plan_item_id: int) -> PlanItem:
    item = db.session.get(PlanItem, plan_item_id)
    permissions.require(item is not None and services.can_manage(item.plan))
    return item


def _default_title(unit: Unit, year: int) -> str:
    return _("%(unit)s training plan for %(year)d", unit=unit.name, year=year)


@bp.route("/plan")
@login_required
def plan():
    """The year's plan: planned classes, trainee-times and budget against actual."""
    year, unit = year_arg(), _unit()
    found = services.plan_for(unit, year)
    readable = found if found is not None and services.can_read(found) else None
    manage = unit.parent_id is None and permissions.can("training.manage", unit)
    form = PlanForm(title=_default_title(unit, year)) if found is None and manage else None
    return render_template(
        "training/plan/plan.html", year=year, unit=unit, plan=readable,
        report=services.plan_report(readable) if readable else None,
        manage=readable is not None and services.can_manage(readable), form=form,
        districts=services.readable_districts(), this_year=local_today().year,
        first_year=FIRST_YEAR)


@bp.route("/plan/new", methods=["POST"])
@login_required
def plan_new():
    """Start the year's plan of a unit (the organisation department)."""
    unit = _unit(request.form)
    # One plan per district and year: the district's top unit holds it.
    permissions.require(unit.parent_id is None and permissions.can("training.manage", unit))
    year = year_arg(request.form)
    form = PlanForm()
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(_("%(label)s: %(value)s", label=form.title.label.text, value=error),
                      "error")
        return redirect(url_for("training.plan", year=year, unit=unit.code))
    try:
        created = services.create_plan(unit, year, form.title.data, current_user)
        db.session.commit()
    except (PlanError, IntegrityError) as exc:  # a plan started at the same moment
        db.session.rollback()
        flash(str(exc) if isinstance(exc, PlanError) else str(RACE), "error")
        return redirect(url_for("training.plan", year=year, unit=unit.code))
    flash(_("The plan was started as a draft: add its items, then publish it."), "success")
    return _back(created)


def _item_page(plan: TrainingPlan, item: PlanItem | None):
    form = ItemForm(obj=None)
    if request.method == "GET" and item is not None:
        form = ItemForm(formdata=None, category=item.category, title=item.title,
                        planned_classes=item.planned_classes,
                        planned_trainees=item.planned_trainees,
                        budget=yuan_input(item.budget_fen),
                        note=item.note)
    if request.method == "POST" and form.validate():
        try:
            services.save_item(plan, item, form.values())
            db.session.commit()
        except PlanError as exc:
            db.session.rollback()
            form.category.errors = [*form.category.errors, str(exc)]
        else:
            flash(_("The plan item was saved."), "success")
            return _back(plan)
    return render_template("training/plan/item_form.html", plan=plan, item=item, form=form)


@bp.route("/plan/<int:plan_id>/items/new", methods=["GET", "POST"])
@login_required
def plan_item_new(plan_id: int):
    """Add an item to the plan."""
    return _item_page(_managed_plan(plan_id), None)


@bp.route("/plan/items/<int:plan_item_id>/edit", methods=["GET", "POST"])
@login_required
def plan_item_edit(plan_item_id: int):
    """Change an item of the plan."""
    item = _managed_item(plan_item_id)
    return _item_page(item.plan, item)


@bp.route("/plan/items/<int:plan_item_id>/delete", methods=["POST"])
@login_required
def plan_item_delete(plan_item_id: int):
    """Remove an item (refused while classes are attached to it)."""
    item = _managed_item(plan_item_id)
    plan = item.plan
    try:
        services.remove_item(item)
        db.session.commit()
        flash(_("The plan item was removed."), "success")
    except PlanError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return _back(plan)


@bp.route("/plan/items/<int:plan_item_id>/move", methods=["POST"])
@login_required
def plan_item_move(plan_item_id: int):
    """Move an item up or down the plan."""
    item = _managed_item(plan_item_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    plan = item.plan
    services.move_item(item, up=direction == "up")
    db.session.commit()
    return _back(plan)


@bp.route("/plan/<int:plan_id>/publish", methods=["POST"])
@login_required
def plan_publish(plan_id: int):
    """Publish the plan: every unit administrator of the district is told."""
    plan = _managed_plan(plan_id)
    try:
        told = services.publish(plan, current_user)
        db.session.commit()
        flash(_("The plan was published; %(n)d administrators were notified.", n=told),
              "success")
    except PlanError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    return _back(plan)


# ---- export -------------------------------------------------------------------------------

def export_headers() -> list[str]:
    return [_("Category"), _("Plan item"), _("Planned classes"), _("Classes held"),
            _("Classes, per cent of plan"),
            _("Planned trainee-times"), _("Trainee-times"), _("Trainee-times, per cent of plan"),
            _("Budget (yuan)"), _("Funds spent (yuan)"), _("Funds, per cent of budget"),
            _("Classes under way"), _("Remarks")]


def yuan_number(fen: int) -> float | int:
    """Fen as a number of yuan for a spreadsheet cell."""
    return fen // 100 if fen % 100 == 0 else round(fen / 100, 2)


def export_rows(lines: list[Line]) -> Iterator[list[object]]:
    for line in lines:
        yield [line.category_label, line.title, line.planned_classes, line.actual.classes,
               line.classes_pct, line.planned_trainees, line.actual.trainees,
               line.trainees_pct, yuan_number(line.budget_fen),
               yuan_number(line.actual.funds_fen), line.funds_pct, line.actual.under_way,
               line.item.note if line.item is not None else ""]


@bp.route("/plan/export.xlsx")
@login_required
def plan_export():
    """The plan against actual as a spreadsheet."""
    year, unit = year_arg(), _unit()
    found = services.plan_for(unit, year)
    permissions.require(found is not None and services.can_read(found))
    report = services.plan_report(found)
    title = xlsx_stream.title_line(found.title, [(_("Unit"), unit_scope(unit)),
                                                 (_("Year"), year)])
    chunks = xlsx_stream.stream(
        export_headers(), export_rows([*report.lines, report.unplanned, report.total]),
        sheet=_("Plan %(year)d", year=year), title=title)
    return download(stream_with_context(chunks), f"training-plan-{unit.code}-{year}.xlsx")
