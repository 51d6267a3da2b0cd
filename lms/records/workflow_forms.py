"""Forms of the reading list, reading notes and their calls, study plans and appraisals."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.org.forms import MultiCheckboxField
from lms.records import plans, reading
from lms.records.entries import MAX_DAYS, MAX_HOURS


class ReadingItemForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    author = StringField(_l("Author"), validators=[Optional(), Length(max=200)])
    publisher = StringField(_l("Publisher"), validators=[Optional(), Length(max=200)])
    description = TextAreaField(_l("Why read it"), validators=[Optional(), Length(max=2000)],
                                render_kw={"rows": 3})
    required = BooleanField(_l("Required reading"), default=True)
    sort_order = IntegerField(_l("Position in the list"), default=0,
                              validators=[Optional(), NumberRange(0, 9999)])
    submit = SubmitField(_l("Save item"))


class NoteForm(FlaskForm):
    title = StringField(_l("Title of the note"), validators=[Optional(), Length(max=200)])
    body = TextAreaField(_l("Reading note (Markdown)"),
                         validators=[Optional(), Length(max=reading.BODY_MAX)],
                         render_kw={"rows": 16})
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit for review"))


class ReviewForm(FlaskForm):
    """An administrator's decision on a note or a plan; returning needs a comment."""

    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=4000)],
                            render_kw={"rows": 4})
    approve = SubmitField(_l("Approve"))
    send_back = SubmitField(_l("Return for changes"))
    comment_only = SubmitField(_l("Save comment"))


class CallForm(FlaskForm):
    unit_id = SelectField(_l("Unit (with its subunits)"), coerce=int)
    year = SelectField(_l("Year of the list"), coerce=int)
    item_id = SelectField(_l("Item"), coerce=int,
                          validators=[Optional()])
    due_on = DateField(_l("Hand in by"), validators=[Optional()])
    message = TextAreaField(_l("Message to the cadres"),
                            validators=[Optional(), Length(max=1000)], render_kw={"rows": 3})
    submit = SubmitField(_l("Call in the notes"))


class PlanForm(FlaskForm):
    goals = TextAreaField(_l("Goals (Markdown)"),
                          validators=[Optional(), Length(max=plans.GOALS_MAX)],
                          render_kw={"rows": 10})
    target_hours = FloatField(_l("Target study hours"), default=0,
                              validators=[Optional(), NumberRange(0, MAX_HOURS)])
    target_days = FloatField(_l("Target days of training"), default=0,
                             validators=[Optional(), NumberRange(0, MAX_DAYS)])
    course_ids = MultiCheckboxField(_l("Courses I plan to take"), coerce=int)
    course_q = StringField(_l("Find another course by its title"),
                           validators=[Optional(), Length(max=64)])
    find = SubmitField(_l("Find courses"))
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit to my unit"))


class AppraisalForm(FlaskForm):
    strengths = TextAreaField(_l("Strengths"),
                              validators=[DataRequired(), Length(max=plans.TEXT_MAX)],
                              render_kw={"rows": 5})
    shortcomings = TextAreaField(_l("Shortcomings"),
                                 validators=[DataRequired(), Length(max=plans.TEXT_MAX)],
                                 render_kw={"rows": 5})
    requirements = TextAreaField(_l("Requirements"),
                                 validators=[DataRequired(), Length(max=plans.TEXT_MAX)],
                                 render_kw={"rows": 5})
    submit = SubmitField(_l("Save appraisal"))


class AcknowledgeForm(FlaskForm):
    digest = HiddenField()  # the fingerprint of the text the cadre was shown
    submit = SubmitField(_l("Acknowledge"))
