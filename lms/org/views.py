"""Administration pages for the unit tree, cadres, exports, import templates and role grants
(the imports themselves run as jobs: lms.admin.imports)."""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from wtforms import SelectChoice

from lms.auth.forms import ConfirmForm
from lms.core.forms import select_choices
from lms.core.pagination import paginate
from lms.core.params import int_arg
from lms.core.timeutil import local_today
from lms.core.xlsx_stream import title_line
from lms.extensions import db
from lms.org import attributes, importer, labels, permissions, queries, services
from lms.org.forms import CadreFormBase, GrantForm, UnitForm, cadre_form
from lms.org.models import CadreProfile, Category, RoleGrant, Unit
from lms.org.tabular import XLSX, csv_bytes, download, unit_scope, xlsx_bytes

bp = Blueprint("org", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user; each view then checks its own action."""


def _unit_or_404(unit_id: int) -> Unit:
    return db.get_or_404(Unit, unit_id)


# ---- units -------------------------------------------------------------------------------

@bp.route("/units")
def units():
    permissions.require_anywhere("unit.view")
    tree = queries.tree_order(queries.visible_units("unit.view"))
    return render_template(
        "org/units.html", tree=tree, counts=queries.cadre_counts(),
        can_manage={u.id for u in tree if permissions.can("unit.manage", u)},
        can_edit={u.id for u in tree if permissions.can_edit_unit(u)},
        can_list={u.id for u in tree if permissions.can("cadre.view", u)},
        kinds=labels.UNIT_KIND_LABELS,
    )


@bp.route("/units/new", methods=["GET", "POST"])
def unit_new():
    permissions.require_anywhere("unit.manage")
    form = UnitForm()
    form.parent_id.choices = select_choices(queries.unit_choices("unit.manage"))
    if request.method == "GET" and int_arg("parent"):
        form.parent_id.data = int_arg("parent")
    if form.validate_on_submit():
        parent = _unit_or_404(form.parent_id.data)
        permissions.require(permissions.can("unit.manage", parent))
        try:
            unit = services.create_unit(form.code.data, form.name.data, form.kind.data, parent)
        except services.OrgError as exc:
            form.code.errors.append(str(exc))
        else:
            flash(_("Unit %(name)s created.", name=unit.name), "success")
            return redirect(url_for("org.units"))
    return render_template("org/unit_form.html", form=form, unit=None)


@bp.route("/units/<int:unit_id>/edit", methods=["GET", "POST"])
def unit_edit(unit_id: int):
    unit = _unit_or_404(unit_id)
    permissions.require(permissions.can_edit_unit(unit))
    form = UnitForm(obj=unit)
    form.parent_id.choices = select_choices(
        (uid, label) for uid, label in queries.unit_choices("unit.manage") if uid != unit.id)
    if unit.parent_id is None:
        form.parent_id.choices = select_choices([(0, "—")])
        form.parent_id.data = 0
    if form.validate_on_submit():
        try:
            services.update_unit(unit, name=form.name.data, kind=form.kind.data,
                                 code=form.code.data)
            if unit.parent_id is not None and form.parent_id.data != unit.parent_id:
                new_parent = _unit_or_404(form.parent_id.data)
                permissions.require(permissions.can("unit.manage", new_parent))
                services.move_unit(unit, new_parent)
        except services.OrgError as exc:
            db.session.rollback()
            form.parent_id.errors.append(str(exc))
        else:
            flash(_("Unit saved."), "success")
            return redirect(url_for("org.units"))
    return render_template("org/unit_form.html", form=form, unit=unit)


@bp.route("/units/template.<fmt>")
def units_template(fmt: str):
    permissions.require_anywhere("unit.manage")
    headers = [c.zh for c in importer.UNIT_COLUMNS]
    example = [["JD09", "示例街道", "街道", "QU"], ["JD09-SQ01", "示例社区", "社区", "JD09"]]
    return _template_response("units", fmt, headers, example, importer.UNIT_COLUMNS)


# ---- cadres ------------------------------------------------------------------------------

@bp.route("/cadres")
def cadres():
    permissions.require_anywhere("cadre.view")
    f = queries.CadreFilter.from_args(request.args)
    _require_unit_in_scope(f, "cadre.view")
    page = paginate(queries.cadre_select(f))
    return render_template(
        "org/cadres.html", page=page, f=f, units=queries.unit_choices("cadre.view"),
        categories=services.categories(), ranks=labels.RANK_LABELS, labels=labels,
        can_manage=permissions.can_anywhere("cadre.manage"),
    )


def _require_unit_in_scope(f: queries.CadreFilter, action: str) -> None:
    """404 for a unit filter naming a unit that does not exist or lies outside the user's
    scope, as the compliance report answers: an empty list would hide the refusal."""
    if f.unit_id is not None:
        unit = db.session.get(Unit, f.unit_id)
        permissions.require(unit is not None and permissions.can(action, unit))


def export_columns() -> list[tuple[str, object]]:
    """The export's columns: (Chinese header, the value of a cadre profile), the declared
    attributes among them, in the order of the import template (which reads them back)."""
    def attribute(a):
        return a.header(), lambda p: a.cell(getattr(p, a.key))

    declared = attributes.ATTRIBUTES
    return [
        ("账号", lambda p: p.user.username), ("姓名", lambda p: p.user.name),
        *(attribute(a) for a in declared if a.beside_name),
        ("单位代码", lambda p: p.unit.code), ("单位名称", lambda p: p.unit.name),
        *(attribute(a) for a in declared if not a.beside_name),
        ("类别", lambda p: "、".join(c.name for c in p.categories)),
        ("状态", lambda p: _("Active") if p.user.is_active else _("Deactivated")),
    ]


def _cadre_filters(f: queries.CadreFilter) -> list[tuple[str, object]]:
    """The cadre list's filters as the export's title line names them."""
    unit = db.session.get(Unit, f.unit_id) if f.unit_id else None
    category = db.session.get(Category, f.category_id) if f.category_id else None
    status = {"active": _("Active"), "inactive": _("Deactivated"), "all": _("All")}
    return [(_("Unit"), unit_scope(unit)), (_("Category"), category.name if category else ""),
            (_("Rank"), labels.label(labels.RANK_LABELS, f.rank)), (_("Search"), f.q or ""),
            (_("Status"), status[f.status])]


@bp.route("/cadres/export.xlsx")
def cadres_export():
    permissions.require_anywhere("cadre.export")
    f = queries.CadreFilter.from_args(request.args)
    _require_unit_in_scope(f, "cadre.export")
    stmt = queries.cadre_select(f, "cadre.export").limit(100_000)
    columns = export_columns()
    rows = ([value(p) for _header, value in columns]
            for p in db.session.scalars(stmt).unique())
    data = xlsx_bytes([header for header, _value in columns], rows, sheet=_("Cadre list"),
                      title=title_line(_("Cadre list"), _cadre_filters(f)))
    return download(data, f"cadres-{local_today().isoformat()}.xlsx", XLSX)


def _fill_cadre_form(form: CadreFormBase) -> None:
    form.unit_id.choices = select_choices(queries.unit_choices("cadre.manage"))
    form.categories.choices = select_choices((c.id, c.name) for c in services.categories())


def _cadre_data(form: CadreFormBase, unit: Unit) -> services.CadreData:
    chosen = set(form.categories.data or [])
    return services.CadreData(
        username=form.username.data.strip(), name=form.name.data.strip(), unit=unit,
        categories=[c for c in services.categories() if c.id in chosen],
        **{a.key: a.from_form(form[a.key].data) for a in attributes.ATTRIBUTES},
    )


@bp.route("/cadres/new", methods=["GET", "POST"])
def cadre_new():
    permissions.require_anywhere("cadre.manage")
    form = cadre_form()
    _fill_cadre_form(form)
    if form.validate_on_submit():
        unit = _unit_or_404(form.unit_id.data)
        permissions.require(permissions.can("cadre.manage", unit))
        try:
            user = services.create_cadre(_cadre_data(form, unit))
        except services.OrgError as exc:
            form.username.errors.append(str(exc))
        else:
            return _one_time_password(user, services.reset_password(user), created=True)
    return render_template("org/cadre_form.html", form=form, profile=None)


def _one_time_password(user, password: str, *, created: bool = False) -> Response:
    """The page answering the POST shows the one-time password once. It never travels in a
    flash (flashes live in the session cookie, which is signed, not encrypted) and the page
    is never stored by a browser or a proxy."""
    response = Response(render_template("org/one_time_password.html", user=user,
                                        password=password, created=created))
    response.headers["Cache-Control"] = "no-store"
    return response


def _profile_or_404(user_id: int, action: str) -> CadreProfile:
    """The cadre, when the user may do `action` on them and the account is within the
    user's reach (not their own, holding no role they could not grant)."""
    profile = db.session.get(CadreProfile, user_id)
    if (profile is None or not permissions.can_on_cadre(action, profile)
            or not permissions.reaches(profile.user)):
        abort(404)  # the same answer whether it exists or is out of scope or reach
    return profile


def _grant_choices() -> list[SelectChoice]:
    """The (role, unit) pairs the user may grant, grouped by role."""
    units = queries.tree_order(queries.visible_units("role.grant"))
    choices: list[SelectChoice] = []
    for role, label in labels.ROLE_LABELS.items():
        if role in ("learner", "sysadmin"):
            continue  # every cadre is a learner; system administrators come from the CLI
        if role in services.GLOBAL_ROLES:
            pairs = [(f"{role}@", _("everywhere"))] if permissions.can_grant(role, None) else []
        else:
            pairs = [(f"{role}@{u.id}", "\u3000" * u.depth + f"{u.name}（{u.code}）")
                     for u in units if permissions.can_grant(role, u)]
        choices += [SelectChoice(value, text, optgroup=str(label)) for value, text in pairs]
    return choices


def _grant_form() -> GrantForm | None:
    choices = _grant_choices()
    if not choices:
        return None
    form = GrantForm()
    form.grant.choices = choices
    return form


def _detail_page(profile: CadreProfile, grant_form: GrantForm | None, status: int = 200):
    revocable = {g.id for g in profile.user.grants
                 if g.role != "learner" and permissions.can_grant(g.role, g.unit)}
    return render_template(
        "org/cadre_detail.html", p=profile, labels=labels, grant_form=grant_form,
        attributes=attributes.ATTRIBUTES,
        revocable=revocable, confirm=ConfirmForm(),
        can_manage=permissions.can_on_cadre("cadre.manage", profile),
    ), status


@bp.route("/cadres/<int:user_id>")
def cadre_detail(user_id: int):
    profile = _profile_or_404(user_id, "cadre.view")
    return _detail_page(profile, _grant_form())


@bp.route("/cadres/<int:user_id>/edit", methods=["GET", "POST"])
def cadre_edit(user_id: int):
    profile = _profile_or_404(user_id, "cadre.manage")
    form = cadre_form(obj=profile)
    _fill_cadre_form(form)
    form.username.render_kw = {"readonly": True}
    if request.method == "GET":
        form.username.data = profile.user.username
        form.name.data = profile.user.name
        form.categories.data = [c.id for c in profile.categories]
    form.username.data = profile.user.username  # the username never changes here
    if form.validate_on_submit():
        unit = _unit_or_404(form.unit_id.data)
        permissions.require(permissions.can("cadre.manage", unit))
        services.update_cadre(profile, _cadre_data(form, unit))
        flash(_("Cadre saved."), "success")
        return redirect(url_for("org.cadre_detail", user_id=user_id))
    return render_template("org/cadre_form.html", form=form, profile=profile)


@bp.route("/cadres/<int:user_id>/<any(deactivate, activate):action>", methods=["POST"])
def cadre_set_active(user_id: int, action: str):
    profile = _profile_or_404(user_id, "cadre.manage")
    if ConfirmForm().validate_on_submit():
        services.set_active(profile.user, action == "activate")
        flash(_("Account reactivated.") if action == "activate"
              else _("Account deactivated; its records are kept and its API tokens revoked."),
              "success")
    return redirect(url_for("org.cadre_detail", user_id=user_id))


@bp.route("/cadres/<int:user_id>/password", methods=["POST"])
def cadre_reset_password(user_id: int):
    profile = _profile_or_404(user_id, "cadre.manage")
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("org.cadre_detail", user_id=user_id))
    return _one_time_password(profile.user, services.reset_password(profile.user))


