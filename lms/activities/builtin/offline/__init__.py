"""`offline`: a face-to-face session; completion is recorded attendance."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from lms.activities.base import (
    ATTENDANCE,
    ActivityType,
    AuthoringContext,
    LearnerState,
    LecturerView,
)
from lms.activities.builtin.helpers import text
from lms.activities.forms import ActivityForm
from lms.core.timeutil import local_time

LISTED = 500  # attendees listed on the page; the spreadsheet holds them all


class OfflineForm(ActivityForm):
    description = TextAreaField(_l("Description"), render_kw={"rows": 6, "data-markdown": "1"})
    location = StringField(_l("Location"), validators=[Optional(), Length(max=200)])
    starts_at = DateTimeLocalField(_l("Starts at"), validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Ends at"), validators=[Optional()])


def _when(raw: dict, name: str, ctx: AuthoringContext, origin: str) -> str | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="minutes")
    try:
        return datetime.fromisoformat(str(value)).isoformat(timespec="minutes")
    except ValueError:
        ctx.problem(_("%(field)s is not a date and time.", field=name), file=origin)
        return None


class OfflineSession(ActivityType):
    key = "offline"
    name = _l("Face-to-face session")
    capabilities = frozenset({ATTENDANCE})
    fields = ("description", "location", "starts_at", "ends_at")
    template_folder = Path(__file__).parent / "templates"

    def validate_config(self, raw, ctx: AuthoringContext, origin: str) -> dict[str, Any]:
        config = {"description": text(raw, "description"), "location": text(raw, "location"),
                  "starts_at": _when(raw, "starts_at", ctx, origin),
                  "ends_at": _when(raw, "ends_at", ctx, origin)}
        if config["starts_at"] and config["ends_at"] and config["ends_at"] < config["starts_at"]:
            ctx.problem(_("The session ends before it starts."), file=origin)
        ctx.markdown(config["description"])
        return config

    def render(self, config, ctx: AuthoringContext) -> str:
        return ctx.markdown(config.get("description") or "")

    def export(self, config, key):
        fields: dict[str, Any] = {k: config[k] for k in ("description", "location")
                                  if config.get(k)}
        for name in ("starts_at", "ends_at"):
            if config.get(name):
                fields[name] = datetime.fromisoformat(config[name])
        return fields, {}

    def form_class(self):
        return OfflineForm

    def form_data(self, config):
        data = {k: config.get(k) or "" for k in ("description", "location")}
        for name in ("starts_at", "ends_at"):
            data[name] = datetime.fromisoformat(config[name]) if config.get(name) else None
        return data

    def completion_rule(self, config):
        return {"kind": "attendance"}

    def completion_text(self, config):
        return _("Completion: attendance at the session, marked by its lecturer or an "
                 "administrator.")

    def public_config(self, config):
        return {k: config.get(k) for k in ("location", "starts_at", "ends_at")}

    def learner_context(self, config, state):
        return {"session": self.public_config(config)}

    def summarise(self, config, states):
        """How many attended (their states are marked `attended` by the core)."""
        return {"attended": sum(1 for s in states if s.get("attended"))}

    def lecturer_views(self):
        return [LecturerView("attended", _l("Attendance list"), _attended_view,
                             "attended.html", table=_attended_table)]


def _attended(states: Iterable[LearnerState]) -> Iterable[LearnerState]:
    return (s for s in states if s.state.get("attended") and s.completed_at)


def _attended_view(activity, config, states: Iterable[LearnerState]) -> dict[str, Any]:
    """Who attended, as marked: the first LISTED of them, and how many in all."""
    listed, count = [], 0
    for s in _attended(states):
        count += 1
        if len(listed) < LISTED:
            listed.append(s)
    return {"session": {k: config.get(k) for k in ("location", "starts_at", "ends_at")},
            "attendees": listed, "count": count, "more": count - len(listed)}


def _attended_table(activity, config, states: Iterable[LearnerState]):
    headers = [_("Full name"), _("Unit"), _("Marked at")]
    return headers, ([s.name, s.unit or "", local_time(s.completed_at).replace(tzinfo=None)]
                     for s in _attended(states))
