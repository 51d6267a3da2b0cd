"""Role grants done properly (分级管理): nobody raises their own powers, an administrative role
comes only from strictly above its unit, accounts out of reach answer like records out of
scope, the auditor stands apart, and one-time passwords never travel in the session cookie."""
from __future__ import annotations

import re

import pytest
from flask_login import login_user
from sqlalchemy import select

from lms.audit.models import AdminEvent
from lms.auth.models import ApiToken, User
from lms.auth.services import create_token
from lms.extensions import db
from lms.org import services
from lms.org.models import RoleGrant
from tests.conftest import without_csrf


def _roles(app, user_id: int) -> set[tuple[str, str | None]]:
    with app.app_context():
        return {(g.role, g.unit.code if g.unit else None)
                for g in db.session.get(User, user_id).grants}


def _events(app, action: str | None = None) -> list[AdminEvent]:
    with app.app_context():
        stmt = db.select(AdminEvent).order_by(AdminEvent.seq)
        if action:
            stmt = stmt.where(AdminEvent.action == action)
        events = list(db.session.scalars(stmt).unique())
        db.session.expunge_all()
        return events


@pytest.fixture
def peers(make_user, district) -> dict[str, int]:
    """A second administrator of JD01 (a peer of ua1) and a lecturer of JD01."""
    return {"peer": make_user("ua1b", "unit_admin", "JD01", name="钱同级"),
            "lecturer": district["lecturer"]}


def test_unit_admin_cannot_grant_themselves_any_role(app, client, auth, district, unit_ids):
    auth.login("ua1")
    me = district["unit_admin"]
    before = _roles(app, me)
    for choice in ("lecturer@{JD01-SQ01}", "unit_admin@{JD01-SQ01}", "unit_admin@{JD01}",
                   "org_admin@{QU}", "auditor@"):
        response = client.post(f"/admin/cadres/{me}/grants",
                               data={"grant": choice.format_map(unit_ids())})
        assert response.status_code == 404, choice  # one's own account is out of reach
    assert _roles(app, me) == before
    assert client.get(f"/admin/cadres/{me}").status_code == 404
    assert "<td>ua1</td>" not in client.get("/admin/cadres").get_data(as_text=True)
    with app.test_request_context(), pytest.raises(services.OrgError):
        user = db.session.get(User, me)
        login_user(user)  # the service refuses too, whatever the page
        services.grant_role(user, "lecturer", user.profile.unit)


def test_unit_admin_cannot_appoint_another_administrator_of_their_own_unit(
        app, client, auth, district, unit_ids):
    auth.login("ua1")
    ids = unit_ids()
    page = client.get(f"/admin/cadres/{district['cadre_jd01']}").get_data(as_text=True)
    assert f'value="unit_admin@{ids["JD01-SQ01"]}"' in page  # strictly below: offered
    assert f'value="unit_admin@{ids["JD01"]}"' not in page  # their own street: not offered
    assert f'value="lecturer@{ids["JD01"]}"' in page
    assert "org_admin@" not in page and "auditor@" not in page
    response = client.post(f"/admin/cadres/{district['cadre_jd01']}/grants",
                           data={"grant": f"unit_admin@{ids['JD01']}"})
    assert response.status_code == 400
    assert _roles(app, district["cadre_jd01"]) == {("learner", "JD01")}
    response = client.post(f"/admin/cadres/{district['learner']}/grants",
                           data={"grant": f"unit_admin@{ids['JD01-SQ01']}"})
    assert response.status_code == 302
    assert ("unit_admin", "JD01-SQ01") in _roles(app, district["learner"])


def _masked(response) -> str:
    return without_csrf(response.get_data(as_text=True))


