"""Files attached to a class plan: PDF, Word, Excel or pictures, recognised from their
content (never the name), size-checked while streamed to the content-addressed store that
record evidence uses, downloaded only by those who may read the class."""
from __future__ import annotations

import os
import zipfile
from typing import BinaryIO

from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.auth.models import User
from lms.catalog import media
from lms.core.storage import Unavailable, storage
from lms.extensions import db
from lms.records.entries import clean_filename, evidence_limit, evidence_limit_mb
from lms.training.classes.services import ClassError, _audit, can_edit
from lms.training.classes.validation import Invalid, label
from lms.training.models import ClassAttachment, TrainingClass

MAX_ATTACHMENTS = 20
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PICTURES_AND_PDF = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif",
                              "image/webp"})
TYPES = PICTURES_AND_PDF | {DOCX, XLSX, DOC, XLS}
_OLE = bytes.fromhex("d0cf11e0a1b11ae1")


def sniff(stream: BinaryIO, name: str) -> str | None:
    """The type of an attachment from its content: PDF and pictures by their first bytes,
    Word and Excel files by the parts inside their ZIP container; the older binary Office
    formats (one container for both) by their first bytes, told apart by the name's
    extension. None: not accepted."""
    stream.seek(0)
    head = stream.read(64)
    stream.seek(0)
    mime = media.sniff(head)
    if mime in PICTURES_AND_PDF:
        return mime
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(stream) as package:  # reads the central directory only
                names = set(package.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            names = set()
        finally:
            stream.seek(0)
        if "word/document.xml" in names:
            return DOCX
        if "xl/workbook.xml" in names:
            return XLSX
        return None
    if head.startswith(_OLE):
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        return {"doc": DOC, "xls": XLS}.get(extension)
    return None


def attach(training_class: TrainingClass, upload, actor: User) -> ClassAttachment:
    """Check and store one uploaded file on a draft or returned class."""
    if not can_edit(training_class, actor):
        raise ClassError("not_editable", _("Files are attached while the class is a draft "
                                           "or returned."))
    if upload is None or not getattr(upload, "filename", None):
        raise Invalid({"attachment": _("%(field)s: choose a file.", field=label("attachment"))})
    count = db.session.scalar(select(func.count()).select_from(ClassAttachment).where(
        ClassAttachment.class_id == training_class.id)) or 0
    if count >= MAX_ATTACHMENTS:
        raise Invalid({"attachment": _("%(field)s: attach at most %(n)d files.",
                                       field=label("attachment"), n=MAX_ATTACHMENTS)})
    name, stream = clean_filename(upload.filename), upload.stream
    mime = sniff(stream, name)
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    limit = evidence_limit()
    if mime is None:
        raise Invalid({"attachment": _(
            "%(field)s: %(name)s is not a PDF, Word, Excel file or picture (its content was "
            "checked).", field=label("attachment"), name=name)})
    if size > limit:
        raise Invalid({"attachment": _("%(field)s: %(problems)s", field=label("attachment"),
                                       problems=_("%(name)s is larger than %(mb)s MB.",
                                                  name=name, mb=evidence_limit_mb()))})
    try:
        sha, size = storage().store_stream(stream, limit)
    except ValueError as exc:
        raise Invalid({"attachment": _("%(field)s: %(problems)s", field=label("attachment"),
                                       problems=_("%(name)s is larger than %(mb)s MB.",
                                                  name=name, mb=evidence_limit_mb()))}) from exc
    row = ClassAttachment(class_id=training_class.id, filename=name, stored_name=sha,
                          content_type=mime, size=size, uploaded_by=actor.id)
    db.session.add(row)
    db.session.flush()
    _audit(training_class, "attach", file=name, sha256=sha)
    db.session.commit()
    return row


def remove(training_class: TrainingClass, row: ClassAttachment, actor: User) -> None:
    """Remove an attachment while the class is a draft or returned (the stored file stays:
    the store is shared and content-addressed)."""
    if not can_edit(training_class, actor):
        raise ClassError("not_editable", _("Files are removed while the class is a draft "
                                           "or returned."))
    _audit(training_class, "detach", file=row.filename, sha256=row.stored_name)
    db.session.delete(row)
    db.session.commit()


def listing(training_class: TrainingClass) -> list[ClassAttachment]:
    return list(db.session.scalars(select(ClassAttachment).where(
        ClassAttachment.class_id == training_class.id).order_by(ClassAttachment.id)))


def is_stored(row: ClassAttachment) -> bool:
    """Whether the attachment's file is in the store (a page links only to files it has)."""
    try:
        return storage().exists(row.stored_name)
    except (ValueError, Unavailable):
        return False
