"""Who may do what on which unit's data: a matrix of roles x actions, in the UI and the API."""
from __future__ import annotations

import pytest

from lms.auth.models import User
from lms.auth.services import create_token
from lms.extensions import db
from lms.org.models import CadreProfile
from tests.conftest import without_csrf

# Users of the `district` fixture: (username, role).
USERS = {"sysadmin": "sys", "org_admin": "org", "unit_admin": "ua1", "lecturer": "lect",
         "learner": "learn"}

# Action -> (method, url template, {role: allowed}). {jd01}/{jd02}: cadres in those streets.
MATRIX = {
    "list cadres": ("GET", "/admin/cadres", {"sysadmin", "org_admin", "unit_admin"}),
    "view cadre in JD01": ("GET", "/admin/cadres/{c1}", {"sysadmin", "org_admin", "unit_admin"}),
    "view cadre in JD02": ("GET", "/admin/cadres/{c2}", {"sysadmin", "org_admin"}),
    "edit cadre in JD02": ("GET", "/admin/cadres/{c2}/edit", {"sysadmin", "org_admin"}),
    "deactivate cadre in JD02": ("POST", "/admin/cadres/{c2}/deactivate",
                                 {"sysadmin", "org_admin"}),
    "reset password in JD02": ("POST", "/admin/cadres/{c2}/password", {"sysadmin", "org_admin"}),
    "edit unit JD02": ("GET", "/admin/units/{jd02}/edit", {"sysadmin", "org_admin"}),
    "add unit under JD01": ("GET", "/admin/units/new?parent={jd01}",
                            {"sysadmin", "org_admin", "unit_admin"}),
    "unit tree": ("GET", "/admin/units", {"sysadmin", "org_admin", "unit_admin", "lecturer"}),
    "import cadres": ("GET", "/admin/cadres/import", {"sysadmin", "org_admin", "unit_admin"}),
    "export cadres": ("GET", "/admin/cadres/export.xlsx", {"sysadmin", "org_admin", "unit_admin"}),
}


def _url(template: str, district, unit_ids) -> str:
    units = unit_ids()
    return template.format(c1=district["cadre_jd01"], c2=district["cadre_jd02"],
                           jd01=units["JD01"], jd02=units["JD02"])


@pytest.mark.parametrize("role", list(USERS))
@pytest.mark.parametrize("action", list(MATRIX))
def test_web_matrix(client, auth, district, unit_ids, role, action):
    method, template, allowed = MATRIX[action]
    auth.login(USERS[role])
    url = _url(template, district, unit_ids)
    response = client.open(url, method=method)
    if role in allowed:
        assert response.status_code in (200, 302), (role, action, response.status_code)
    else:
        assert response.status_code in (403, 404), (role, action, response.status_code)
        body = response.get_data(as_text=True)
        assert "赵二" not in body and ">c2<" not in body  # nothing about the cadre leaks


def _masked(html: str) -> str:
    """A page without its CSRF tokens, which carry the second they were signed in."""
    return without_csrf(html)


def test_unit_admin_refused_on_other_street_leaks_nothing(client, auth, district):
    auth.login("ua1")
    missing = client.get("/admin/cadres/999999")
    other = client.get(f"/admin/cadres/{district['cadre_jd02']}")
    assert other.status_code == missing.status_code == 404
    assert _masked(other.get_data(as_text=True)) == _masked(missing.get_data(as_text=True)).replace(
        "/admin/cadres/999999", f"/admin/cadres/{district['cadre_jd02']}")
    listing = client.get("/admin/cadres?q=赵二").get_data(as_text=True)
    assert "赵二</a>" not in listing and "共 0 名干部" in listing
    assert "王一" in client.get("/admin/cadres").get_data(as_text=True)
    assert client.post(f"/admin/cadres/{district['cadre_jd02']}/deactivate").status_code == 404


def test_unit_admin_cannot_move_a_cadre_out_of_scope(app, client, auth, district, unit_ids):
    auth.login("ua1")
    units = unit_ids()
    response = client.post(f"/admin/cadres/{district['cadre_jd01']}/edit", data={
        "username": "c1", "name": "王一", "unit_id": units["JD02"], "rank": "section",
        "title_level": "none"})
    # JD02 is not among the form's choices: the form refuses it and nothing changes.
    assert response.status_code == 200
    assert 'class="errors" id="unit_id-err"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CadreProfile, district["cadre_jd01"]).unit.code == "JD01"


def test_export_contains_only_the_admins_subtree(client, auth, district):
    import io

    from openpyxl import load_workbook

    auth.login("ua1")
    data = client.get("/admin/cadres/export.xlsx").data
    names = {row[1] for row in load_workbook(io.BytesIO(data)).active.iter_rows(
        min_row=2, values_only=True)}
    assert "王一" in names and "李学员" in names
    assert "赵二" not in names


def test_learner_sees_only_themselves_in_the_api(app, client, district):
    with app.app_context():
        token = create_token(db.session.get(User, district["learner"]), "t")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/cadres/{district['learner']}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/cadres/{district['cadre_jd01']}",
                      headers=headers).status_code == 404
    assert client.get("/api/v1/cadres", headers=headers).get_json()["total"] == 0


@pytest.mark.parametrize("role,visible", [
    ("sysadmin", {"c1", "c2"}), ("org_admin", {"c1", "c2"}), ("unit_admin", {"c1"}),
    ("lecturer", set()), ("learner", set()),
])
def test_api_matrix(app, client, district, role, visible):
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username=USERS[role]))
        token = create_token(user, "t")
    headers = {"Authorization": f"Bearer {token}"}
    for username in ("c1", "c2"):
        key = "cadre_jd01" if username == "c1" else "cadre_jd02"
        response = client.get(f"/api/v1/cadres/{district[key]}", headers=headers)
        if username in visible:
            assert response.status_code == 200
            assert response.get_json()["username"] == username
        else:
            assert response.status_code == 404
            assert response.get_json()["error"]["code"] == "not_found"
            assert username not in response.get_data(as_text=True)
    listed = {c["username"] for c in client.get("/api/v1/cadres?per_page=200",
                                                headers=headers).get_json()["items"]}
    assert visible <= listed
    if role == "unit_admin":
        assert "c2" not in listed
