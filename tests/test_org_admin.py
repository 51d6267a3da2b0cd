"""Administration of the unit tree and of cadres in the browser UI."""
from __future__ import annotations

from lms.auth.models import User
from lms.extensions import db
from lms.org.models import CadreProfile, Unit


def _unit(app, code: str) -> Unit:
    with app.app_context():
        unit = db.session.scalar(db.select(Unit).filter_by(code=code))
        db.session.expunge(unit)
        return unit


def test_unit_tree_lists_units_in_order_with_counts(client, auth, district):
    auth.login("org")
    html = client.get("/admin/units").get_data(as_text=True)
    assert html.index("城关街道") < html.index("解放路社区") < html.index("东湖街道")


def test_create_unit_under_a_parent(app, client, auth, district, unit_ids):
    auth.login("ua1")
    response = client.post("/admin/units/new", data={
        "code": "JD01-SQ02", "name": "文化路社区", "kind": "community",
        "parent_id": unit_ids()["JD01"]})
    assert response.status_code == 302
    unit = _unit(app, "JD01-SQ02")
    assert unit.path.startswith(_unit(app, "JD01").path) and unit.depth == 2
    duplicate = client.post("/admin/units/new", data={
        "code": "JD01-SQ02", "name": "x", "kind": "community", "parent_id": unit_ids()["JD01"]})
    assert "已存在" in duplicate.get_data(as_text=True)


def test_move_a_unit_moves_its_subtree(app, client, auth, district, unit_ids):
    auth.login("org")
    ids = unit_ids()
    response = client.post(f"/admin/units/{ids['JD01']}/edit", data={
        "code": "JD01", "name": "城关街道", "kind": "street", "parent_id": ids["JD02"]})
    assert response.status_code == 302
    jd02, jd01, sq = _unit(app, "JD02"), _unit(app, "JD01"), _unit(app, "JD01-SQ01")
    assert jd01.path == f"{jd02.path}{jd01.id}/" and jd01.depth == 2
    assert sq.path == f"{jd01.path}{sq.id}/" and sq.depth == 3
    # The JD02 admin now manages the moved community's cadres.
    auth.logout()
    auth.login("ua2")
    assert "李学员" in client.get("/admin/cadres").get_data(as_text=True)


def test_unit_cannot_move_under_its_own_subunit(app, client, auth, district, unit_ids):
    auth.login("org")
    ids = unit_ids()
    response = client.post(f"/admin/units/{ids['JD01']}/edit", data={
        "code": "JD01", "name": "城关街道", "kind": "street", "parent_id": ids["JD01-SQ01"]})
    assert "不能把单位移动到其自身或其下级单位之下" in response.get_data(as_text=True)
    assert _unit(app, "JD01").parent_id == ids["QU"]


def test_create_edit_and_deactivate_a_cadre(app, client, auth, district, unit_ids,
                                            category_ids):
    auth.login("ua1")
    ids = unit_ids()
    response = client.post("/admin/cadres/new", data={
        "username": "newbie", "name": "孙新", "unit_id": ids["JD01-SQ01"], "rank": "subsection",
        "birth_date": "1995-03-04", "education": "bachelor", "party_status": "member",
        "title_level": "none", "gender": "female",
        "categories": [category_ids["young"], category_ids["informant"]]})
    assert response.status_code == 200  # the page answering the POST shows the password
    assert "一次性密码" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="newbie"))
        user_id = user.id
        assert user.must_change_password and user.profile.rank == "subsection"
    detail = client.get(f"/admin/cadres/{user_id}").get_data(as_text=True)
    assert "孙新" in detail and "信息员" in detail
    response = client.post(f"/admin/cadres/{user_id}/edit", data={
        "username": "ignored", "name": "孙新新", "unit_id": ids["JD01"], "rank": "section",
        "title_level": "none", "categories": [category_ids["young"]]})
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.get(CadreProfile, user_id)
        assert profile.user.username == "newbie" and profile.user.name == "孙新新"
        assert profile.unit.code == "JD01" and [c.code for c in profile.categories] == ["young"]
        assert {g.unit.code for g in profile.user.grants if g.role == "learner"} == {"JD01"}
    client.post(f"/admin/cadres/{user_id}/deactivate")
    with app.app_context():
        assert db.session.get(User, user_id).is_active is False
        assert db.session.get(CadreProfile, user_id) is not None  # never a hard delete
    assert "孙新新" not in client.get("/admin/cadres").get_data(as_text=True)
    assert "孙新新" in client.get("/admin/cadres?status=inactive").get_data(as_text=True)