@bp.route("/cadres/<int:user_id>/grants", methods=["POST"])
def cadre_grant(user_id: int):
    profile = _profile_or_404(user_id, "cadre.view")
    form = _grant_form()
    permissions.require(form is not None)
    if form.validate_on_submit():
        role, _sep, unit_id = form.grant.data.partition("@")
        unit = _unit_or_404(int(unit_id)) if unit_id else None
        permissions.require(permissions.can_grant(role, unit))
        try:
            services.grant_role(profile.user, role, unit)
        except services.OrgError as exc:
            form.grant.errors.append(str(exc))
        else:
            flash(_("Role granted."), "success")
            return redirect(url_for("org.cadre_detail", user_id=user_id))
    return _detail_page(profile, form, 400)


@bp.route("/grants/<int:grant_id>/revoke", methods=["POST"])
def grant_revoke(grant_id: int):
    grant = db.get_or_404(RoleGrant, grant_id)
    profile = _profile_or_404(grant.user_id, "cadre.view")
    permissions.require(grant.role != "learner"
                        and permissions.can_grant(grant.role, grant.unit))
    if ConfirmForm().validate_on_submit():
        services.revoke_role(grant)
        flash(_("Role revoked."), "success")
    return redirect(url_for("org.cadre_detail", user_id=profile.user_id))


