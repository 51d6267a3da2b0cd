"""Forms of the year's plan: starting it and editing its items (budget typed in yuan)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from lms.core.numbers import parse_yuan
from lms.training.labels import CATEGORY_LABELS

MAX_CLASSES = 100_000
MAX_TRAINEES = 10_000_000


def amount_error(label: str) -> str:
    """The message for money that is not an amount, naming the field."""
    return _("%(field)s is not a valid amount.", field=label)


class PlanForm(FlaskForm):
    """Start the year's plan."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])


class ItemForm(FlaskForm):
    """One item of the plan: a category's planned classes, trainee-times and budget."""

    category = SelectField(_l("Category"), validators=[InputRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    planned_classes = IntegerField(_l("Planned classes"),
                                   validators=[InputRequired(), NumberRange(0, MAX_CLASSES)])
    planned_trainees = IntegerField(_l("Planned trainee-times"),
                                    validators=[InputRequired(), NumberRange(0, MAX_TRAINEES)])
    budget = StringField(_l("Budget (yuan)"), validators=[Length(max=20)])
    note = TextAreaField(_l("Remarks"), validators=[Length(max=2000)])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.category.choices = [(code, str(label)) for code, label in CATEGORY_LABELS.items()]

    def validate_budget(self, field) -> None:
        if parse_yuan(field.data) is None:
            raise ValidationError(amount_error(str(field.label.text)))

    def values(self) -> dict:
        """The item's values for `services.save_item` (budget in fen)."""
        return {"category": self.category.data, "title": self.title.data.strip(),
                "planned_classes": self.planned_classes.data,
                "planned_trainees": self.planned_trainees.data,
                "budget_fen": parse_yuan(self.budget.data) or 0,
                "note": (self.note.data or "").strip()}
