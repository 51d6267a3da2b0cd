"""Forms for course authoring, uploads, review and subject categories."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.core.forms import DecimalField


class CourseForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(_l("Web address name"), validators=[Optional(), Length(min=3, max=64)],
                       render_kw={"autocomplete": "off", "spellcheck": "false"})
    summary = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=5000)],
                            render_kw={"rows": 4})
    category_id = SelectField(_l("Subject"), coerce=int)
    required = BooleanField(_l("Required course"))
    cover_media_id = SelectField(_l("Cover picture"), coerce=int, validators=[Optional()])
    lecturer_ids = SelectMultipleField(_l("Lecturers"), coerce=int, validators=[Optional()],
                                       render_kw={"size": 6})
    hours = DecimalField(_l("Declared study hours"), places=2, default=1,
                         validators=[NumberRange(min=0, max=1000)])
    completion_count = IntegerField(
        _l("Complete after this many activities (blank: every activity not marked optional)"),
        validators=[Optional(), NumberRange(min=1, max=500)])
    submit = SubmitField(_l("Save"))


class UploadForm(FlaskForm):
    file = FileField(_l("File"), validators=[FileRequired()])
    submit = SubmitField(_l("Upload"))


class CommentForm(FlaskForm):
    comment = TextAreaField(_l("Comments for the author"), validators=[Optional(),
                                                                       Length(max=5000)],
                            render_kw={"rows": 4})
    publish = SubmitField(_l("Publish"))
    send_back = SubmitField(_l("Return to the author"))


class SubmitReviewForm(FlaskForm):
    confirm = BooleanField(_l("I understand: the course is locked for editing until the "
                              "reviewer publishes it or returns it to me."),
                           validators=[DataRequired(_l("Tick the box to confirm."))])
    submit = SubmitField(_l("Submit for review"))


class ReviewCommentForm(FlaskForm):
    activity_id = HiddenField()
    text = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=5000)],
                         render_kw={"rows": 3})
    submit = SubmitField(_l("Add comment"))


class SubjectForm(FlaskForm):
    name = StringField(_l("Subject name"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Add subject"))
