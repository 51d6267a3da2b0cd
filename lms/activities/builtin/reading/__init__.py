"""`reading`: a reading list (书目) with notes and optional PDF files."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from wtforms import IntegerField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from lms.activities.base import TIMED, ActivityType, AuthoringContext
from lms.activities.builtin.helpers import number, text
from lms.activities.forms import ActivityForm

ITEM_FIELDS = ("title", "author", "publisher", "note", "required", "file")


class ReadingForm(ActivityForm):
    intro = TextAreaField(_l("Introduction"), render_kw={"rows": 4, "data-markdown": "1"})
    items_text = TextAreaField(
        _l("Books, one per line: title | author | publisher | note | required (yes/no)"),
        validators=[DataRequired()], render_kw={"rows": 8})
    min_minutes = IntegerField(_l("Minimum study minutes"),
                               validators=[Optional(), NumberRange(min=0, max=600)])


def _parse_lines(lines: str) -> list[dict[str, Any]]:
    items = []
    for line in lines.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")] + [""] * 5
        items.append({"title": parts[0], "author": parts[1], "publisher": parts[2],
                      "note": parts[3], "required": parts[4].lower() not in ("no", "否", "n")})
    return items


class ReadingList(ActivityType):
    key = "reading"
    name = _l("Reading list")
    capabilities = frozenset({TIMED})
    fields = ("intro", "items", "items_text", "min_minutes")
    template_folder = Path(__file__).parent / "templates"

    def validate_config(self, raw, ctx: AuthoringContext, origin: str) -> dict[str, Any]:
        items = raw.get("items")
        if items is None and isinstance(raw.get("items_text"), str):
            items = _parse_lines(raw["items_text"])
        if not isinstance(items, list) or not items:
            ctx.problem(_("A reading list needs at least one item."), file=origin)
            items = []
        clean = []
        for n, item in enumerate(items, start=1):
            if not isinstance(item, dict) or not text(item, "title"):
                ctx.problem(_("Item %(n)d needs a title.", n=n), file=origin)
                continue
            unknown = set(item) - set(ITEM_FIELDS)
            if unknown:
                ctx.problem(_("Item %(n)d has unknown fields: %(f)s", n=n,
                              f=", ".join(sorted(unknown))), file=origin)
            entry = {k: text(item, k) for k in ("title", "author", "publisher", "note")}
            entry["required"] = bool(item.get("required", True))
            path = text(item, "file")
            entry["file"] = ctx.media(path, {"pdf"}, origin=origin) if path else None
            ctx.markdown(entry["note"])
            clean.append(entry)
        intro = text(raw, "intro")
        ctx.markdown(intro)
        minutes = number(raw, "min_minutes", ctx, origin, default=None, high=600)
        return {"intro": intro, "items": clean,
                "min_minutes": int(minutes) if minutes is not None else None}

    def render(self, config, ctx: AuthoringContext) -> str:
        parts = [ctx.markdown(config.get("intro") or "")]
        parts.append('<ol class="reading-list">')
        for item in config.get("items", []):
            tag = _("Required reading") if item.get("required") else _("Optional")
            byline = "，".join(str(escape(v)) for v in (item.get("author"), item.get("publisher"))
                              if v)
            parts.append(
                f'<li><p><strong>{escape(item["title"])}</strong>'
                f'{" · " + byline if byline else ""} <span class="tag">{escape(tag)}</span></p>'
            )
            if item.get("note"):
                parts.append(ctx.markdown(item["note"]))
            if item.get("file"):
                parts.append(ctx.markdown(f"@[pdf {item['title']}]({item['file']})"))
            parts.append("</li>")
        parts.append("</ol>")
        return "".join(parts)  # every piece is escaped or sanitised above

    def export(self, config, key):
        items = []
        for item in config.get("items", []):
            entry = {k: item[k] for k in ("title", "author", "publisher", "note") if item.get(k)}
            entry["required"] = bool(item.get("required"))
            if item.get("file"):
                entry["file"] = item["file"]
            items.append(entry)
        fields: dict[str, Any] = {"items": items}
        for name in ("intro", "min_minutes"):
            if config.get(name):
                fields[name] = config[name]
        return fields, {}

    def form_class(self):
        return ReadingForm

    def form_data(self, config):
        lines = [" | ".join([i.get("title", ""), i.get("author", ""), i.get("publisher", ""),
                             i.get("note", "").replace("\n", " "),
                             "yes" if i.get("required") else "no"])
                 for i in config.get("items", [])]
        return {"intro": config.get("intro", ""), "items_text": "\n".join(lines),
                "min_minutes": config.get("min_minutes")}

    def completion_rule(self, config):
        # Reading time on the list's page, measured by the server like a lecture's; approved
        # reading notes join this rule with the learning record's reading notes.
        return {"kind": "time", "min_minutes": config.get("min_minutes") or 0,
                "required_items": sum(1 for i in config.get("items", []) if i.get("required"))}

    def completion_text(self, config):
        minutes = config.get("min_minutes") or 0
        if minutes:
            return _("Completion: at least %(n)d minutes of reading with this page open.",
                     n=minutes)
        return _("Completion: read this list with the page open for a moment.")

    def required_seconds(self, config):
        return (config.get("min_minutes") or 0) * 60

    def is_complete(self, config, progress):
        needed = (config.get("min_minutes") or 0) * 60
        return progress["study_seconds"] >= max(needed, progress["interval"])

    def public_config(self, config):
        return {"items": [{k: i.get(k) for k in ("title", "author", "publisher", "required")}
                          for i in config.get("items", [])],
                "min_minutes": config.get("min_minutes")}
