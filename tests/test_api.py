"""API v1: bearer tokens, /me, JSON errors and the OpenAPI document."""
from __future__ import annotations

from lms.auth.models import ApiToken, User
from lms.auth.services import create_token
from lms.extensions import db


def _token(app, user_id: int) -> str:
    with app.app_context():
        return create_token(db.session.get(User, user_id), "test")


def test_me_returns_the_tokens_user(app, client, district):
    token = _token(app, district["unit_admin"])
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["username"] == "ua1" and body["unit"]["code"] == "JD01"
    assert {(r["role"], r["unit"]["code"]) for r in body["roles"]} == {
        ("learner", "JD01"), ("unit_admin", "JD01")}
    assert "Set-Cookie" not in response.headers  # the API never opens a browser session


def test_missing_or_wrong_token_is_a_401_json_error(client, district):
    for headers in ({}, {"Authorization": "Bearer lms_wrong"}, {"Authorization": "Basic eDp5"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        error = response.get_json()["error"]
        assert error["code"] in ("unauthorized", "invalid_token") and error["message"]


def test_tokens_are_stored_hashed_and_revocable(app, client, auth, district):
    auth.login("learn")
    page = client.post("/account", data={"token-name": "手机", "token-submit": "1"})
    html = page.get_data(as_text=True)
    token = html.split('<code class="token">')[1].split("</code>")[0]
    with app.app_context():
        row = db.session.scalar(db.select(ApiToken).filter_by(name="手机"))
        assert row.digest != token and token not in row.digest
        token_id = row.id
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    listed = client.get("/account").get_data(as_text=True)
    assert "手机" in listed and token not in listed  # shown once only
    client.post(f"/account/tokens/{token_id}/revoke")
    assert api.get("/api/v1/me", headers=headers).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(app, client, auth, district):
    _token(app, district["org_admin"])
    with app.app_context():
        token_id = db.session.scalar(db.select(ApiToken.id))
    auth.login("learn")
    client.post(f"/account/tokens/{token_id}/revoke")
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is None


def test_deactivated_users_tokens_stop_working(app, client, district):
    token = _token(app, district["cadre_jd01"])
    with app.app_context():
        db.session.get(User, district["cadre_jd01"]).is_active_flag = False
        db.session.commit()
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                      ).status_code == 401


def test_unknown_api_route_is_a_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def _documented_path(rule) -> str:
    """A route as the document names it: its first parameter is `{id}` (but `{username}`
    stays), others keep their names (`/attempts/{id}/answers/{question_id}`)."""
    path = rule.rule.removeprefix("/api/v1")
    for n, arg in enumerate(sorted(rule.arguments, key=rule.rule.index)):
        name = "id" if n == 0 and arg != "username" else arg
        path = path.replace(f"<int:{arg}>", f"{{{name}}}").replace(f"<{arg}>", f"{{{name}}}")
    return path


def test_openapi_document_describes_every_endpoint(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    documented = set(doc["paths"])
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = _documented_path(rule)
            routes.add(path)
    assert routes == documented
    for path, item in doc["paths"].items():
        for operation in item.values():
            assert operation["summary"] and ("200" in operation["responses"]
                                             or "201" in operation["responses"]), path
    for rule in app.url_map.iter_rules():  # every method of every route is described
        if rule.rule.startswith("/api/v1/"):
            path = _documented_path(rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert method.lower() in doc["paths"][path], (method, path)


def test_api_lists_are_paginated(app, client, district):
    token = _token(app, district["org_admin"])
    body = client.get("/api/v1/cadres?per_page=3&page=2",
                      headers={"Authorization": f"Bearer {token}"}).get_json()
    assert body["per_page"] == 3 and body["page"] == 2 and len(body["items"]) == 3
    assert body["total"] == 6  # every account of the district but the sysadmin and oneself
    units = client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [u["code"] for u in units["items"]][0] == "QU" and units["total"] == 4
