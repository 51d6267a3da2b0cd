"""A course's media files as lecturers read them: the type in words, and the text that shows
the file in a lesson (inserted by the editor, never typed by hand)."""
from __future__ import annotations

from flask_babel import gettext as _

from lms.catalog.media import FORMATS
from lms.catalog.models import MediaFile


def kind_label(row: MediaFile) -> str:
    """"Picture (PNG)", "Video (MP4)", "PDF document"... in the user's language."""
    kinds = {"image": _("Picture"), "video": _("Video"), "audio": _("Audio")}
    if row.kind == "pdf":
        return _("PDF document")
    name = kinds.get(row.kind, _("File"))
    fmt = FORMATS.get(row.mime, (None, None))[1]
    return _("%(kind)s (%(format)s)", kind=name, format=fmt) if fmt else name


def insert_markdown(row: MediaFile) -> str:
    """The Markdown that shows `row` in a lesson: a picture, or a player for the others."""
    label = row.filename.replace("]", "").replace("[", "")
    if row.kind == "image":
        return f"![{label}]({row.path})"
    return f"@[{row.kind} {label}]({row.path})"
