"""E-mail through SMTP (`LMS_SMTP_*`): plain-text messages, a batch over one connection.

Sending happens in the web process, after the transaction that decided it has committed
(see `lms.progress.notice_mail`); there are no background jobs yet. A short timeout keeps a
slow or absent mail server from holding a request for long, and a failure is logged, never
raised: e-mail is a courtesy copy of what the inbox already holds.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    """One message to one address."""

    to: str
    subject: str
    body: str


@dataclass(frozen=True)
class Server:
    """Where and how to send: the `LMS_SMTP_*` settings."""

    host: str
    port: int = 25
    sender: str = ""
    user: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config: Mapping) -> Server | None:
        """The configured server, or None when no `LMS_SMTP_HOST` is set (no e-mail)."""
        host = (config.get("LMS_SMTP_HOST") or "").strip()
        if not host:
            return None
        return cls(host=host, port=int(config.get("LMS_SMTP_PORT") or 25),
                   sender=config.get("LMS_SMTP_FROM") or f"noreply@{host}",
                   user=config.get("LMS_SMTP_USER") or "",
                   password=config.get("LMS_SMTP_PASSWORD") or "",
                   starttls=bool(config.get("LMS_SMTP_STARTTLS")),
                   timeout=float(config.get("LMS_SMTP_TIMEOUT") or 10))


def message(mail: Mail, sender: str) -> EmailMessage:
    """The MIME message of `mail` (UTF-8 text: subjects and bodies are Chinese)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or "localhost")
    msg.set_content(mail.body)
    return msg


def send_all(server: Server, mails: Sequence[Mail]) -> int:
    """Send `mails` over one connection; returns how many the server accepted. Errors are
    logged, never raised: a message that cannot be written or whose recipient is refused is
    skipped alone; a server that cannot be reached or fails sends nothing more."""
    if not mails:
        return 0
    sent = 0
    try:
        with smtplib.SMTP(server.host, server.port, timeout=server.timeout) as smtp:
            if server.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if server.user:
                smtp.login(server.user, server.password)
            for mail in mails:
                try:
                    smtp.send_message(message(mail, server.sender))
                    sent += 1
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError,
                        smtplib.SMTPNotSupportedError, ValueError) as exc:
                    log.warning("e-mail to %r not sent: %s", mail.to, exc)
    except Exception as exc:  # noqa: BLE001 - refused, unreachable, timed out, or worse
        log.error("e-mail not sent (%d of %d sent) through %s:%d: %s",
                  sent, len(mails), server.host, server.port, exc)
    return sent
