"""`lecture`: Markdown text with optional video, audio and PDF."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import NumberRange, Optional

from lms.activities.base import MEDIA, TIMED, ActivityType, AuthoringContext
from lms.activities.builtin.helpers import media_choices_field, number, text
from lms.activities.forms import ActivityForm

PLAYERS = (("video", "video"), ("audio", "audio"), ("pdf", "pdf"))


class LectureForm(ActivityForm):
    body = TextAreaField(_l("Text (Markdown)"), render_kw={"rows": 18, "class": "markdown"})
    video = SelectField(_l("Video"), validators=[Optional()])
    audio = SelectField(_l("Audio"), validators=[Optional()])
    pdf = SelectField(_l("PDF document"), validators=[Optional()])
    min_minutes = IntegerField(_l("Minimum study minutes"),
                               validators=[Optional(), NumberRange(min=0, max=600)])

    def prepare(self, media_choices):
        for name, kind in PLAYERS:
            media_choices_field(self[name], media_choices.get(kind, []))


class Lecture(ActivityType):
    key = "lecture"
    name = _l("Lecture")
    capabilities = frozenset({MEDIA, TIMED})
    fields = ("source", "body", "video", "audio", "pdf", "min_minutes")
    template_folder = Path(__file__).parent / "templates"

    def validate_config(self, raw, ctx: AuthoringContext, origin: str) -> dict[str, Any]:
        source = text(raw, "source") or None
        body = raw.get("body") if isinstance(raw.get("body"), str) else None
        if source:
            body = ctx.read_text(source, origin=origin)
        if not body or not body.strip():
            ctx.problem(_("A lecture needs its text (the `source` Markdown file)."), file=origin)
            body = ""
        config: dict[str, Any] = {"body": body, "source": source}
        for name, kind in PLAYERS:
            path = text(raw, name)
            config[name] = ctx.media(path, {kind}, origin=origin) if path else None
        minutes = number(raw, "min_minutes", ctx, origin, default=None, high=600)
        config["min_minutes"] = int(minutes) if minutes is not None else None
        ctx.markdown(body, file=source)  # reports missing media and bad directives by line
        return config

    def render(self, config, ctx: AuthoringContext) -> str:
        players = "\n\n".join(f"@[{kind}]({config[name]})" for name, kind in PLAYERS
                              if config.get(name))
        html = ctx.markdown(players) if players else ""
        return html + ctx.markdown(config.get("body") or "", file=config.get("source"))

    def export(self, config, key):
        path = config.get("source") or f"lessons/{key}.md"
        fields = {"source": path}
        for name, _kind in PLAYERS:
            if config.get(name):
                fields[name] = config[name]
        if config.get("min_minutes"):
            fields["min_minutes"] = config["min_minutes"]
        return fields, {path: config.get("body") or ""}

    def form_class(self):
        return LectureForm

    def form_data(self, config):
        return {k: config.get(k) or ("" if k != "min_minutes" else None)
                for k in ("body", "video", "audio", "pdf", "min_minutes")}

    def completion_rule(self, config):
        if config.get("min_minutes"):
            return {"kind": "time", "min_minutes": config["min_minutes"]}
        return {"kind": "view"}

    def is_complete(self, config, progress):
        # Credited study time only (the server measures it); without a minimum, one full
        # heartbeat interval of study completes the lecture.
        needed = (config.get("min_minutes") or 0) * 60
        return progress["study_seconds"] >= max(needed, progress["interval"])

    def public_config(self, config):
        return {k: config.get(k) for k in ("video", "audio", "pdf", "min_minutes")}
