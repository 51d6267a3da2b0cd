"""The security auditor's pages (三员分立): the administrative audit log, with filters and an
export, and the security settings. Read only: no screen alters or deletes a row.

The log itself lives in `lms.audit`, below every package that writes to it; these pages live
here because they ask the one permission module (`audit.view`, held by the auditor alone).
"""
from __future__ import annotations

import json
import re

from flask import (
    Blueprint,
    current_app,
    render_template,
    request,
    stream_with_context,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from limits import parse as parse_limit
from sqlalchemy.orm import selectinload

from lms.audit import services as audit
from lms.audit.models import AdminEvent
from lms.auth import passwords
from lms.core import xlsx_stream
from lms.core.i18n import colon, semicolon
from lms.core.pagination import paginate
from lms.core.timeutil import local_time, local_today
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
    "class.change": _l("Training class step"),
    "class.trainees": _l("Training class trainees changed"),
    "class.explanation": _l("Explanation filed or decided"),
    "class.leave": _l("Leave requested or decided"),
    "class.attendance": _l("Attendance marked"),
    "class.money": _l("Class spending changed"),
    "training.plan": _l("Training plan changed"),
    "training.budget": _l("Training budget changed"),
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
    permissions.require_anywhere("audit.view")


# Words that details hold as codes: what was done, and the fields a change touched.
VALUE_LABELS = {
    "add": _l("Add"), "edit": _l("Edit"), "remove": _l("Remove"), "publish": _l("Publish"),
    "release": _l("Results released"), "resit": _l("Re-sit granted"),
    "active": _l("Active"), "anchor_year": _l("First year of the first window"),
    "code": _l("Code"), "config": _l("Requirements"), "name": _l("Name"),
    "description": _l("Basis (regulation and article) and notes"),
    "effective_from": _l("In force from"), "effective_to": _l("In force until"),
    "window_years": _l("Window in years"), "title": _l("Title"), "author": _l("Author"),
}


# The fields of a course that a "changes" text names (`catalog.services._log_rule_change`),
# and the retired activity, in words.
CHANGED_FIELDS = {
    "hours": _l("Study hours"), "completion_count": _l("Activities to complete at least"),
    "required": _l("Compulsory course"), "retired": _l("Activity retired"),
}
_CHANGED_FIELD = re.compile(rf"\b({'|'.join(CHANGED_FIELDS)}): ")


def _changes(text: str) -> str:
    """A "changes" text with the fields it names in words: "学时：4 → 5"."""
    text = _CHANGED_FIELD.sub(lambda m: f"{CHANGED_FIELDS[m.group(1)]}{colon()}", text)
    return text.replace("True", str(_l("yes"))).replace("False", str(_l("no")))


def _value(key: str, value) -> str:
    """One detail's value in words: roles and codes by their names, lists joined, none as —."""
    if value is None:
        return "—"
    if key == "role":
        return str(labels.label(labels.ROLE_LABELS, value))
    if isinstance(value, list):
        return "、".join(_value(key, item) for item in value) or "—"
    if isinstance(value, str) and key == "changes" and value not in VALUE_LABELS:
        return _changes(value)
    if isinstance(value, str) and key in ("what", "changes"):
        return str(VALUE_LABELS.get(value, value))
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def describe(event: AdminEvent) -> str:
    """The row's detail as one line of text."""
    return semicolon().join(f"{DETAIL_LABELS.get(key, key)}{colon()}{_value(key, value)}"
                     for key, value in sorted((event.detail or {}).items()))


def actor_name(event: AdminEvent) -> str:
    """Who acted: a person, someone not signed in (a refused sign-in), or the command line."""
    if event.actor is not None:
        return f"{event.actor.name} ({event.actor.username})"
    return str(_("not signed in") if event.address else _("command line"))


def _who(user, event: AdminEvent | None = None) -> tuple[str, str]:
    """Name and username for the export; for a missing actor, what the page says instead."""
    if user is not None:
        return user.name, user.username
    return (actor_name(event), "") if event is not None else ("", "")


@bp.route("")
def log():
    f = audit.LogFilter.from_args(request.args)
    page = paginate(audit.log_select(f))
    names = {"since": _("From"), "until": _("To"), "action": _("Action")}
    ignored = [_("“%(field)s” was not understood (a date reads YYYY-MM-DD), so the log is "
                 "shown without that filter.", field=names[name]) if name != "action" else
               _("“%(field)s” was not one of the listed actions, so the log is shown without "
                 "that filter.", field=names[name]) for name in f.ignored]
    return render_template("audit/log.html", page=page, f=f, actions=ACTION_LABELS,
                           describe=describe, actor_name=actor_name, ignored=ignored)


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
            # The page's local time, with its offset, so the two never disagree on a date.
            yield [event.seq, local_time(event.at).replace(tzinfo=None),
                   *_who(event.actor, event),
                   *_who(event.target), str(ACTION_LABELS.get(event.action, event.action)),
                   describe(event), event.address]

    # Every text goes in as an inline string: a value like "=1+1" stays text in the sheet.
    title = xlsx_stream.title_line(_("Audit log"), [
        (_("Actor"), f.actor), (_("Account"), f.target),
        (_("Action"), ACTION_LABELS.get(f.action, "") if f.action else ""),
        (_("From"), f.since), (_("To"), f.until), (_("Address"), f.address)])
    chunks = xlsx_stream.stream(headers, rows(), sheet=_("Audit log"), title=title)
    name = f"audit-log-{local_today().isoformat()}.xlsx"
    return download(stream_with_context(chunks), name)


def _limit_text(limit: str) -> str:
    """A sign-in limit ("10 per 15 minutes") in the reader's words."""
    item = parse_limit(limit)
    seconds = item.get_expiry()
    if seconds % 60:
        return _("%(n)d in %(s)d seconds", n=item.amount, s=seconds)
    return _("%(n)d in %(m)d minutes", n=item.amount, m=seconds // 60)


@bp.route("/settings")
def settings():
    config = current_app.config
    return render_template(
        "audit/settings.html", min_length=passwords.MIN_LENGTH,
        account_limit=_limit_text(config["LMS_LOGIN_ACCOUNT_LIMIT"]),
        address_limit=_limit_text(config["LMS_LOGIN_ADDRESS_LIMIT"]),
        idle_minutes=int(config.get("LMS_IDLE_MINUTES", 30)),
    )
