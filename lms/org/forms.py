"""Forms for units, cadres, imports and role grants."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from lms.org import labels
from lms.org.importer import USERNAME_RE


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=128)])
    kind = SelectField(_l("Kind"))
    parent_id = SelectField(_l("Parent unit"), coerce=int)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = labels.choices(labels.UNIT_KIND_LABELS)


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CadreForm(FlaskForm):
    username = StringField(_l("Username"), validators=[
        DataRequired(), Regexp(USERNAME_RE, message=_l("Use 2-64 letters, digits or . _ @ -"))])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=64)])
    gender = SelectField(_l("Gender"), validators=[Optional()])
    unit_id = SelectField(_l("Unit"), coerce=int)
    rank = SelectField(_l("Rank"))
    position = StringField(_l("Position"), validators=[Optional(), Length(max=128)])
    birth_date = DateField(_l("Birth date"), validators=[Optional()])
    education = SelectField(_l("Education"), validators=[Optional()])
    party_status = SelectField(_l("Party status"), validators=[Optional()])
    title_level = SelectField(_l("Professional title"))
    categories = MultiCheckboxField(_l("Categories"), coerce=int)
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gender.choices = labels.choices(labels.GENDER_LABELS, blank="—")
        self.rank.choices = labels.choices(labels.RANK_LABELS)
        self.education.choices = labels.choices(labels.EDUCATION_LABELS, blank="—")
        self.party_status.choices = labels.choices(labels.PARTY_LABELS, blank="—")
        self.title_level.choices = labels.choices(labels.TITLE_LABELS)


class ImportForm(FlaskForm):
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))


class GrantForm(FlaskForm):
    """One choice of a role over a unit ("unit_admin@12"; "auditor@" for a role held
    everywhere), grouped by role: only pairs the actor may grant are offered."""

    grant = SelectField(_l("Role and unit"))
    submit = SubmitField(_l("Grant role"))