@bp.route("/cadres/template.<fmt>")
def cadres_template(fmt: str):
    permissions.require_anywhere("cadre.import")
    columns = importer.cadre_columns()
    examples = {"username": "zhangsan01", "name": "张三", "unit": "JD01",
                "categories": "科股级干部、中青年干部",
                **{a.key: a.example for a in attributes.ATTRIBUTES}}
    example = [[examples.get(c.key, "") for c in columns]]
    return _template_response("cadres", fmt, [c.zh for c in columns], example, columns)


def _template_response(kind: str, fmt: str, headers, example, columns) -> Response:
    if fmt == "csv":
        return download(csv_bytes(headers, example), f"{kind}-template.csv", "text/csv")
    if fmt != "xlsx":
        abort(404)
    notes = [[_("Column"), _("Required"), _("Allowed values")]]
    allowed = {a.key: a.allowed() for a in attributes.ATTRIBUTES}
    allowed["kind"] = "、".join(str(v) for v in labels.UNIT_KIND_LABELS.values())
    for col in columns:
        values = allowed.get(col.key, "")
        if col.key == "categories":
            values = "、".join(c.name for c in services.categories())
        notes.append([col.zh, _("yes") if col.required else _("no"), values])
    sheet = _("Cadres") if kind == "cadres" else _("Units")
    return download(xlsx_bytes(headers, example, notes, sheet=sheet), f"{kind}-template.xlsx",
                    XLSX)
