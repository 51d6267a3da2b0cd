"""Sign-in, password and token forms."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

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


# An address as mail servers take it: a local part, "@", a domain with a dot; ASCII, no
# spaces, commas or angle brackets (nothing that would make it two addresses or a header).
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def email_address(text: str | None) -> str | None:
    """The address cleaned (None when empty), or ValueError when it is not one."""
    value = (text or "").strip()
    if not value:
        return None
    if len(value) > 254 or not _EMAIL.fullmatch(value) or ".." in value:
        raise ValueError(value)
    return value


class EmailForm(FlaskForm):
    """The address notices are e-mailed to, and whether to e-mail them at all."""

    email = StringField(_l("E-mail address"), render_kw={"maxlength": 254, "type": "email",
                                                          "autocomplete": "email"})
    email_notices = BooleanField(_l("E-mail me a copy of each notice"))
    submit = SubmitField(_l("Save"))

    def validate_email(self, field: StringField) -> None:
        try:
            field.data = email_address(field.data)
        except ValueError:
            raise ValidationError(_l("The e-mail address is not valid: write it as "
                                     "name@example.gov.cn.")) from None


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=64)])
    submit = SubmitField(_l("Create token"))


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected button."""

    submit = SubmitField(_l("Confirm"))
