"""Signing in and out, passwords, sessions and login throttling."""
from __future__ import annotations

import time

import pytest

from lms import create_app
from lms.auth.models import User
from lms.auth.passwords import check_password, policy_errors
from lms.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture
def alice(make_unit, make_user):
    make_unit("QU", kind="district")
    return make_user("alice", "learner", "QU")


def test_login_and_logout(client, auth, alice):
    response = auth.login("alice")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "alice" in client.get("/").get_data(as_text=True)
    auth.logout()
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, auth, alice):
    response = auth.login("alice", "wrong-password-1")
    assert response.status_code == 401
    assert "账号或密码错误" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_unknown_and_deactivated_accounts_cannot_sign_in(auth, make_unit, make_user):
    make_unit("QU", kind="district")
    make_user("gone", "learner", "QU", active=False)
    assert auth.login("gone").status_code == 401
    assert auth.login("nobody").status_code == 401


def test_password_is_hashed(app, alice):
    with app.app_context():
        user = db.session.get(User, alice)
        assert PASSWORD not in user.password_hash
        assert user.password_hash.startswith("scrypt:")
        assert check_password(user.password_hash, PASSWORD)


def test_session_cookie_is_renewed_and_hardened(client, auth, alice):
    client.get("/login")
    client.get("/login?lang=en")  # puts something in the anonymous session
    before = client.get_cookie("lms_session")
    response = auth.login("alice")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get_cookie("lms_session").value != before.value


def test_open_redirect_after_login_is_refused(auth, alice):
    response = auth.login("alice", query_string={"next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    auth.logout()
    response = auth.login("alice", query_string={"next": "/account"})
    assert response.headers["Location"] == "/account"


def test_password_policy():
    assert policy_errors("short1")
    assert policy_errors("onlyletterslong")
    assert policy_errors("alice12345abc", "alice")
    assert policy_errors("password123")
    assert policy_errors("Good-pass-2026", "alice") == []


def test_change_password_enforces_policy_and_ends_other_sessions(app, client, auth, alice):
    other = app.test_client()
    other.post("/login", data={"username": "alice", "password": PASSWORD})
    assert other.get("/").status_code == 200
    auth.login("alice")
    weak = client.post("/account/password", data={
        "current": PASSWORD, "new": "abc", "confirm": "abc"})
    assert "密码至少 10 个字符" in weak.get_data(as_text=True)
    wrong = client.post("/account/password", data={
        "current": "not-it-123", "new": "New-secret-2026", "confirm": "New-secret-2026"})
    assert "当前密码不正确" in wrong.get_data(as_text=True)
    ok = client.post("/account/password", data={
        "current": PASSWORD, "new": "New-secret-2026", "confirm": "New-secret-2026"})
    assert ok.status_code == 302
    assert client.get("/").status_code == 200  # this session continues
    assert other.get("/").status_code == 302  # the other one has ended
    auth.logout()
    assert auth.login("alice", "New-secret-2026").status_code == 302


def test_one_time_password_must_be_changed(app, client, auth, alice):
    from lms.auth.services import issue_temporary_password

    with app.app_context():
        temporary = issue_temporary_password(db.session.get(User, alice))
    response = auth.login("alice", temporary)
    assert response.headers["Location"] == "/account/password"
    assert client.get("/admin/cadres").headers["Location"] == "/account/password"


def test_twenty_wrong_passwords_are_throttled_then_released(app, client, auth, make_unit,
                                                            make_user):
    make_unit("QU", kind="district")
    make_user("alice", "learner", "QU")
    make_user("bob", "learner", "QU")
    window = 6  # seconds; the default window is 15 minutes
    app.config["LMS_LOGIN_ACCOUNT_LIMIT"] = f"10 per {window} seconds"
    try:
        codes = [auth.login("alice", f"wrong-{i}-pass").status_code for i in range(20)]
        assert codes[:10] == [401] * 10
        assert codes[10:] == [429] * 10
        last_failure = time.monotonic()
        throttled = auth.login("alice")  # even the right password waits out the window
        assert throttled.status_code == 429
        assert "登录失败次数过多" in throttled.get_data(as_text=True)
        assert auth.login("bob").status_code == 302  # other accounts are unaffected
        auth.logout()
        time.sleep(max(0.0, last_failure + window + 0.2 - time.monotonic()))
        assert auth.login("alice").status_code == 302
    finally:
        app.config["LMS_LOGIN_ACCOUNT_LIMIT"] = "10 per 15 minutes"


def test_failures_per_address_are_throttled(app, auth, alice):
    app.config["LMS_LOGIN_ADDRESS_LIMIT"] = "5 per 15 minutes"
    try:
        codes = [auth.login(f"user{i}", "wrong-pass-1").status_code for i in range(7)]
        assert codes == [401] * 5 + [429] * 2
    finally:
        app.config["LMS_LOGIN_ADDRESS_LIMIT"] = "100 per 15 minutes"


def test_forms_without_csrf_token_are_refused(db_url, alice):
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": db_url})
    client = app.test_client()
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"username": "alice", "password": PASSWORD,
                                            "csrf_token": token})
    assert response.status_code == 302
    with app.app_context():
        db.engine.dispose()  # this second app has its own connection pool


def test_one_time_passwords_always_meet_the_policy(app, make_unit, make_user):
    from lms.auth.services import issue_temporary_password

    make_unit("QU", kind="district")
    make_user("a", "learner", "QU")  # a one-letter username is in many random draws
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="a"))
        for _ in range(30):
            assert policy_errors(issue_temporary_password(user), "a") == []
