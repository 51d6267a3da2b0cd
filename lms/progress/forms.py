"""Forms for assigning courses and reminding learners."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import select_choices
from lms.org import labels
from lms.org.forms import MultiCheckboxField


class AssignmentForm(FlaskForm):
    course_id = SelectField(_l("Course"), coerce=int)
    kind = RadioField(_l("Assign to"), default="audience")
    unit_id = SelectField(_l("Unit (with its subunits)"), coerce=int)
    categories = MultiCheckboxField(_l("Only these categories"))
    ranks = MultiCheckboxField(_l("Only these ranks"))
    age_min = IntegerField(_l("Aged at least"), validators=[Optional(), NumberRange(16, 80)])
    age_max = IntegerField(_l("Aged at most"), validators=[Optional(), NumberRange(16, 80)])
    usernames = TextAreaField(_l("Usernames, one per line"), render_kw={"rows": 5})
    due_on = DateField(_l("Due date"), validators=[DataRequired()])
    note = TextAreaField(_l("Note to the learners"), validators=[Optional(), Length(max=1000)],
                         render_kw={"rows": 2})
    submit = SubmitField(_l("Assign"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.ranks.choices = labels.choices(labels.RANK_LABELS)
        self.kind.choices = select_choices([
            ("audience", _l("Everyone in a unit (optionally only some categories, ranks or "
                            "ages)")),
            ("people", _l("Named cadres"))])
