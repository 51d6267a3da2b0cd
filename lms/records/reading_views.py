"""The required reading list and reading notes: publishing, writing, calling in, reviewing."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from lms.auth.models import User
from lms.core.forms import select_choices
from lms.core.pagination import paginate_rows
from lms.core.params import int_arg
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import credit, permissions
from lms.org import queries as org_queries
from lms.org.models import CadreProfile, Unit
from lms.records import reading
from lms.records.models import ReadingCall, ReadingItem, ReadingNote
from lms.records.workflow import saved, year_or_404
from lms.records.workflow_forms import CallForm, NoteForm, ReadingItemForm, ReviewForm

bp = Blueprint("reading", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user; each view then checks its own action."""


def status_labels() -> dict[str, str]:
    """What a note's status reads as."""
    return {"missing": _("Not written"), "draft": _("Draft"), "submitted": _("Submitted"),
            "returned": _("Returned"), "approved": _("Approved"),
            "reversed": _("Approved, then reversed")}


def _year() -> int:
    """The `year` argument (this year by default); a year out of range is not found."""
    value = request.args.get("year")
    return year_or_404(value) if value else local_today().year


def _own_profile() -> CadreProfile:
    """The signed-in user's cadre profile: only cadres write notes."""
    profile = getattr(current_user, "profile", None)
    if profile is None:
        abort(404)
    return profile


# ---- the list, for everyone ----------------------------------------------------------------

@bp.route("/reading")
def catalogue():
    year = _year()
    items = reading.items_of(year)
    has_profile = getattr(current_user, "profile", None) is not None
    mine = reading.statuses(current_user.id, [i.id for i in items]) if has_profile else {}
    years = sorted(set(reading.published_years()) | {year}, reverse=True)
    return render_template("records/reading/catalogue.html", year=year, items=items,
                           mine=mine, years=years, has_profile=has_profile,
                           labels=status_labels(),
                           can_publish=permissions.can_anywhere("reading.publish"))


@bp.route("/me/reading")
def my_notes():
    profile = _own_profile()
    return render_template("records/reading/my_notes.html",
                           notes=reading.notes_of_user(current_user.id),
                           calls=reading.open_calls_for(profile), labels=status_labels(),
                           year=local_today().year)


@bp.route("/me/reading/<int:item_id>", methods=["GET", "POST"])
def note_edit(item_id: int):
    _own_profile()
    item = db.session.get(ReadingItem, item_id)
    if item is None or not item.published:
        abort(404)
    view = reading.note_view(reading.note_of(current_user.id, item.id))
    note = view.note if view else None
    editable = view is None or view.editable
    form = NoteForm(obj=note) if editable else None
    preview = None
    if form is not None and request.method == "GET" and note is None:
        form.title.data = item.title
    if form is not None and form.validate_on_submit():
        if form.preview.data:
            problem = reading.markup_problem(form.body.data or "")
            if problem:
                flash(_("The note cannot be shown: %(p)s", p=problem), "error")
            preview = reading.render(form.body.data or "")
        else:
            submit = bool(form.submit.data)
            if saved(lambda: reading.save_note(current_user, item, title=form.title.data or "",
                                               body=form.body.data or "", submit=submit),
                     reading.ReadingError):
                flash(_("Your note was submitted for review.") if submit
                      else _("Draft saved."), "success")
                return redirect(url_for("reading.my_notes") if submit
                                else url_for("reading.note_edit", item_id=item.id))
    return render_template("records/reading/note_edit.html", item=item, note=note, form=form,
                           view=view, preview=preview, labels=status_labels(),
                           body_html=reading.render(note.body) if note and not editable
                           else None)


# ---- publishing the list -------------------------------------------------------------------

def _require_publisher() -> None:
    if not permissions.can_anywhere("reading.publish"):
        abort(404)


@bp.route("/admin/records/reading", methods=["GET", "POST"])
def admin_list():
    _require_publisher()
    year = _year()
    form = ReadingItemForm()
    if request.method == "POST" and request.form.get("action") == "publish":
        try:
            count = reading.publish_year(year, current_user.id)
        except reading.ReadingError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Published %(n)d items of the %(y)d list.", n=count, y=year), "success")
        return redirect(url_for("reading.admin_list", year=year))
    if form.validate_on_submit():
        reading.add_item(year, title=form.title.data, author=form.author.data or "",
                         publisher=form.publisher.data or "",
                         description=form.description.data or "",
                         required=bool(form.required.data),
                         sort_order=form.sort_order.data or 0)
        db.session.commit()
        flash(_("Item added. Publish the list when it is complete."), "success")
        return redirect(url_for("reading.admin_list", year=year))
    items = reading.items_of(year, published_only=False)
    return render_template("records/reading/admin_list.html", year=year, items=items,
                           form=form, unpublished=sum(1 for i in items if not i.published),
                           years=range(local_today().year + 1, local_today().year - 5, -1))


def _unpublished_item(item_id: int) -> ReadingItem:
    _require_publisher()
    item = db.get_or_404(ReadingItem, item_id)
    if item.published:
        flash(_("A published item can no longer be changed."), "error")
        abort(redirect(url_for("reading.admin_list", year=item.year)))
    return item


@bp.route("/admin/records/reading/items/<int:item_id>", methods=["GET", "POST"])
def item_edit(item_id: int):
    item = _unpublished_item(item_id)
    form = ReadingItemForm(obj=item)
    if form.validate_on_submit():
        reading.update_item(item, title=form.title.data, author=form.author.data,
                            publisher=form.publisher.data, description=form.description.data,
                            required=bool(form.required.data),
                            sort_order=form.sort_order.data or 0)
        db.session.commit()
        flash(_("Item saved."), "success")
        return redirect(url_for("reading.admin_list", year=item.year))
    return render_template("records/reading/item_form.html", item=item, form=form)


