"""Notices by e-mail: a copy of each new notice to its user's address, when the platform
sends e-mail (`LMS_SMTP_HOST`), the user gave an address and did not turn it off.

`queue` runs in the transaction that writes the notices and only prepares the messages; they
leave after that transaction commits (a SQLAlchemy `after_commit` hook), all of one commit
over one connection. A rollback, of the transaction or of the savepoint that wrote them,
drops them: nobody is told of what did not happen. There are no background jobs yet, so
sending happens in the web process right after the commit, bounded by `LMS_SMTP_TIMEOUT`;
a failure is logged and the request goes on (the inbox holds every notice anyway).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app, has_request_context, request
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session, SessionTransaction

from lms.auth.models import User
from lms.core.mail import Mail, Server, send_all
from lms.extensions import db
from lms.progress import notice_kinds

OUTBOX = "lms.notice_mail"  # the key, in `Session.info`, of the messages waiting for commit
CHUNK = 1000  # user ids per address query


@dataclass
class _Waiting:
    """Messages prepared in a transaction (`tx`, innermost), to go out through `server`."""

    tx: SessionTransaction | None
    server: Server
    mails: list[Mail]


def site_root() -> str:
    """The address links in e-mail start with: `LMS_SITE_URL`, else this request's host
    (a path alone when neither is known, e.g. on the command line)."""
    configured = current_app.config.get("LMS_SITE_URL") or ""
    if configured:
        return configured.rstrip("/")
    return request.host_url.rstrip("/") if has_request_context() else ""


def _addresses(user_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """{user id: (name, address)} of the users who receive notices by e-mail."""
    found: dict[int, tuple[str, str]] = {}
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), CHUNK):
        found.update({uid: (name, email) for uid, name, email in db.session.execute(
            select(User.id, User.name, User.email).where(
                User.id.in_(ids[start:start + CHUNK]), User.email.is_not(None),
                User.email != "", User.email_notices.is_(True),
                User.is_active_flag.is_(True)))})
    return found


def compose(name: str, address: str, kind: str, message: str, link: str, root: str) -> Mail:
    """The e-mail of one notice, in the platform's language."""
    url = f"{root}{link}" if link.startswith("/") else link
    with force_locale("zh_CN"):
        site = _("Cadre Online Learning")
        subject = _("%(site)s: %(kind)s", site=site, kind=notice_kinds.label(kind))
        lines = [_("Dear %(name)s,", name=name), "", message, ""]
        if url:
            lines += [_("Open: %(url)s", url=url), ""]
        lines.append(_("This message was sent by %(site)s; please do not reply. Every notice "
                       "is also in your inbox on the platform; to stop these e-mails, turn "
                       "them off on your account page.", site=site))
    return Mail(to=address, subject=subject, body="\n".join(lines) + "\n")


def queue(rows: Sequence[dict]) -> int:
    """Prepare the e-mail of notices just written (rows with user_id, kind, message, link),
    to be sent once the current transaction commits. Returns how many were prepared; none
    (and no query) when the platform sends no e-mail."""
    server = Server.from_config(current_app.config)
    if server is None or not rows:
        return 0
    to = _addresses([row["user_id"] for row in rows])
    if not to:
        return 0
    root = site_root()
    mails = [compose(*to[row["user_id"]], row["kind"], row["message"], row.get("link") or "",
                     root)
             for row in rows if row["user_id"] in to]
    session = db.session()
    tx = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(OUTBOX, []).append(_Waiting(tx, server, mails))
    return len(mails)


def _inside(tx: SessionTransaction | None, ended: SessionTransaction) -> bool:
    """Whether `tx` is `ended` or a transaction nested in it."""
    while tx is not None:
        if tx is ended:
            return True
        tx = tx.parent
    return False


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    """The outermost transaction committed: send what it prepared, one connection per
    server. (A savepoint's commit sends nothing yet: the transaction around it decides.)"""
    if session.in_nested_transaction() or not session.info.get(OUTBOX):
        return
    waiting: list[_Waiting] = session.info.pop(OUTBOX)
    by_server: dict[Server, list[Mail]] = {}
    for batch in waiting:
        by_server.setdefault(batch.server, []).extend(batch.mails)
    for server, mails in by_server.items():
        send_all(server, mails)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """A transaction or savepoint rolled back: its notices were never written, so their
    e-mail is dropped."""
    waiting = session.info.get(OUTBOX)
    if waiting:
        session.info[OUTBOX] = [w for w in waiting if not _inside(w.tx, previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _forget_at_end(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended without sending (closed, not committed): drop what
    it prepared, so a later transaction does not send it."""
    if transaction.parent is None and session.info.get(OUTBOX):
        session.info.pop(OUTBOX, None)
