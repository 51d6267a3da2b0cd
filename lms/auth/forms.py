"""Sign-in, password and token forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from lms.core.forms import select_choices


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)])
    submit = SubmitField(_l("Sign in"))


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    new = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=128)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", message=_l("The passwords do not match."))],
    )
    submit = SubmitField(_l("Change password"))


class PreferencesForm(FlaskForm):
    locale = SelectField(
        _l("Language"), choices=select_choices([("zh_CN", "中文（简体）"), ("en", "English")])
    )
    submit = SubmitField(_l("Save"))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Create token"))


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected button."""

    submit = SubmitField(_l("Confirm"))
