"""Sessions kept on the server: signing out, idling, password changes, sign-in timing, next=."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.auth import passwords, services
from lms.auth.models import User, UserSession
from lms.core.timeutil import utcnow
from lms.core.urls import safe_local_path
from lms.extensions import db
from tests.conftest import PASSWORD

IDLE_MESSAGE = "您已 30 分钟没有操作，已自动退出登录。"


@pytest.fixture
def alice(make_unit, make_user):
    make_unit("QU", kind="district")
    return make_user("alice", "learner", "QU")


def _copy_of(app, client):
    """Another browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    thief.set_cookie("lms_session", client.get_cookie("lms_session").value)
    return thief


def _sessions(app, user_id: int) -> list[UserSession]:
    with app.app_context():
        return list(db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)
                                       .order_by(UserSession.id)))


def _idle_for(app, user_id: int, minutes: float) -> None:
    """Pretend every open session of the user was last seen `minutes` ago."""
    with app.app_context():
        for row in db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)):
            row.last_seen_at = utcnow() - timedelta(minutes=minutes)
        db.session.commit()


def test_a_copied_session_cookie_is_refused_after_sign_out(app, client, auth, alice):
    auth.login("alice")
    phone = app.test_client()
    phone.post("/login", data={"username": "alice", "password": PASSWORD})
    thief = _copy_of(app, client)
    assert thief.get("/account").status_code == 200  # the copy works while the session lives

    auth.logout()

    refused = thief.get("/account")
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    assert client.get("/account").status_code == 302
    assert phone.get("/account").status_code == 200  # the user's other session continues
    rows = _sessions(app, alice)
    assert [r.end_reason for r in rows] == ["signout", None]
    assert rows[0].address == "127.0.0.1"


def test_the_cookie_holds_a_key_of_which_only_the_digest_is_stored(app, client, auth, alice):
    auth.login("alice")
    [row] = _sessions(app, alice)
    serializer = app.session_interface.get_signing_serializer(app)
    user_id, _token, key = serializer.loads(client.get_cookie("lms_session").value)[
        "_user_id"].split(":")
    assert int(user_id) == alice and len(key) >= 40
    assert row.digest == UserSession.digest_of(key) and key not in row.digest


def test_an_idle_session_ends_and_the_sign_in_page_says_why(app, client, auth, alice):
    auth.login("alice")
    thief = _copy_of(app, client)
    _idle_for(app, alice, 32)

    response = client.get("/account")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert IDLE_MESSAGE in page
    assert "请先登录" not in page  # one plain sentence, not two
    assert _sessions(app, alice)[0].end_reason == "idle"
    assert thief.get("/account").status_code == 302  # ended on the server, not in one cookie
    # The reason stays on the sign-in page until the next sign-in, which clears it.
    assert IDLE_MESSAGE in client.get("/login").get_data(as_text=True)
    auth.login("alice")
    assert client.get("/account").status_code == 200
    assert IDLE_MESSAGE not in client.get("/login").get_data(as_text=True)


def test_activity_within_the_limit_keeps_the_session(app, client, auth, alice):
    auth.login("alice")
    _idle_for(app, alice, 29)
    assert client.get("/account").status_code == 200
    seen = _sessions(app, alice)[0].last_seen_at
    assert utcnow() - seen < timedelta(seconds=5)  # a page counts as activity


def test_heartbeats_do_not_count_as_activity(app, client, auth, alice):
    auth.login("alice")
    _idle_for(app, alice, 10)
    before = _sessions(app, alice)[0].last_seen_at
    client.post("/activities/987654/beat", json={"seq": 1, "visible": True})
    assert _sessions(app, alice)[0].last_seen_at == before
    client.get("/account")
    assert _sessions(app, alice)[0].last_seen_at > before


