"""The security auditor's pages (三员分立): the administrative audit log, with filters and an
export, and the security settings. Read only: no screen alters or deletes a row.

The log itself lives in `lms.audit`, below every package that writes to it; these pages live
here because they ask the one permission module (`audit.view`, held by the auditor alone).
"""
from __future__ import annotations

import json

from flask import (
    Blueprint,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from sqlalchemy.orm import selectinload

from lms.audit import services as audit
from lms.audit.models import AdminEvent
from lms.auth import passwords
from lms.core import xlsx_stream
from lms.core.pagination import paginate
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import labels, permissions
from lms.org.tabular import download

bp = Blueprint("audit", __name__, url_prefix="/audit")

ACTION_LABELS = {
    "account.create": _l("Account created"),
    "cadre.import": _l("Cadres imported"),
    "account.activate": _l("Account reactivated"),
    "account.deactivate": _l("Account deactivated"),
    "password.reset": _l("One-time password issued"),
    "role.grant": _l("Role granted"),
    "role.revoke": _l("Role revoked"),
    "rules.change": _l("Rule set changed"),
    "reading.change": _l("Reading list changed"),
    "exam.release": _l("Exam results released or re-sit granted"),
    "course.change": _l("Completion rule of a published course changed"),
    "signin.fail": _l("Sign-in refused"),
    "signin.lockout": _l("Sign-in locked out"),
}
# Names of the detail's keys, as services write them.
DETAIL_LABELS = {
    "role": _l("Role"), "unit": _l("Unit code"), "unit_name": _l("Unit"),
    "username": _l("Username"), "file": _l("File"), "created": _l("Created"),
    "updated": _l("Updated"), "created_usernames": _l("New accounts"),
    "what": _l("What"), "title": _l("Title"), "year": _l("Year"), "changes": _l("Changes"),
    "name": _l("Name"), "code": _l("Code"), "activity": _l("Exam"),
    "titles": _l("Titles"), "reason": _l("Reason"),
}
EXPORT_LIMIT = 200_000


@bp.before_request
@login_required
def _auditor_only() -> None:
    """Only the auditor reads the log; a system administrator does not."""
    if not permissions.can_anywhere("audit.view"):
        abort(403)


def describe(event: AdminEvent) -> str:
    """The row's detail as one line of text (roles by their names)."""
    parts = []
    for key, value in sorted((event.detail or {}).items()):
        if key == "role":
            value = labels.label(labels.ROLE_LABELS, value)
        elif not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False)
        parts.append(f"{DETAIL_LABELS.get(key, key)}: {value}")
    return "; ".join(parts)


def _who(user) -> tuple[str, str]:
    return (user.name, user.username) if user is not None else ("", "")


@bp.route("")
def log():
    f = audit.LogFilter.from_args(request.args)
    page = paginate(audit.log_select(f))
    return render_template("audit/log.html", page=page, f=f, actions=ACTION_LABELS,
                           describe=describe)


@bp.route("/export.xlsx")
def export():
    f = audit.LogFilter.from_args(request.args)
    headers = [_("Sequence"), _("Time"), _("Actor"), _("Actor's username"), _("Account"),
               _("Account's username"), _("Action"), _("Detail"), _("Address")]

    def rows():
        stmt = (audit.log_select(f).limit(EXPORT_LIMIT)
                .options(selectinload(AdminEvent.actor), selectinload(AdminEvent.target))
                .execution_options(yield_per=1000))  # batches, each with its users
        for event in db.session.scalars(stmt):
            yield [event.seq, event.at.isoformat() + "Z", *_who(event.actor),
                   *_who(event.target), str(ACTION_LABELS.get(event.action, event.action)),
                   describe(event), event.address]

    # Every text goes in as an inline string: a value like "=1+1" stays text in the sheet.
    chunks = xlsx_stream.stream(headers, rows(), sheet=_("Audit log"))
    name = f"audit-log-{local_today().isoformat()}.xlsx"
    return download(stream_with_context(chunks), name)


@bp.route("/settings")
def settings():
    config = current_app.config
    return render_template(
        "audit/settings.html", min_length=passwords.MIN_LENGTH,
        account_limit=config["LMS_LOGIN_ACCOUNT_LIMIT"],
        address_limit=config["LMS_LOGIN_ADDRESS_LIMIT"],
        idle_minutes=int(config.get("LMS_IDLE_MINUTES", 30)),
    )
