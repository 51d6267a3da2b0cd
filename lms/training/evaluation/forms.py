"""Forms of class evaluation: the questionnaire's text, opening it, a trainee's answers (whose
fields are the questionnaire type's; this form carries the CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

TEXT_MAX = 20_000


class QuestionnaireForm(FlaskForm):
    """The questionnaire written in the questionnaire type's line syntax."""

    text = TextAreaField(_l("Questionnaire"), validators=[DataRequired(), Length(max=TEXT_MAX)],
                         render_kw={"rows": 16})
    submit = SubmitField(_l("Save the questionnaire"))


class OpenForm(FlaskForm):
    submit = SubmitField(_l("Open the evaluation"))


class AnswerForm(FlaskForm):
    submit = SubmitField(_l("Submit my answers"))
