"""Sign in and out, the account page, password change and API tokens."""
from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import services, throttle
from lms.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    EmailForm,
    LoginForm,
    PreferencesForm,
    TokenForm,
)
from lms.auth.session import idle_message
from lms.core.signals import sign_in_refused
from lms.core.urls import safe_local_path
from lms.extensions import db

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    status = 200
    if request.method == "GET" and (reason := idle_message()):
        flash(reason, "info")
    if form.validate_on_submit():
        username = form.username.data.strip()
        address = request.remote_addr or "-"
        if _refused_for_failures(username, address):
            return render_template("auth/login.html", form=form), 429
        user = services.authenticate(username, form.password.data)
        if user is None:
            throttle.record_failure(username, address)
            # Logged once per failure, and once more when this failure locks the account or
            # address (refusals while locked are not logged: they cannot flood the log).
            sign_in_refused.send(current_app._get_current_object(), username=username,
                                 locked=bool(throttle.retry_after(username, address)))
            flash(_("Wrong username or password."), "error")
            status = 401
        else:
            throttle.clear_account(username)
            session.clear()  # a fresh session at sign-in
            services.start_session(user, request.remote_addr)
            login_user(user)
            if user.must_change_password:
                flash(_("Please choose a new password."), "info")
                return redirect(url_for("auth.change_password"))
            return redirect(safe_local_path(request.args.get("next"), url_for("dashboard.home")))
    return render_template("auth/login.html", form=form), status


def _refused_for_failures(username: str, address: str) -> bool:
    """True (with the message flashed) while too many failed attempts block this account or
    address."""
    wait = throttle.retry_after(username, address)
    if wait:
        minutes = max(1, (wait + 59) // 60)
        flash(_("Too many failed sign-in attempts. Try again in %(m)d minutes.", m=minutes),
              "error")
    return bool(wait)


@bp.route("/logout", methods=["POST"])
def logout():
    form = ConfirmForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            services.end_session(current_user)  # a copy of the cookie stops working too
        logout_user()
        session.clear()
        flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    prefs = PreferencesForm(prefix="prefs", obj=None)
    token_form = TokenForm(prefix="token")
    if request.method == "GET":
        prefs.locale.data = current_user.locale or "zh_CN"
    if prefs.submit.data and prefs.validate_on_submit():
        current_user.locale = prefs.locale.data
        session.pop("lang", None)
        db.session.commit()
        flash(_("Preferences saved."), "success")
        return redirect(url_for("auth.account"))
    mail = EmailForm(prefix="mail")
    if not mail.submit.data:  # shown with what is stored (unless this form was sent)
        mail.email.data = current_user.email or ""
        mail.email_notices.data = current_user.email_notices
    if mail.submit.data and mail.validate_on_submit():
        current_user.email = mail.email.data
        current_user.email_notices = bool(mail.email_notices.data)
        db.session.commit()
        flash(_("E-mail settings saved."), "success")
        return redirect(url_for("auth.account"))
    new_token = None
    if token_form.submit.data and token_form.validate_on_submit():
        new_token = services.create_token(current_user, token_form.name.data)
        token_form.name.data = ""
    return render_template(
        "auth/account.html", prefs=prefs, mail=mail, token_form=token_form,
        new_token=new_token, sends_email=bool(current_app.config.get("LMS_SMTP_HOST")),
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    if ConfirmForm().validate_on_submit() and services.revoke_token(current_user, token_id):
        flash(_("The token was revoked."), "success")
    return redirect(url_for("auth.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        # Guessing the current password is throttled exactly like signing in (same counts).
        username, address = current_user.username, request.remote_addr or "-"
        if _refused_for_failures(username, address):
            return render_template("auth/password.html", form=form), 429
        if services.authenticate(username, form.current.data) is None:
            throttle.record_failure(username, address)
            form.current.errors.append(_("The current password is wrong."))
        else:
            throttle.clear_account(username)
            try:
                services.set_password(current_user, form.new.data)
            except services.PolicyError as exc:
                form.new.errors.extend(exc.errors)
            else:
                login_user(current_user._get_current_object())  # keep this session
                flash(_("Your password was changed."), "success")
                return redirect(url_for("dashboard.home"))
    return render_template("auth/password.html", form=form)
