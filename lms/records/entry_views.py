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
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from lms.core.pagination import paginate_rows
from lms.core.params import int_arg
from lms.core.storage import serve
from lms.core.urls import safe_local_path
from lms.extensions import csrf, db
from lms.org import credit, permissions
from lms.org import queries as org_queries
from lms.org.models import CadreProfile
from lms.records import entries, entry_queries
from lms.records.entry_forms import ClaimForm, DecisionForm, EntryForm, ReverseForm
from lms.records.models import CLAIM_STATUSES, ENTERED_KINDS, Claim, Evidence, RecordEntry
from lms.records.record_data import readable_cadre
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


def _managed_cadre(username: str) -> CadreProfile:
    """The cadre, when the current user may manage their record (else 404)."""
    profile = readable_cadre(username, "record.manage")
    permissions.require(profile is not None)
    return profile


def record_url(username: str) -> str | None:
    """The cadre's record page, where the record pages are installed."""
    if "record.cadre" not in current_app.view_functions:
        return None
    return url_for("record.cadre", username=username)


def _correction(profile: CadreProfile, entry_id: int | None) -> RecordEntry | None:
    """The reversed entry of this cadre that a new entry corrects (else 404)."""
    if not entry_id:
        return None
    try:
        return entries.correction_target(profile.user_id, entry_id)
    except (entries.Invalid, entries.EntryError):
        abort(404)


# ---- entries entered by administrators -----------------------------------------------------

@bp.route("/cadres/<username>/record/entries/new", methods=["GET", "POST"])
def new(username: str):
    """Enter an entry (or, after a reversal, the corrected entry) for a cadre in scope."""
    profile = _managed_cadre(username)
    refused = credit.refusal(profile.user)
    if refused:  # one's own record, a peer's or a superior's: the page says who decides
        return render_template("records/entries/new.html", form=None, profile=profile,
                               refused=refused, corrects=None, corrected=None,
                               record_url=record_url(username), recent=[], **_context()), 403
    form = EntryForm()
    corrects = _correction(profile, int_arg("corrects", args=request.values))
    corrected = entries.correction_of(corrects.id) if corrects is not None else None
    if corrects is not None:
        form.fix_kind(corrects.kind)
    if request.method == "GET":
        form.new_key()
        if corrects is not None:
            form.fill_from(corrects)
            form.corrects.data = str(corrects.id)
    if form.validate_on_submit():
        try:
            entry, created = entries.add_entry(
                profile.user_id, form.checked, actor_id=current_user.id, corrects=corrects,
                key=form.key())
        except entries.EntryError as exc:
            flash(exc.message, "error")
            return redirect(url_for(".new", username=username))
        if created:
            flash(_("Entry added to the record of %(name)s.", name=profile.user.name),
                  "success")
        else:
            flash(_("This form was already submitted: entry %(id)d was added then, and "
                    "nothing more now.", id=entry.id), "info")
        return redirect(url_for(".new", username=username))
    return render_template("records/entries/new.html", form=form, profile=profile,
                           corrects=corrects, corrected=corrected,
                           record_url=record_url(username),
                           recent=entry_queries.recent_entries(profile.user_id),
                           **_context())


@bp.route("/record/entries/<int:entry_id>/reverse", methods=["GET", "POST"])
def reverse(entry_id: int):
    """Confirm and reverse an entry with a reason; both entries stay in the record."""
    entry = db.session.get(RecordEntry, entry_id)
    permissions.require(entry is not None)
    owner = db.session.get(CadreProfile, entry.user_id)
    permissions.require(owner is not None)
    profile = _managed_cadre(owner.user.username)
    reversal = entries.reversal_of(entry.id)
    # One's own record, a peer's or a superior's: the page says who decides instead.
    refused = blocked = credit.refusal(profile.user)
    if refused is None and entry.reverses_id is not None:
        blocked = _("This entry is itself a correction; a reversal cannot be reversed.")
    elif refused is None and reversal is not None:
        blocked = _("This entry has already been reversed.")
    form = ReverseForm()
    if request.method == "GET":
        form.correct.data = True
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
            if form.correct.data:
                return redirect(url_for(".new", username=username, corrects=entry.id))
            return redirect(back)
    return render_template("records/entries/reverse.html", entry=entry, profile=profile,
                           form=form, blocked=blocked, refused=refused, reversal=reversal,
                           back=back,
                           corrected=entries.correction_of(entry.id) if reversal else None,
                           subjects=entry_queries.subject_names(),
                           **_context()), 403 if refused else 200


