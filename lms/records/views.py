"""My learning: required courses with due dates, courses in progress and completed, this
year's study hours, and unread notices; the inbox of all notices, newest first."""
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

from lms.core.pagination import paginate
from lms.core.urls import safe_local_path
from lms.org import permissions
from lms.progress import notice_kinds, notices
from lms.records.queries import certificates, my_learning

bp = Blueprint("records", __name__)


@bp.route("/me/learning")
@login_required
def learning():
    inbox = permissions.has_inbox()
    return render_template("records/learning.html",
                           learning=my_learning(current_user),
                           certificates=certificates(current_user.id),
                           notices=notices.unread(current_user.id) if inbox else [],
                           inbox=inbox)


def _own_inbox() -> None:
    """404 for the security auditor, who has no inbox (their pages are the log's)."""
    if not permissions.has_inbox():
        abort(404)


def _kind_arg() -> str | None:
    """The `kind` filter: one of `notices.KINDS`, or None for all (anything else is all)."""
    kind = request.args.get("kind") or None
    return kind if kind in notices.KINDS else None


@bp.route("/me/inbox")
@login_required
def inbox():
    """Every notice of mine, newest first, by kind or unread only, a page at a time."""
    _own_inbox()
    kind, unread_only = _kind_arg(), request.args.get("unread") == "1"
    page = paginate(notices.inbox_select(current_user.id, kind, unread_only=unread_only))
    return render_template("records/inbox.html", page=page, kind=kind,
                           unread_only=unread_only, kinds=notice_kinds.LABELS,
                           label=notice_kinds.label, email_note=_email_note())


def _email_note() -> str | None:
    """Whether my notices are e-mailed too, in one sentence (None: the platform sends no
    e-mail at all)."""
    if not current_app.config.get("LMS_SMTP_HOST"):
        return None
    if current_user.email and current_user.email_notices:
        return _("A copy of each new notice is e-mailed to %(a)s.", a=current_user.email)
    return _("Notices are not e-mailed to you; you can change that on your account page.")


def _back() -> str:
    return safe_local_path(request.args.get("next"), url_for("records.inbox"))


@bp.route("/me/notices/<int:notice_id>/read", methods=["POST"])
@login_required
def notice_read(notice_id: int):
    """Mark one of my notices read; another's is not found."""
    _own_inbox()
    if not notices.mark_read(notice_id, current_user.id):
        abort(404)
    return redirect(safe_local_path(request.args.get("next"), url_for("records.learning")))


@bp.route("/me/inbox/read", methods=["POST"])
@login_required
def inbox_read_all():
    """Mark all my unread notices (of the kind shown) read."""
    _own_inbox()
    done = notices.mark_all_read(current_user.id, _kind_arg())
    flash(_("%(n)d notices marked as read.", n=done) if done
          else _("There were no unread notices."), "success" if done else "info")
    return redirect(_back())
