"""`lecture`: Markdown text with optional video, audio and PDF."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.validators import NumberRange, Optional

from lms.activities.base import MEDIA, TIMED, ActivityType, AuthoringContext
from lms.activities.builtin.helpers import in_form, media_choices_field, number, text
from lms.activities.forms import ActivityForm

PLAYERS = (("video", "video"), ("audio", "audio"), ("pdf", "pdf"))


class LectureForm(ActivityForm):
    body = TextAreaField(_l("Lesson text"),
                         render_kw={"rows": 18, "class": "markdown", "data-markdown": "1"})
    video = SelectField(_l("Video"), validators=[Optional()])
    audio = SelectField(_l("Audio"), validators=[Optional()])
    pdf = SelectField(_l("PDF document"), validators=[Optional()])
    min_minutes = IntegerField(_l("Minimum study minutes"),
                               validators=[Optional(), NumberRange(min=0, max=600)])
    min_played_percent = IntegerField(
        _l("Share of the video or audio to play (%)"),
        validators=[Optional(), NumberRange(min=0, max=100)])

    def prepare(self, media_choices):
        for name, kind in PLAYERS:
            media_choices_field(self[name], media_choices.get(kind, []))


class Lecture(ActivityType):
    key = "lecture"
    name = _l("Lecture")
    capabilities = frozenset({MEDIA, TIMED})
    fields = ("source", "body", "video", "audio", "pdf", "min_minutes", "min_played_percent")
    template_folder = Path(__file__).parent / "templates"

    def validate_config(self, raw, ctx: AuthoringContext, origin: str) -> dict[str, Any]:
        source = text(raw, "source") or None
        body = raw.get("body") if isinstance(raw.get("body"), str) else None
        if source:
            body = ctx.read_text(source, origin=origin)
        if not body or not body.strip():
            ctx.problem(_("A lecture needs its text.") if in_form(ctx) else
                        _("A lecture needs its text (the `source` Markdown file)."), file=origin)
            body = ""
        config: dict[str, Any] = {"body": body, "source": source}
        for name, kind in PLAYERS:
            path = text(raw, name)
            config[name] = ctx.media(path, {kind}, origin=origin) if path else None
        minutes = number(raw, "min_minutes", ctx, origin, default=None, high=600)
        config["min_minutes"] = int(minutes) if minutes is not None else None
        share = number(raw, "min_played_percent", ctx, origin, default=None, high=100)
        config["min_played_percent"] = int(share) if share else None
        if share and not (config["video"] or config["audio"]):
            ctx.problem(_("A share of the video or audio to play needs a video or an audio "
                          "file.") if in_form(ctx) else
                        _("min_played_percent needs a video or an audio file."), file=origin)
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
        for name in ("min_minutes", "min_played_percent"):
            if config.get(name):
                fields[name] = config[name]
        return fields, {path: config.get("body") or ""}

    def form_class(self):
        return LectureForm

    def form_data(self, config):
        data = {k: config.get(k) or "" for k in ("body", "video", "audio", "pdf")}
        data.update({k: config.get(k) for k in ("min_minutes", "min_played_percent")})
        return data

    def completion_rule(self, config):
        rule: dict[str, Any] = {"kind": "view"}
        if config.get("min_minutes"):
            rule = {"kind": "time", "min_minutes": config["min_minutes"]}
        if config.get("min_played_percent"):
            rule["min_played_percent"] = config["min_played_percent"]
        return rule

    def completion_text(self, config):
        minutes, share = config.get("min_minutes"), config.get("min_played_percent")
        if minutes and share:
            return _("Completion: at least %(n)d minutes of study, and at least %(p)d%% of the "
                     "video or audio played.", n=minutes, p=share)
        if minutes:
            return _("Completion: at least %(n)d minutes of study", n=minutes)
        if share:
            return _("Completion: play at least %(n)d%% of the video or audio", n=share)
        return _("Completion: study this lecture with the page open for a moment.")

    def required_seconds(self, config):
        return (config.get("min_minutes") or 0) * 60

    def is_complete(self, config, progress):
        # Credited study time only (the server measures it); without a minimum, one full
        # heartbeat interval of study completes the lecture.
        needed = (config.get("min_minutes") or 0) * 60
        if progress["study_seconds"] < max(needed, progress["interval"]):
            return False
        share = config.get("min_played_percent")
        media = config.get("video") or config.get("audio")
        duration = progress.get("durations", {}).get(media)
        if share and duration:
            # The frontier is the furthest point actually played (seeking does not move it).
            return progress["frontier"] >= duration * share / 100 - 1
        return True

    def public_config(self, config):
        return {k: config.get(k) for k in ("video", "audio", "pdf", "min_minutes",
                                           "min_played_percent")}
