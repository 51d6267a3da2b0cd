"""The form that changes an online class's bundle of courses (one button per change)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import DataRequired, NumberRange

from lms.core.forms import select_choices

OPS = ("add", "remove", "up", "down")


class BundleForm(FlaskForm):
    """Add, remove or move one course."""

    op = SelectField(_l("Change"), choices=select_choices((op, op) for op in OPS),
                     validators=[DataRequired()])
    course_id = IntegerField(_l("Course"), validators=[DataRequired(), NumberRange(min=1)])