# ---- claims: the cadre's side --------------------------------------------------------------

def claim_upload_limit() -> int:
    """The largest claim request accepted: every evidence file at its limit, plus 1 MiB for
    the other fields."""
    return entries.MAX_EVIDENCE_FILES * entries.evidence_limit() + 1024 * 1024


@bp.route("/me/record/claims/new", methods=["GET", "POST"])
@csrf.exempt  # checked in the view, once this request's own size limit is set
def claim_new():
    """A cadre reports learning with evidence, for the unit administrator to verify. The
    request is refused (413) before its body is read when it is larger than the evidence
    allowed could make it."""
    permissions.require(db.session.get(CadreProfile, current_user.id) is not None)
    request.max_content_length = claim_upload_limit()
    try:
        if current_app.config["WTF_CSRF_ENABLED"]:
            csrf.protect()  # reads the body, within the limit
        form = ClaimForm()
    except RequestEntityTooLarge:
        form = ClaimForm(formdata=None)
        form.evidence.errors = [_(
            "%(field)s: the files together are too large. Attach at most %(n)d files of at "
            "most %(mb)s MB each.", field=entries.label("evidence"),
            n=entries.MAX_EVIDENCE_FILES, mb=entries.evidence_limit_mb())]
        return _claim_page(form), 413
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
    return _claim_page(form)


def _claim_page(form: ClaimForm) -> str:
    return render_template("records/entries/claim_new.html", form=form,
                           limit_mb=entries.evidence_limit_mb(),
                           max_files=entries.MAX_EVIDENCE_FILES, **_context())


@bp.route("/me/record/claims")
def my_claims():
    """My claims with their status, evidence and any reason for rejecting them."""
    page = paginate_rows(entry_queries.my_claims_select(current_user.id))
    return render_template("records/entries/my_claims.html", page=page,
                           subjects=entry_queries.subject_names(), **_context())


# ---- claims: the administrator's side ------------------------------------------------------

@bp.route("/admin/records/claims")
def claims_queue():
    """Claims of cadres in the administrator's scope, pending first by default."""
    permissions.require_anywhere("record.manage")
    f = entry_queries.ClaimFilter.from_args(request.args)
    page = paginate_rows(entry_queries.claims_select(f))
    # Pending claims this administrator may not decide say why and who decides instead.
    refused = credit.refusals(row[0].user_id for row in page.items
                              if row[0].status == "pending")
    return render_template("records/entries/claims_queue.html", page=page, f=f,
                           units=org_queries.unit_choices("record.manage", by_code=True),
                           statuses=CLAIM_STATUSES, entered_kinds=ENTERED_KINDS,
                           refused=refused, **_context())


@bp.route("/admin/records/claims/<int:claim_id>", methods=["GET", "POST"])
def claim(claim_id: int):
    """A claim with its evidence; verify it (an entry is appended) or reject it."""
    row = db.session.get(Claim, claim_id)
    permissions.require(row is not None)
    profile = db.session.get(CadreProfile, row.user_id)
    permissions.require(profile is not None
                        and permissions.can_on_cadre("record.manage", profile))
    refused = credit.refusal(profile.user)
    form = DecisionForm()
    if request.method == "POST" and (refused or row.status != "pending"):
        flash(refused or _("This claim has already been decided."), "error")
        return redirect(url_for(".claim", claim_id=claim_id))
    if form.validate_on_submit():
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
    reversal = entries.reversal_of(row.entry_id) if row.entry_id else None
    return render_template("records/entries/claim.html", claim=row, profile=profile,
                           form=form, refused=refused, reversal=reversal,
                           subjects=entry_queries.subject_names(), **_context())


# ---- evidence ------------------------------------------------------------------------------

@bp.route("/record/evidence/<int:evidence_id>")
def evidence(evidence_id: int):
    """An evidence file, to its owner and to administrators over the owner (else 404).
    Always a download under a safe name: a file someone uploaded never opens as a page of
    this site (the type was checked from the content at upload, never guessed)."""
    row = db.session.get(Evidence, evidence_id)
    permissions.require(row is not None)
    owner = row.claim.user_id
    profile = db.session.get(CadreProfile, owner)
    permissions.require(owner == current_user.id or (
        profile is not None and permissions.can_on_cadre("record.view", profile)))
    known = row.mime in entries.EVIDENCE_TYPES
    # Personal: kept in no cache.
    return serve.answer(row.sha256, mime=row.mime if known else "application/octet-stream",
                        filename=row.filename, cache="no-store")
