"""The forms of sessions, codes, check-in and leave. Fields are text: the services check
them (one validation for the pages and the API) and their refusals land on the fields."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField

from lms.training.attendance import checkin, leave, rates, sessions
from lms.training.attendance.errors import Refused


class SessionForm(FlaskForm):
    title = StringField(sessions.FIELD_LABELS["title"], render_kw={"maxlength": 200})
    starts_at = StringField(sessions.FIELD_LABELS["starts_at"],
                            render_kw={"type": "datetime-local"})
    ends_at = StringField(sessions.FIELD_LABELS["ends_at"], render_kw={"type": "datetime-local"})
    hours = StringField(sessions.FIELD_LABELS["hours"], render_kw={"inputmode": "decimal"})
    venue = StringField(sessions.FIELD_LABELS["venue"], render_kw={"maxlength": 200})
    lecturer = StringField(sessions.FIELD_LABELS["lecturer"], render_kw={"maxlength": 100})
    submit = SubmitField(_l("Save the session"))


class LeaveLimitForm(FlaskForm):
    leave_limit = StringField(rates.LIMIT_LABEL, render_kw={"maxlength": 12})
    submit = SubmitField(_l("Save the leave limit"))


class CodeForm(FlaskForm):
    minutes = StringField(checkin.MINUTES_LABEL, default=str(checkin.DEFAULT_MINUTES),
                          render_kw={"inputmode": "numeric"})
    submit = SubmitField(_l("Open a new check-in code"))


class CheckinForm(FlaskForm):
    code = StringField(_l("Check-in code"),
                       render_kw={"inputmode": "numeric", "autocomplete": "off",
                                  "maxlength": checkin.CODE_DIGITS, "pattern": "[0-9]*"})
    submit = SubmitField(_l("Check in"))


class LeaveForm(FlaskForm):
    reason = TextAreaField(leave.REASON_LABEL, render_kw={"rows": 2, "maxlength": leave.MAX_TEXT})
    submit = SubmitField(_l("Ask for leave"))


class LeaveDecisionForm(FlaskForm):
    reply = TextAreaField(leave.REPLY_LABEL, render_kw={"rows": 2, "maxlength": leave.MAX_TEXT})
    grant = SubmitField(_l("Grant leave"))
    refuse = SubmitField(_l("Refuse leave"))


def show_refusal(form: FlaskForm, exc: Refused) -> list[str]:
    """Put each refusal under its field; return those that belong to no field."""
    rest = []
    for name, message in exc.problems.items():
        if name and name in form._fields:
            form[name].errors = [*form[name].errors, message]
        else:
            rest.append(message)
    return rest
