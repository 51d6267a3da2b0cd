"""The authoring form every activity type's form extends."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange

from lms.core.forms import DecimalField

COMMON_FIELDS = ("title", "hours", "optional", "submit", "preview", "csrf_token")


class ActivityForm(FlaskForm):
    """Title and study hours (common to all types), save and preview buttons."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    hours = DecimalField(_l("Study hours"), places=2, default=0,
                         validators=[NumberRange(min=0, max=200)])
    optional = BooleanField(_l("Optional: not needed to complete the course"))
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Save"))

    def type_fields(self) -> dict:
        """The type's own fields, shaped like package fields for `validate_config`."""
        return {name: f.data for name, f in self._fields.items() if name not in COMMON_FIELDS}

    def prepare(self, media_choices: dict[str, list[tuple[str, str]]]) -> None:
        """Fill choices that depend on the course (its media files by kind)."""
