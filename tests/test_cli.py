"""`flask --app wsgi ...` commands: units, users, tokens, cadres import, demo load."""
from __future__ import annotations

from openpyxl import Workbook

from lms.auth.models import User
from lms.extensions import db
from lms.org.models import CadreProfile, Unit


def test_units_create_with_parent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["units", "create", "QU", "青山区", "--kind", "district"]
                         ).exit_code == 0
    result = runner.invoke(args=["units", "create", "JD01", "城关街道", "--parent", "QU",
                                 "--kind", "street"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        unit = db.session.scalar(db.select(Unit).filter_by(code="JD01"))
        assert unit.parent.code == "QU" and unit.kind == "street"


def test_bad_arguments_fail_clearly(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["units", "create", "X", "x", "--parent", "NOPE"])
    assert result.exit_code != 0 and "no unit with code 'NOPE'" in result.output
    result = runner.invoke(args=["units", "create", "X", "x", "--kind", "planet"])
    assert result.exit_code == 2 and "planet" in result.output
    result = runner.invoke(args=["users", "create", "u1", "--password", "short",
                                 "--role", "learner", "--unit", "QU"])
    assert result.exit_code != 0 and "password" in result.output
    result = runner.invoke(args=["users", "create", "u1", "--password", "Long-enough-1",
                                 "--role", "emperor"])
    assert result.exit_code == 2
    result = runner.invoke(args=["users", "create", "u1", "--password", "Long-enough-1",
                                 "--role", "unit_admin"])
    assert result.exit_code != 0 and "--unit is required" in result.output
    result = runner.invoke(args=["tokens", "create", "nobody"])
    assert result.exit_code != 0 and "no active user" in result.output


def test_users_create_then_token_then_api_me(app, client):
    runner = app.test_cli_runner()
    runner.invoke(args=["units", "create", "QU", "青山区", "--kind", "district"])
    result = runner.invoke(args=["users", "create", "zhou", "--password", "Strong-pass-2026",
                                 "--role", "unit_admin", "--unit", "QU", "--name", "周管理"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["tokens", "create", "zhou"])
    assert result.exit_code == 0
    token = result.output.strip().splitlines()[-1]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.get_json()["username"] == "zhou" and me.get_json()["name"] == "周管理"
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer " + token[:-2] + "xx"}
                      ).status_code == 401
    # The created user signs in with the given password.
    assert client.post("/login", data={"username": "zhou", "password": "Strong-pass-2026"}
                       ).status_code == 302


def test_sysadmin_needs_no_unit(app):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "root2", "--password", "Strong-pass-2026", "--role", "sysadmin"])
    assert result.exit_code == 0, result.output


def test_cadres_import_command(app, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["units", "create", "QU", "青山区", "--kind", "district"])
    wb = Workbook()
    wb.active.append(["账号", "姓名", "单位代码", "职级"])
    wb.active.append(["k1", "孔一", "QU", "科级"])
    wb.active.append(["k2", "孔二", "QU", "股级"])
    good = tmp_path / "good.xlsx"
    wb.save(good)
    result = runner.invoke(args=["cadres", "import", str(good)])
    assert result.exit_code == 0 and "2 created" in result.output
    wb.active.append(["k3", "孔三", "NOPE", "科级"])
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    result = runner.invoke(args=["cadres", "import", str(bad)])
    assert result.exit_code != 0 and "row 4" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CadreProfile)) == 2
    missing = runner.invoke(args=["cadres", "import", str(tmp_path / "none.xlsx")])
    assert missing.exit_code == 2


def test_demo_load_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "800 new cadres" in first.output
    for role in ("sysadmin", "org_admin", "unit_admin", "lecturer", "learner"):
        assert role in first.output
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0 and "0 new cadres" in second.output
    with app.app_context():
        units = db.session.scalar(db.select(db.func.count()).select_from(Unit))
        cadres = db.session.scalar(db.select(db.func.count()).select_from(CadreProfile))
        assert 35 <= units <= 45
        assert cadres == 800 + 4  # plus the demo accounts that have a unit
        kinds = set(db.session.scalars(db.select(Unit.kind)))
        assert kinds == {"district", "street", "department", "community", "office"}
        ranks = set(db.session.scalars(db.select(CadreProfile.rank)))
        assert ranks == {"division", "section", "subsection", "none"}
        names = list(db.session.scalars(db.select(User.name).limit(50)))
        assert all("\u4e00" <= n[0] <= "\u9fff" for n in names)


def test_demo_accounts_sign_in(app, client):
    app.test_cli_runner().invoke(args=["demo", "load"])
    from lms.demo.data import ACCOUNTS, DEMO_PASSWORD

    for username, *_rest in ACCOUNTS:
        response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        assert client.get("/", follow_redirects=True).status_code == 200  # auditor: /audit
        client.post("/logout")


def test_demo_assignment_after_courses_sync(app, client):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    assert runner.invoke(args=["demo", "assign"]).output.startswith("demo assignment: 0")
    assert runner.invoke(args=["courses", "sync"]).exit_code == 0
    first = runner.invoke(args=["demo", "assign"])
    assert first.exit_code == 0, first.output
    reached = int(first.output.split(":")[1].split()[0])
    assert 50 < reached < 800  # one street with its communities
    assert "demo assignment: 0" in runner.invoke(args=["demo", "assign"]).output
    from lms.demo.data import DEMO_PASSWORD

    client.post("/login", data={"username": "learner", "password": DEMO_PASSWORD})
    page = client.get("/me/learning").get_data(as_text=True)
    assert "布置给我的课程" in page and "公文写作基础" in page and "-12-31" in page
