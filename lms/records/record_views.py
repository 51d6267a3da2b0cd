"""A cadre's record page by year, its printable form and PDF, and its xAPI statements.

Readable by the cadre themselves and by administrators with `record.view` over the cadre's
unit; anyone else gets 404, whether or not the cadre exists.
"""
from __future__ import annotations

import io

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from lms.core.params import MAX_PAGE, int_arg
from lms.core.timeutil import local_today
from lms.org import credit, labels, permissions
from lms.org.models import CadreProfile
from lms.records import entries, pdf, record_data, status, xapi
from lms.records.record_data import (
    EXPORT_SIZE,
    PRINT_SIZE,
    CadreRecord,
    EntryLine,
    gather,
    readable_cadre,
)

bp = Blueprint("record", __name__)

PLAN_STATUS_TEXT = {"draft": _l("Draft"), "submitted": _l("Submitted for approval"),
                    "returned": _l("Returned for changes"), "approved": _l("Approved")}
NOTE_STATUS_TEXT = {"missing": _l("Not written"), "draft": _l("Draft"),
                    "submitted": _l("Submitted for review"),
                    "returned": _l("Returned for changes"), "approved": _l("Approved")}


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user; each view then checks the cadre."""


def _cadre_or_404(username: str) -> CadreProfile:
    profile = readable_cadre(username)
    if profile is None:
        abort(404)
    return profile


def _year() -> int:
    """The year asked for (this year when absent); a value that is no such year is a 400
    naming the field, not a silent switch to this year."""
    return int_arg("year", local_today().year, low=entries.FIRST_YEAR,
                   high=local_today().year + 1)


def site_root() -> str:
    """The site's address, the home of its xAPI IRIs: `LMS_SITE_URL`, else this request's."""
    return current_app.config.get("LMS_SITE_URL") or request.url_root


def source_url(line: EntryLine, manage: bool) -> str | None:
    """Where the thing that produced an automatic entry can be seen, for this reader."""
    source = line.source
    if source is None:
        return None
    what, ident = source
    if what == "course" and line.course_slug:
        return url_for("catalog.course", slug=line.course_slug)
    if what == "activity":
        return url_for("catalog.activity", activity_id=ident)
    if what == "reading_note" and manage:
        return url_for("reading.review", note_id=ident)
    if what == "claim":  # the verified claim with its evidence
        if manage:
            return url_for("record_entries.claim", claim_id=ident)
        if line.entry.user_id == current_user.id:
            return url_for("record_entries.my_claims")
    return None


def _context(record: CadreRecord) -> dict:
    profile = record.profile
    manage = permissions.can_on_cadre("record.manage", profile)
    # Managing a record is not crediting it: one's own, a peer's or a superior's record is
    # read, and the page says who enters and reverses its entries instead.
    refused = credit.refusal(profile.user) if manage else None
    return {
        "record": record, "p": profile, "manage": manage, "status": status,
        "credit": manage and refused is None, "refused": refused,
        "rank": labels.label(labels.RANK_LABELS, profile.rank),
        "source_url": lambda line: source_url(line, manage),
        "today": local_today(), "degree_fields": entries.DEGREE_FIELDS,
        "detail_label": entries.label,
        "plan_status": PLAN_STATUS_TEXT, "note_status": NOTE_STATUS_TEXT,
    }


@bp.route("/me/record")
def mine():
    year = _year() if request.args.get("year") else None
    return redirect(url_for("record.cadre", username=current_user.username,
                            **({"year": year} if year else {})))


@bp.route("/cadres/<username>/record")
def cadre(username: str):
    profile = _cadre_or_404(username)
    record = gather(profile, _year(), page=int_arg("page", 1, high=MAX_PAGE),
                    per_page=record_data.PAGE_SIZE)
    return render_template("records/record/page.html", **_context(record))


def printable_html(profile: CadreProfile, year: int) -> tuple[CadreRecord, str]:
    """The cadre's record for `year` and its printable page, as the current user sees it."""
    record = gather(profile, year, per_page=PRINT_SIZE)
    return record, render_template("records/record/print.html", **_context(record))


def _printable(username: str) -> tuple[CadreRecord, str]:
    return printable_html(_cadre_or_404(username), _year())


@bp.route("/cadres/<username>/record/print")
def print_view(username: str):
    _record, html = _printable(username)
    return html


@bp.route("/cadres/<username>/record.pdf", endpoint="pdf")
def pdf_download(username: str):
    record, html = _printable(username)
    response = send_file(io.BytesIO(pdf.render_pdf(html)), mimetype="application/pdf",
                         as_attachment=True,
                         download_name=f"record-{record.user.username}-{record.year}.pdf")
    response.headers["Cache-Control"] = "no-store"
    return response


def xapi_response(record: CadreRecord, more: str) -> Response:
    """The statements as a StatementResult, with the xAPI version header."""
    response = jsonify({"statements": xapi.statements(record, site_root()),
                        "more": more if record.more else ""})
    response.headers["X-Experience-API-Version"] = xapi.VERSION
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cadres/<username>/record/xapi.json", endpoint="xapi")
def xapi_json(username: str):
    profile = _cadre_or_404(username)
    page = int_arg("page", 1, high=MAX_PAGE)
    record = gather(profile, _year(), page=page, per_page=EXPORT_SIZE, extras=False)
    return xapi_response(record, url_for("record.xapi", username=username, year=record.year,
                                         page=record.page + 1))