@bp.route("/admin/records/reading/items/<int:item_id>/remove", methods=["POST"])
def item_remove(item_id: int):
    item = _unpublished_item(item_id)
    year = item.year
    reading.remove_item(item)
    db.session.commit()
    flash(_("Item removed."), "success")
    return redirect(url_for("reading.admin_list", year=year))


# ---- calling notes in (调阅) ----------------------------------------------------------------

def _require_manager() -> None:
    if not permissions.can_anywhere("record.manage"):
        abort(404)


@bp.route("/admin/records/reading/calls")
def calls():
    _require_manager()
    page = paginate_rows(reading.calls_select())
    return render_template("records/reading/calls.html", page=page)


@bp.route("/admin/records/reading/calls/new", methods=["GET", "POST"])
def call_new():
    _require_manager()
    form = CallForm()
    form.unit_id.choices = select_choices(org_queries.unit_choices("record.manage"))
    years = reading.published_years()
    form.year.choices = select_choices((y, str(y)) for y in years)
    items = db.session.scalars(select(ReadingItem).where(
        ReadingItem.published.is_(True), ReadingItem.year.in_(years or [-1]))
        .order_by(ReadingItem.year.desc(), ReadingItem.sort_order, ReadingItem.id)).all()
    form.item_id.choices = select_choices(
        [(0, _("The whole list"))] + [(i.id, f"{i.year} · {i.title}") for i in items])
    if request.method == "GET":
        form.year.data = int_arg("year", low=1, high=9999) or (years[0] if years else None)
    if not years:
        flash(_("There is no published reading list yet."), "info")
    elif form.validate_on_submit():
        unit = db.session.get(Unit, form.unit_id.data)
        permissions.require(unit is not None and permissions.can("record.manage", unit))
        item = db.session.get(ReadingItem, form.item_id.data) if form.item_id.data else None
        try:
            call, told = reading.create_call(
                unit, form.year.data, item=item, due_on=form.due_on.data,
                message=form.message.data or "", actor=current_user,
                link=url_for("reading.my_notes"))
        except reading.ReadingError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("Notes called in: %(n)d cadres were told.", n=told), "success")
            return redirect(url_for("reading.call_detail", call_id=call.id))
    return render_template("records/reading/call_form.html", form=form, has_list=bool(years))


@bp.route("/admin/records/reading/calls/<int:call_id>")
def call_detail(call_id: int):
    _require_manager()
    call = db.session.get(ReadingCall, call_id)
    unit = db.session.get(Unit, call.unit_id) if call else None
    if call is None or not permissions.overlaps("record.manage", unit):
        abort(404)
    item = db.session.get(ReadingItem, call.item_id) if call.item_id else None
    missing_only = request.args.get("missing") == "1"
    stmt, wanted = reading.call_select(call, unit, missing_only=missing_only)
    page = paginate_rows(stmt)
    return render_template("records/reading/call_detail.html", call=call, unit=unit,
                           item=item, page=page, wanted=wanted, missing_only=missing_only,
                           totals=reading.call_totals(reading.call_select(call, unit)[0]))


# ---- reviewing notes -----------------------------------------------------------------------

@bp.route("/admin/records/notes")
def queue():
    _require_manager()
    f = reading.QueueFilter.from_args(request.args)
    if f.unit is not None and not permissions.can("record.manage", f.unit):
        abort(404)
    page = paginate_rows(reading.queue_select(f))
    # Notes waiting that this administrator may not decide say why and who decides instead.
    refused = credit.refusals(r.user_id for r in page.items if r.status == "submitted")
    years = reading.published_years()
    items = db.session.execute(select(ReadingItem.id, ReadingItem.year, ReadingItem.title)
                               .where(ReadingItem.published.is_(True))
                               .order_by(ReadingItem.year.desc(), ReadingItem.sort_order,
                                         ReadingItem.id)).all()
    return render_template("records/reading/queue.html", page=page, f=f, years=years,
                           items=items, labels=status_labels(), refused=refused,
                           units=org_queries.unit_choices("record.manage", by_code=True))


def _note_in_scope(note_id: int) -> tuple[ReadingNote, CadreProfile]:
    """A handed-in note of a cadre the current user may manage, else 404."""
    note = db.session.get(ReadingNote, note_id)
    profile = db.session.get(CadreProfile, note.user_id) if note else None
    if note is None or profile is None or note.status == "draft" \
            or not permissions.can_on_cadre("record.manage", profile):
        abort(404)
    return note, profile


@bp.route("/admin/records/notes/<int:note_id>", methods=["GET", "POST"])
def review(note_id: int):
    note, profile = _note_in_scope(note_id)
    refused = credit.refusal(profile.user)
    form = ReviewForm()
    if request.method == "GET":
        form.comment.data = note.comment
    if form.validate_on_submit():
        comment = form.comment.data or ""
        try:
            if form.approve.data:
                reading.approve(note.id, current_user, comment)
                message = _("Note approved; it is now in the cadre's learning record.")
            elif form.send_back.data:
                reading.return_note(note.id, current_user, comment)
                message = _("Note returned to the cadre.")
            else:
                reading.comment_on(note.id, current_user, comment)
                message = _("Comment saved.")
        except reading.ReadingError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("reading.review", note_id=note.id))
    reviewer = db.session.get(User, note.reviewed_by_id) \
        if note.reviewed_by_id else None
    return render_template("records/reading/review.html", note=note, profile=profile,
                           view=reading.note_view(note), form=form,
                           body_html=reading.render(note.body),
                           labels=status_labels(), reviewer=reviewer, refused=refused,
                           can_decide=note.status == "submitted" and refused is None)