@pytest.mark.parametrize("who", ["peer", "org_admin"])
def test_accounts_holding_a_role_one_could_not_grant_are_out_of_reach(
        app, client, auth, district, peers, unit_ids, who):
    target = peers["peer"] if who == "peer" else district["org_admin"]
    with app.app_context():
        create_token(db.session.get(User, target), "t")
    auth.login("ua1")
    missing = client.get("/admin/cadres/999999")
    page = client.get(f"/admin/cadres/{target}")
    assert page.status_code == missing.status_code == 404
    assert _masked(page) == _masked(missing).replace("/admin/cadres/999999",
                                                     f"/admin/cadres/{target}")
    assert client.get(f"/admin/cadres/{target}/edit").status_code == 404
    for action in ("password", "deactivate", "activate"):
        assert client.post(f"/admin/cadres/{target}/{action}").status_code == 404, action
    assert client.post(f"/admin/cadres/{target}/grants",
                       data={"grant": f"lecturer@{unit_ids()['JD01']}"}).status_code == 404
    with app.app_context():
        grant_id = db.session.scalar(db.select(RoleGrant.id).where(
            RoleGrant.user_id == target, RoleGrant.role != "learner"))
        user = db.session.get(User, target)
        assert user.is_active and user.password_hash and user.tokens[0].active
    assert client.post(f"/admin/grants/{grant_id}/revoke").status_code == 404
    assert "钱同级" not in client.get("/admin/cadres?status=all").get_data(as_text=True)
    assert _events(app) == []
    # A lecturer of the same street is within reach.
    assert client.get(f"/admin/cadres/{peers['lecturer']}").status_code == 200


def test_the_api_lists_only_accounts_within_reach(app, client, district, peers):
    with app.app_context():
        token = create_token(db.session.get(User, district["unit_admin"]), "t")
    headers = {"Authorization": f"Bearer {token}"}
    listed = {c["username"] for c in client.get("/api/v1/cadres?per_page=200",
                                                headers=headers).get_json()["items"]}
    assert "c1" in listed and "lect" in listed
    assert not {"ua1", "ua1b", "org"} & listed
    assert client.get(f"/api/v1/cadres/{peers['peer']}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/cadres/{district['unit_admin']}",
                      headers=headers).status_code == 200  # one's own profile


def test_the_auditor_holds_no_other_administrative_role(app, client, auth, district,
                                                        unit_ids):
    auth.login("sys")
    response = client.post(f"/admin/cadres/{district['unit_admin']}/grants",
                           data={"grant": "auditor@"})
    assert response.status_code == 400
    assert "审计管理员不得兼任其他管理角色" in response.get_data(as_text=True)
    assert client.post(f"/admin/cadres/{district['cadre_jd02']}/grants",
                       data={"grant": "auditor@"}).status_code == 302
    assert ("auditor", None) in _roles(app, district["cadre_jd02"])
    response = client.post(f"/admin/cadres/{district['cadre_jd02']}/grants",
                           data={"grant": f"unit_admin@{unit_ids()['JD02']}"})
    assert response.status_code == 400
    assert "该账号是审计管理员" in response.get_data(as_text=True)
    assert ("unit_admin", "JD02") not in _roles(app, district["cadre_jd02"])


def test_each_administrative_action_leaves_one_audit_row(app, client, auth, district,
                                                         unit_ids):
    target = district["cadre_jd01"]
    auth.login("ua1")
    client.post(f"/admin/cadres/{target}/grants",
                data={"grant": f"lecturer@{unit_ids()['JD01']}"})
    with app.app_context():
        grant_id = db.session.scalar(db.select(RoleGrant.id).where(
            RoleGrant.user_id == target, RoleGrant.role == "lecturer"))
    client.post(f"/admin/grants/{grant_id}/revoke")
    client.post(f"/admin/cadres/{target}/password")
    client.post(f"/admin/cadres/{target}/deactivate")
    client.post(f"/admin/cadres/{target}/activate")
    events = _events(app)
    assert [e.action for e in events] == ["role.grant", "role.revoke", "password.reset",
                                          "account.deactivate", "account.activate"]
    for event in events:
        assert event.actor_id == district["unit_admin"] and event.target_id == target
        assert event.address == "127.0.0.1"
    assert events[0].detail == {"role": "lecturer", "unit": "JD01", "unit_name": "城关街道"}
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert all(e.prev_mac == p.mac for p, e in zip(events, events[1:], strict=False))