def test_the_idle_limit_comes_from_the_configuration(app, client, auth, alice, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_IDLE_MINUTES", 5)
    auth.login("alice")
    _idle_for(app, alice, 7)
    location = client.get("/account").headers["Location"]
    assert "您已 5 分钟没有操作" in client.get(location).get_data(as_text=True)
    monkeypatch.setitem(app.config, "LMS_IDLE_MINUTES", 0)  # 0: never
    auth.login("alice")
    _idle_for(app, alice, 600)
    assert client.get("/account").status_code == 200


def test_api_tokens_are_not_subject_to_the_idle_timeout(app, client, auth, alice):
    with app.app_context():
        token = services.create_token(db.session.get(User, alice), "script")
    auth.login("alice")
    _idle_for(app, alice, 120)
    answer = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200


def test_changing_the_password_ends_the_other_sessions_on_the_server(app, client, auth, alice):
    other = app.test_client()
    other.post("/login", data={"username": "alice", "password": PASSWORD})
    auth.login("alice")
    response = client.post("/account/password", data={
        "current": PASSWORD, "new": "New-secret-2026", "confirm": "New-secret-2026"})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    assert [r.end_reason for r in _sessions(app, alice)] == ["password", None]


def test_changing_the_password_is_throttled_like_sign_in(app, client, auth, alice, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_LOGIN_ACCOUNT_LIMIT", "3 per 15 minutes")
    auth.login("alice")

    def change(current: str):
        return client.post("/account/password", data={
            "current": current, "new": "New-secret-2026", "confirm": "New-secret-2026"})

    assert [change(f"guess-{i}-abc").status_code for i in range(3)] == [200] * 3
    refused = change(PASSWORD)  # even the right password waits out the window
    assert refused.status_code == 429
    assert "登录失败次数过多" in refused.get_data(as_text=True)
    with app.app_context():
        assert services.authenticate("alice", PASSWORD) is not None  # not changed
    # The guesses count against signing in too: the same account, the same counts.
    assert app.test_client().post("/login", data={
        "username": "alice", "password": PASSWORD}).status_code == 429


@pytest.fixture
def hash_checks(monkeypatch) -> list[str]:
    """Every hash comparison the sign-in makes, by the stored hash it compared against."""
    calls: list[str] = []
    real = passwords.check_password_hash

    def counting(stored: str, password: str) -> bool:
        calls.append(stored)
        return real(stored, password)

    monkeypatch.setattr(passwords, "check_password_hash", counting)
    return calls


@pytest.mark.parametrize("case", ["unknown", "inactive", "no password", "wrong password"])
def test_every_refusal_runs_exactly_one_hash_check(app, make_unit, make_user, hash_checks,
                                                   case):
    make_unit("QU", kind="district")
    make_user("inactive", "learner", "QU", active=False)
    make_user("nopass", "learner", "QU")
    make_user("real", "learner", "QU")
    with app.app_context():
        db.session.scalar(select(User).where(User.username == "nopass")).password_hash = None
        db.session.commit()
        username, password = {
            "unknown": ("nobody", PASSWORD), "inactive": ("inactive", PASSWORD),
            "no password": ("nopass", PASSWORD), "wrong password": ("real", "Wrong-pass-99"),
        }[case]
        assert services.authenticate(username, password) is None
    assert len(hash_checks) == 1
    assert hash_checks[0].startswith("scrypt:")  # a real (slow) hash, never a shortcut


def test_a_right_password_runs_one_hash_check(app, alice, hash_checks):
    with app.app_context():
        assert services.authenticate("alice", PASSWORD).id == alice
    assert len(hash_checks) == 1


HOSTILE_NEXT = [
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "/path\\..\\..\\evil",
    " /account",
    "\t//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/account\x00",
    "/account\x7f",
    "/\u200b/evil.example",  # zero-width space: a format character
    "/\u202e/evil.example",  # right-to-left override
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%5cevil.example",
    "/%09/evil.example",
    "/%0d%0a/evil.example",
    "/%00",
    "/%252F/evil.example",  # decoded twice
    "/%25252F/evil.example",  # decoded three times
    "/%2525252525252F/evil.example",  # still changing after every decoding allowed
    "%2F%2Fevil.example",
    "evil.example",
    "account",
    "",
    None,
]


@pytest.mark.parametrize("value", HOSTILE_NEXT)
def test_next_refuses_anything_but_a_plain_local_path(value):
    assert safe_local_path(value, "/home") == "/home"


@pytest.mark.parametrize("value", [
    "/", "/account", "/account?tab=tokens", "/courses/%E5%AD%A6%E4%B9%A0",
    "/courses/学习", "/search?q=100%25", "/login?next=/account", "/a:b", "/cadres/a%20b",
])
def test_next_keeps_a_plain_local_path(value):
    assert safe_local_path(value, "/home") == value


def test_sign_in_ignores_a_hostile_next(auth, alice):
    for value in ("//evil.example", "/%2F/evil.example", "/\\evil.example", "/\t/evil"):
        response = auth.login("alice", query_string={"next": value})
        assert response.headers["Location"] == "/", value
        auth.logout()


def test_old_sessions_are_removed_when_their_user_signs_in_again(app, client, auth, alice,
                                                                 make_user):
    """Sessions that ended, or went unseen, more than `SESSIONS_KEPT` ago go at the next
    sign-in; recent ones (ended or open) stay, and so do other users' old ones."""
    long_ago = utcnow() - services.SESSIONS_KEPT - timedelta(days=1)
    lately = utcnow() - timedelta(days=3)
    bob = make_user("bob", "learner", "QU")
    with app.app_context():
        rows = {
            "ended long ago": UserSession(user_id=alice, digest="a" * 64, created_at=long_ago,
                                          last_seen_at=long_ago, ended_at=long_ago,
                                          end_reason="signout"),
            "unseen long ago": UserSession(user_id=alice, digest="b" * 64,
                                           created_at=long_ago, last_seen_at=long_ago),
            "ended lately": UserSession(user_id=alice, digest="c" * 64, created_at=lately,
                                        last_seen_at=lately, ended_at=lately,
                                        end_reason="idle"),
            "someone else's": UserSession(user_id=bob, digest="d" * 64, created_at=long_ago,
                                          last_seen_at=long_ago, ended_at=long_ago,
                                          end_reason="signout"),
        }
        db.session.add_all(rows.values())
        db.session.commit()
    auth.login("alice")
    left = {r.digest for r in _sessions(app, alice)}  # the one just opened, and "ended lately"
    assert "a" * 64 not in left and "b" * 64 not in left and "c" * 64 in left
    assert len(left) == 2
    assert [r.digest for r in _sessions(app, bob)] == ["d" * 64]