def test_deactivated_user_is_signed_out_at_once(app, district):
    learner, admin = app.test_client(), app.test_client()
    from tests.conftest import PASSWORD

    learner.post("/login", data={"username": "c1", "password": PASSWORD})
    assert learner.get("/").status_code == 200
    admin.post("/login", data={"username": "ua1", "password": PASSWORD})
    admin.post(f"/admin/cadres/{district['cadre_jd01']}/deactivate")
    assert learner.get("/").status_code == 302


def test_cadre_list_filters_search_and_pages(app, client, auth, make_unit, make_user,
                                             category_ids, unit_ids):
    make_unit("QU", kind="district")
    make_unit("JD01", parent="QU")
    make_unit("JD02", parent="QU")
    make_user("org", "org_admin", "QU")
    for i in range(60):
        make_user(f"a{i:02d}", "learner", "JD01", name=f"甲{i:02d}", rank="section",
                  categories=("informant",) if i % 3 == 0 else ())
    for i in range(5):
        make_user(f"b{i:02d}", "learner", "JD02", name=f"乙{i:02d}", rank="none")
    auth.login("org")
    first = client.get("/admin/cadres").get_data(as_text=True)
    # One's own account is not listed: it is managed at /account only.
    assert "共 65 名干部" in first and "第 1 页，共 2 页" in first
    second = client.get("/admin/cadres?page=2").get_data(as_text=True)
    assert "第 2 页，共 2 页" in second
    by_unit = client.get(f"/admin/cadres?unit={unit_ids()['JD02']}").get_data(as_text=True)
    assert "共 5 名干部" in by_unit
    by_category = client.get(f"/admin/cadres?category={category_ids['informant']}")
    assert "共 20 名干部" in by_category.get_data(as_text=True)
    assert "共 5 名干部" in client.get("/admin/cadres?rank=none").get_data(as_text=True)
    assert "共 1 名干部" in client.get("/admin/cadres?q=甲07").get_data(as_text=True)
    # A unit outside one's scope, or none at all, answers 404 like the compliance report.
    make_user("jd1admin", "unit_admin", "JD01")
    auth.logout()
    auth.login("jd1admin")
    assert client.get(f"/admin/cadres?unit={unit_ids()['JD01']}").status_code == 200
    for unit in (unit_ids()["JD02"], unit_ids()["QU"], 999_999):
        assert client.get(f"/admin/cadres?unit={unit}").status_code == 404
        assert client.get(f"/admin/cadres/export.xlsx?unit={unit}").status_code == 404


def test_list_page_queries_are_bounded(client, auth, make_unit, make_user, page_queries):
    make_unit("QU", kind="district")
    make_user("org", "org_admin", "QU")
    make_user("x", "learner", "QU")  # one row, so the first page loads what every page does
    auth.login("org")

    def count() -> int:
        return page_queries(client, "/admin/cadres")[0]

    few = count()
    for i in range(40):
        make_user(f"x{i}", "learner", "QU", categories=("young", "informant"))
    assert count() == few


def test_role_grant_and_revoke(app, client, auth, district, unit_ids):
    auth.login("org")
    ids = unit_ids()
    client.post(f"/admin/cadres/{district['cadre_jd02']}/grants",
                data={"grant": f"unit_admin@{ids['JD02']}"})
    with app.app_context():
        grants = db.session.get(User, district["cadre_jd02"]).grants
        grant = next(g for g in grants if g.role == "unit_admin")
        grant_id = grant.id
    auth.logout()
    auth.login("c2")
    assert client.get("/admin/cadres").status_code == 200
    auth.logout()
    auth.login("ua1")  # a unit admin of another street cannot revoke it
    assert client.post(f"/admin/grants/{grant_id}/revoke").status_code == 404
    auth.logout()
    auth.login("org")
    client.post(f"/admin/grants/{grant_id}/revoke")
    auth.logout()
    auth.login("c2")
    assert client.get("/admin/cadres").status_code == 403


def test_unit_admin_cannot_grant_org_admin(app, client, auth, district, unit_ids):
    auth.login("ua1")
    response = client.post(f"/admin/cadres/{district['cadre_jd01']}/grants",
                           data={"grant": f"org_admin@{unit_ids()['JD01']}"})
    assert response.status_code == 400  # not among the offered choices: refused
    with app.app_context():
        assert {g.role for g in db.session.get(User, district["cadre_jd01"]).grants} == {
            "learner"}