def test_a_reset_or_a_deactivation_revokes_api_tokens(app, client, auth, district):
    target = district["cadre_jd01"]
    with app.app_context():
        first = create_token(db.session.get(User, target), "a")
    auth.login("ua1")
    client.post(f"/admin/cadres/{target}/password")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"}
                      ).status_code == 401
    with app.app_context():
        second = create_token(db.session.get(User, target), "b")
    client.post(f"/admin/cadres/{target}/deactivate")
    with app.app_context():
        tokens = db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == target))
        assert all(t.revoked_at is not None for t in tokens)
    client.post(f"/admin/cadres/{target}/activate")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"}
                      ).status_code == 401


def _session(app, client) -> str:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    data = app.session_interface.get_signing_serializer(app).loads(cookie.value)
    return cookie.value + repr(data)


def test_one_time_passwords_never_travel_in_the_session_cookie(app, client, auth, district,
                                                               unit_ids):
    auth.login("ua1")
    response = client.post("/admin/cadres/new", data={
        "username": "newbie", "name": "孙新", "unit_id": unit_ids()["JD01"], "rank": "none",
        "title_level": "none"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = re.search(r'<code class="secret">([^<]+)</code>',
                         response.get_data(as_text=True)).group(1)
    assert password not in _session(app, client)
    assert password not in client.get("/").get_data(as_text=True)  # nor on the next page
    response = client.post(f"/admin/cadres/{district['cadre_jd01']}/password")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = re.search(r'<code class="secret">([^<]+)</code>',
                         response.get_data(as_text=True)).group(1)
    assert password not in _session(app, client)
    assert [e.action for e in _events(app)] == ["account.create", "password.reset",
                                                "password.reset"]


def test_the_command_line_makes_the_first_administrators(app, make_unit, make_user):
    make_unit("QU", kind="district")
    make_user("boss", "learner", "QU")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "audit01", "--password",
                                 "Audit-pass-2026", "--role", "auditor"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "grant", "boss", "org_admin", "--unit", "QU"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "grant", "boss", "auditor"])
    assert result.exit_code != 0 and "请先撤销" in result.output  # revoke first
    result = runner.invoke(args=["users", "grant", "audit01", "unit_admin", "--unit", "QU"])
    assert result.exit_code != 0
    with app.app_context():
        audit01 = db.session.scalar(db.select(User).filter_by(username="audit01"))
        assert {(g.role, g.unit_id) for g in audit01.grants} == {("auditor", None)}
    events = _events(app)
    assert [e.action for e in events] == ["account.create", "role.grant"]
    assert all(e.actor_id is None and e.address == "" for e in events)
    result = runner.invoke(args=["users", "revoke", "boss", "org_admin", "--unit", "QU"])
    assert result.exit_code == 0, result.output
    assert _events(app)[-1].action == "role.revoke"


def test_an_import_cannot_rewrite_an_account_out_of_reach(app, client, auth, district,
                                                           make_user):
    """A spreadsheet row naming one's own account or a peer administrator's is refused as a
    taken username, exactly as an account out of scope is; a cadre in reach is updated."""
    from tests.test_import import good_row, outcome, upload, xlsx

    make_user("ua1b", "unit_admin", "JD01")  # a peer administrator of the same street
    auth.login("ua1")
    for username in ("ua1", "ua1b", "org"):
        row = good_row(1)
        row[0], row[1] = username, "改名"
        page = outcome(client, upload(client, xlsx([row])))
        assert f"账号 {username} 已被使用" in page
        with app.app_context():
            assert db.session.scalar(select(User.name).where(User.username == username)) \
                != "改名"
    row = good_row(1)
    row[0], row[1] = "c1", "改名"
    assert upload(client, xlsx([row])).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.name).where(User.username == "c1")) == "改名"
