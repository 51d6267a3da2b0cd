"""Entries made by administrators, their corrections, and self-reported claims with evidence."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.catalog import media
from lms.core.pagination import paginate, paginate_rows
from lms.core.urls import safe_local_path
from lms.extensions import db
from lms.org import permissions
from lms.org import queries as org_queries
from lms.org.models import CadreProfile
from lms.records import entries, entry_queries
from lms.records.entry_forms import ClaimForm, DecisionForm, EntryForm, ReverseForm
from lms.records.models import CLAIM_STATUSES, ENTERED_KINDS, Claim, Evidence, RecordEntry
from lms.records.status import KIND_TEXT

bp = Blueprint("record_entries", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user; each view then checks its own action."""


def _context() -> dict:
    return {"kinds": KIND_TEXT, "status_text": status_text()}


def status_text() -> dict[str, str]:
    return {"pending": _("Waiting for verification"), "verified": _("Verified"),
            "rejected": _("Rejected")}


def _managed_cadre(user_id: int) -> CadreProfile:
    """The cadre, when the current user may manage their record (else 404); managing one's
    own record is refused (403)."""
    profile = db.session.get(CadreProfile, user_id)
    permissions.require(profile is not None
                        and permissions.can_on_cadre("record.manage", profile))
    if profile.user_id == current_user.id:
        abort(403)
    return profile


def record_url(username: str) -> str | None:
    """The cadre's record page, where the record pages are installed."""
    if "record.cadre" not in current_app.view_functions:
        return None
    return url_for("record.cadre", username=username)


def _correction(profile: CadreProfile, entry_id: int | None) -> RecordEntry | None:
    """The reversed entry that a new entry corrects, when it is this cadre's."""
    if not entry_id:
        return None
    entry = db.session.get(RecordEntry, entry_id)
    if (entry is None or entry.user_id != profile.user_id or entry.reverses_id is not None
            or entries.reversal_of(entry.id) is None):
        abort(404)
    return entry


# ---- entries entered by administrators -----------------------------------------------------

@bp.route("/cadres/<username>/record/entries/new", methods=["GET", "POST"])
def new(username: str):
    """Enter an entry (or, after a reversal, the corrected entry) for a cadre in scope."""
    profile = entry_queries.cadre_by_username(username)
    permissions.require(profile is not None)
    profile = _managed_cadre(profile.user_id)
    form = EntryForm()
    corrects = _correction(profile, request.values.get("corrects", type=int))
    if request.method == "GET" and corrects is not None:
        form.fill_from(corrects)
        form.corrects.data = str(corrects.id)
    if form.validate_on_submit():
        try:
            entries.add_entry(profile.user_id, form.checked, actor_id=current_user.id,
                              corrects=corrects)
        except entries.EntryError as exc:
            flash(exc.message, "error")
        else:
            flash(_("Entry added to the record of %(name)s.", name=profile.user.name),
                  "success")
            return redirect(url_for(".new", username=username))
    return render_template("records/entries/new.html", form=form, profile=profile,
                           corrects=corrects, record_url=record_url(username),
                           recent=entry_queries.recent_entries(profile.user_id),
                           **_context())


@bp.route("/record/entries/<int:entry_id>/reverse", methods=["GET", "POST"])
def reverse(entry_id: int):
    """Confirm and reverse an entry with a reason; both entries stay in the record."""
    entry = db.session.get(RecordEntry, entry_id)
    permissions.require(entry is not None)
    profile = _managed_cadre(entry.user_id)
    reversal = entries.reversal_of(entry.id)
    blocked = None
    if entry.reverses_id is not None:
        blocked = _("This entry is itself a correction; a reversal cannot be reversed.")
    elif reversal is not None:
        blocked = _("This entry has already been reversed.")
    form = ReverseForm()
    can_correct = entry.kind in ENTERED_KINDS and entry.reverses_id is None
    if request.method == "GET":
        form.correct.data = can_correct
        form.next.data = request.args.get("next", "")
    username = profile.user.username
    back = safe_local_path(form.next.data,
                           record_url(username) or url_for(".new", username=username))
    if blocked is None and form.validate_on_submit():
        try:
            entries.reverse(entry, actor_id=current_user.id, reason=form.reason.data)
        except entries.Invalid as exc:
            form.reason.errors.append(exc.problems["reason"])
        except entries.EntryError as exc:
            flash(exc.message, "error")
            return redirect(back)
        else:
            flash(_("The entry was reversed; both entries stay in the record."), "success")
            if can_correct and form.correct.data:
                return redirect(url_for(".new", username=username, corrects=entry.id))
            return redirect(back)
    return render_template("records/entries/reverse.html", entry=entry, profile=profile,
                           form=form, blocked=blocked, reversal=reversal, back=back,
                           can_correct=can_correct,
                           subjects=entry_queries.subject_names(), **_context())


