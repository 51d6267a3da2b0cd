"""Forms for units, cadres, imports and role grants."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    Field,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Regexp

from lms.org import attributes, labels
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


class CadreFormBase(FlaskForm):
    """The account, unit and categories of a cadre; `cadre_form` adds the declared
    attributes (`lms.org.attributes`)."""

    username = StringField(_l("Username"), validators=[
        DataRequired(), Regexp(USERNAME_RE, message=_l("Use 2-64 letters, digits or . _ @ -"))])
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=64)])
    unit_id = SelectField(_l("Unit"), coerce=int)
    categories = MultiCheckboxField(_l("Categories"), coerce=int)
    submit = SubmitField(_l("Save"))

    def attribute_fields(self) -> list[Field]:
        """The declared attributes' fields, in their declared order."""
        return [self[a.key] for a in attributes.ATTRIBUTES]


def cadre_form(*args, **kwargs) -> CadreFormBase:
    """The cadre form: account, unit, each declared attribute, categories."""
    form_class = type("CadreForm", (CadreFormBase,),
                      {a.key: a.form_field() for a in attributes.ATTRIBUTES})
    return form_class(*args, **kwargs)


class ImportForm(FlaskForm):
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired()])
    submit = SubmitField(_l("Import"))


class GrantForm(FlaskForm):
    """One choice of a role over a unit ("unit_admin@12"; "auditor@" for a role held
    everywhere), grouped by role: only pairs the actor may grant are offered."""

    grant = SelectField(_l("Role and unit"))
    submit = SubmitField(_l("Grant role"))
