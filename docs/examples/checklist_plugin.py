"""An example third-party activity type: a checklist of things to do in the workplace.

Install it as a package whose metadata declares

    [project.entry-points."lms.activities"]
    checklist = "checklist_plugin:Checklist"

and enable it with ``LMS_ACTIVITY_PLUGINS=checklist``. The test suite loads this file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from wtforms import TextAreaField
from wtforms.validators import DataRequired

from lms.activities.base import ActivityType, AuthoringContext
from lms.activities.forms import ActivityForm


class ChecklistForm(ActivityForm):
    items = TextAreaField("Items, one per line", validators=[DataRequired()])


class Checklist(ActivityType):
    key = "checklist"
    name = "Checklist"
    version = "1.0"
    min_core = "1.0"
    capabilities = frozenset()
    fields = ("items",)
    template_folder = Path(__file__).parent / "templates"

    def validate_config(self, raw: dict[str, Any], ctx: AuthoringContext,
                        origin: str) -> dict[str, Any]:
        items = raw.get("items")
        if isinstance(items, str):  # from the form: one item per line
            items = [line.strip() for line in items.splitlines() if line.strip()]
        if not isinstance(items, list) or not items or not all(isinstance(i, str)
                                                                for i in items):
            ctx.problem("items must be a list of texts", file=origin)
            items = []
        return {"items": items}

    def render(self, config: dict[str, Any], ctx: AuthoringContext) -> str:
        lines = "\n".join(f"- [ ] {item}" for item in config["items"])
        return ctx.markdown(lines)

    def export(self, config, key):
        return {"items": list(config["items"])}, {}

    def form_class(self):
        return ChecklistForm

    def form_data(self, config):
        return {"items": "\n".join(config.get("items", []))}

    def completion_rule(self, config):
        return {"kind": "view"}

    def public_config(self, config):
        return {"items": list(config.get("items", []))}