# ---- claims: the cadre's side --------------------------------------------------------------

@bp.route("/me/record/claims/new", methods=["GET", "POST"])
def claim_new():
    """A cadre reports learning with evidence, for the unit administrator to verify."""
    permissions.require(db.session.get(CadreProfile, current_user.id) is not None)
    form = ClaimForm()
    if form.validate_on_submit():
        try:
            entries.submit_claim(current_user.id, form.checked, form.files)
        except entries.Invalid as exc:
            db.session.rollback()
            form.evidence.errors.append(exc.problems["evidence"])
        else:
            flash(_("Your claim was submitted; it counts once your unit verifies it."),
                  "success")
            return redirect(url_for(".my_claims"))
    return render_template("records/entries/claim_new.html", form=form,
                           limit_mb=f"{entries.evidence_limit() / 1024 / 1024:g}",
                           max_files=entries.MAX_EVIDENCE_FILES, **_context())


@bp.route("/me/record/claims")
def my_claims():
    """My claims with their status, evidence and any reason for rejecting them."""
    page = paginate(entry_queries.my_claims_select(current_user.id))
    return render_template("records/entries/my_claims.html", page=page,
                           subjects=entry_queries.subject_names(), **_context())


# ---- claims: the administrator's side ------------------------------------------------------

@bp.route("/admin/records/claims")
def claims_queue():
    """Claims of cadres in the administrator's scope, pending first by default."""
    if not permissions.can_anywhere("record.manage"):
        abort(403)
    f = entry_queries.ClaimFilter.from_args(request.args)
    page = paginate_rows(entry_queries.claims_select(f))
    return render_template("records/entries/claims_queue.html", page=page, f=f,
                           units=org_queries.unit_choices("record.manage", by_code=True),
                           statuses=CLAIM_STATUSES, entered_kinds=ENTERED_KINDS,
                           **_context())


@bp.route("/admin/records/claims/<int:claim_id>", methods=["GET", "POST"])
def claim(claim_id: int):
    """A claim with its evidence; verify it (an entry is appended) or reject it."""
    row = db.session.get(Claim, claim_id)
    permissions.require(row is not None)
    profile = db.session.get(CadreProfile, row.user_id)
    permissions.require(profile is not None
                        and permissions.can_on_cadre("record.manage", profile))
    own = row.user_id == current_user.id
    form = DecisionForm()
    if row.status == "pending" and not own and form.validate_on_submit():
        try:
            if form.verify.data:
                entries.verify_claim(row, actor_id=current_user.id)
                flash(_("Claim verified; it now counts in the record."), "success")
            elif form.reject.data:
                entries.reject_claim(row, actor_id=current_user.id, reason=form.reason.data)
                flash(_("Claim rejected; the cadre will see your reason."), "success")
            else:
                abort(400)
        except entries.Invalid as exc:
            form.reason.errors.append(exc.problems["reason"])
        except entries.EntryError as exc:
            flash(exc.message, "error")
            return redirect(url_for(".claim", claim_id=claim_id))
        else:
            return redirect(url_for(".claims_queue"))
    return render_template("records/entries/claim.html", claim=row, profile=profile,
                           form=form, own=own, subjects=entry_queries.subject_names(),
                           **_context())


# ---- evidence ------------------------------------------------------------------------------

@bp.route("/record/evidence/<int:evidence_id>")
def evidence(evidence_id: int):
    """An evidence file, to its owner and to administrators over the owner (else 404).
    PDFs and pictures open in the browser; anything else downloads. Never guessed."""
    row = db.session.get(Evidence, evidence_id)
    permissions.require(row is not None)
    owner = row.claim.user_id
    profile = db.session.get(CadreProfile, owner)
    permissions.require(owner == current_user.id or (
        profile is not None and permissions.can_on_cadre("record.view", profile)))
    try:
        path = media.stored_path(row.sha256)
    except ValueError:
        abort(404)
    if not path.is_file():
        abort(404)
    inline = row.mime in entries.EVIDENCE_TYPES
    response = send_file(path, mimetype=row.mime if inline else "application/octet-stream",
                         as_attachment=not inline, download_name=row.filename,
                         conditional=True, etag=row.sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
