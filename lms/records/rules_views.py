"""Requirement rule sets: the organisation department's editor and the rules page for cadres."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import case, func, select

from lms.catalog.models import Course, SubjectCategory
from lms.core.forms import select_choices
from lms.core.pagination import paginate
from lms.extensions import db
from lms.org import labels, permissions
from lms.org import queries as org_queries
from lms.org import services as org_services
from lms.records import rules, rules_text
from lms.records.models import ReadingItem, RequirementStatus, RuleSet
from lms.records.rules_forms import (
    RuleSetForm,
    fields_from_form,
    form_data,
    new_rule_set_defaults,
)

bp = Blueprint("rules", __name__)


def _require_manage() -> None:
    """Only the organisation department (and system administrators) edit rule sets; anyone
    else is told the page does not exist."""
    permissions.require(permissions.can_anywhere("rules.manage"))


# ---- the organisation department's editor --------------------------------------------------

@bp.route("/admin/records/rules")
@login_required
def admin_list():
    _require_manage()
    page = paginate(select(RuleSet).order_by(RuleSet.active.desc(), RuleSet.id))
    year = rules.this_year()
    texts = {t.rule_set.id: t for t in rules_text.describe_all(list(page.items), year)}
    windows = {rs.id: rules.window_of(rs, year)[0] for rs in page.items}
    counts: dict[int, tuple[int, int]] = {}
    if windows:
        met = func.sum(case((RequirementStatus.met.is_(True), 1), else_=0))
        for rule_id, start, n, done in db.session.execute(
                select(RequirementStatus.rule_set_id, RequirementStatus.window_start,
                       func.count(), met)
                .where(RequirementStatus.rule_set_id.in_(windows))
                .group_by(RequirementStatus.rule_set_id, RequirementStatus.window_start)):
            if windows[rule_id] == start:
                counts[rule_id] = (n, int(done or 0))
    return render_template("records/rules/list.html", page=page, texts=texts, counts=counts,
                           year=year)


def _edit(rule_set: RuleSet, *, new: bool):
    subjects = list(db.session.scalars(select(SubjectCategory).order_by(
        SubjectCategory.sort_order, SubjectCategory.id)))
    form = RuleSetForm(data=form_data(rule_set, subjects) if request.method == "GET" else None)
    cfg = rules.normalise(rule_set.config)
    chosen = set(cfg["required_courses"])
    courses = db.session.execute(
        select(Course.id, Course.title, Course.status)
        .where((Course.status == "published") | Course.id.in_(chosen))
        .order_by(Course.title)).all()
    form.required_courses.choices = select_choices(
        (cid, title if status == "published" else _("%(title)s (not published)", title=title))
        for cid, title, status in courses)
    items = db.session.execute(
        select(ReadingItem.id, ReadingItem.year, ReadingItem.title, ReadingItem.published)
        .where(ReadingItem.published.is_(True)
               | ReadingItem.id.in_(cfg["required_reading"]))
        .order_by(ReadingItem.year.desc(), ReadingItem.sort_order, ReadingItem.id)).all()
    form.required_reading.choices = select_choices(
        (iid, f"{item_year} · {title}" if published
         else _("%(title)s (not published)", title=f"{item_year} · {title}"))
        for iid, item_year, title, published in items)
    form.ranks.choices = labels.choices(labels.RANK_LABELS)
    form.title_levels.choices = labels.choices(
        {k: v for k, v in labels.TITLE_LABELS.items() if k != "none"})
    form.categories.choices = select_choices(
        (c.code, c.name) for c in org_services.categories())
    form.unit.choices = select_choices(
        [("", _("The whole district"))]
        + org_queries.unit_choices("rules.manage", by_code=True))
    form.setup(subjects)
    if form.validate_on_submit():
        code = form.code.data.strip()
        taken = db.session.scalar(select(RuleSet.id).where(RuleSet.code == code))
        if taken is not None and taken != rule_set.id:
            form.code.errors = [_("A rule set with code %(code)s already exists.", code=code)]
        else:
            count = rules.save(rule_set, fields_from_form(form), actor_id=current_user.id,
                               reason=form.reason.data.strip())
            db.session.commit()
            flash(_("Rule set “%(name)s” saved; %(n)d statuses recomputed.",
                    name=rule_set.name, n=count), "success")
            return redirect(url_for("rules.admin_list"))
    if form.is_submitted():
        flash(_("Nothing was saved: correct the fields listed at the top of the form."),
              "error")
    return render_template("records/rules/form.html", form=form, rule_set=rule_set, new=new,
                           errors=form.error_summary() if form.is_submitted() else [])


@bp.route("/admin/records/rules/new", methods=["GET", "POST"])
@login_required
def admin_new():
    _require_manage()
    return _edit(new_rule_set_defaults(), new=True)


@bp.route("/admin/records/rules/<int:rule_set_id>/edit", methods=["GET", "POST"])
@login_required
def admin_edit(rule_set_id: int):
    _require_manage()
    rule_set = db.get_or_404(RuleSet, rule_set_id)
    return _edit(rule_set, new=False)


@bp.route("/admin/records/rules/<int:rule_set_id>/active", methods=["POST"])
@login_required
def admin_toggle(rule_set_id: int):
    _require_manage()
    rule_set = db.get_or_404(RuleSet, rule_set_id)
    active = not rule_set.active
    count = rules.save(rule_set, {"active": active}, actor_id=current_user.id,
                       reason=_("Activated") if active else _("Deactivated"))
    db.session.commit()
    if active:
        flash(_("Rule set “%(name)s” activated; %(n)d statuses recomputed.",
                name=rule_set.name, n=count), "success")
    else:
        flash(_("Rule set “%(name)s” deactivated; its statuses were removed.",
                name=rule_set.name), "success")
    return redirect(url_for("rules.admin_list"))


# ---- the rules page for cadres -------------------------------------------------------------

@bp.route("/records/rules")
@login_required
def page():
    year = rules.this_year()
    active = [rs for rs in rules.active_rule_sets() if rules.in_force_in(rs, year)]
    mine = rules.memberships(current_user.id, active)
    texts = rules_text.describe_all(active, year)
    texts.sort(key=lambda t: (t.rule_set.id not in mine, t.rule_set.id))
    return render_template("records/rules/page.html", texts=texts, mine=mine, year=year)
