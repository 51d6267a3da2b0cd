"""Bulk import of units and cadres (.xlsx, .csv): validation by row and field, all-or-nothing."""
from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from lms.auth.models import User
from lms.extensions import db
from lms.org.importer import import_cadres
from lms.org.models import CadreProfile, Unit

HEADERS = ["账号", "姓名", "性别", "单位代码", "职级", "职务", "出生日期", "学历", "政治面貌",
           "专业技术职称", "类别"]


def xlsx(rows, headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def good_row(i: int, unit: str = "JD01") -> list:
    return [f"imp{i:04d}", f"导入{i}", "女", unit, "科级", "科员", "1990-01-02", "本科", "中共党员",
            "无", "科股级干部、信息员"]


def cadre_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(CadreProfile))


def upload(client, data: bytes, name: str = "cadres.xlsx", kind: str = "cadres"):
    """Post the file; a file the request accepts is imported by a job (run at once in tests):
    302 to the job's page."""
    return client.post(f"/admin/{kind}/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def outcome(client, response) -> str:
    """The page the upload led to: the job's page, or the import page that refused it."""
    if response.status_code == 302:
        assert "/jobs/" in response.location
        return client.get(response.location).get_data(as_text=True)
    return response.get_data(as_text=True)


def test_good_file_imports_every_row(app, client, auth, district):
    auth.login("org")
    before = cadre_count(app)
    response = upload(client, xlsx([good_row(i) for i in range(30)]))
    assert response.status_code == 302
    assert cadre_count(app) == before + 30
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="imp0007"))
        p = user.profile
        assert (p.unit.code, p.rank, p.education, p.party_status, p.gender) == (
            "JD01", "section", "bachelor", "member", "female")
        assert str(p.birth_date) == "1990-01-02"
        assert {c.name for c in p.categories} == {"科股级干部", "信息员"}
        assert user.password_hash is None  # no password until an administrator issues one
        assert [g.role for g in user.grants] == ["learner"]


def test_three_bad_rows_import_nothing_and_are_named(app, client, auth, district):
    auth.login("org")
    rows = [good_row(i) for i in range(10)]
    rows[2][3] = "NOPE"          # row 4: unknown unit
    rows[5][6] = "1990-13-45"    # row 7: not a date
    rows[8][4] = "部级"          # row 10: unknown rank
    before = cadre_count(app)
    html = outcome(client, upload(client, xlsx(rows)))
    assert cadre_count(app) == before
    assert "未导入任何数据：发现 3 处问题" in html
    assert "<td>4</td><td>单位代码</td><td>没有代码为 NOPE 的单位。</td>" in html
    assert "<td>7</td><td>出生日期</td>" in html
    assert "<td>10</td><td>职级</td><td>无法识别的值：部级</td>" in html


def test_every_problem_of_a_row_and_duplicates_are_listed(app, district):
    rows = [good_row(1), good_row(1), ["", "", "x", "JD01", "", "", "", "", "", "", "外星人"]]
    with app.test_request_context():
        result = import_cadres(xlsx(rows), "c.xlsx")
    found = {(e.row, e.field) for e in result.errors}
    assert found == {(3, "username"), (4, "username"), (4, "name"), (4, "gender"),
                     (4, "categories")}


def test_unit_admin_cannot_import_into_another_street(app, client, auth, district):
    auth.login("ua1")
    response = upload(client, xlsx([good_row(1), good_row(2, unit="JD02")]))
    assert "您无权管理 JD02 的干部" in outcome(client, response)
    with app.app_context():
        assert db.session.scalar(db.select(User).filter_by(username="imp0001")) is None


def test_existing_usernames_are_updated(app, client, auth, district):
    auth.login("org")
    row = good_row(1)
    row[0], row[1], row[3] = "c1", "王一改", "JD01-SQ01"
    assert upload(client, xlsx([row])).status_code == 302
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username="c1"))
        assert user.name == "王一改" and user.profile.unit.code == "JD01-SQ01"
        assert {g.unit.code for g in user.grants if g.role == "learner"} == {"JD01-SQ01"}


def test_csv_in_gb18030_and_english_headers(app, client, auth, district):
    auth.login("org")
    text = "Username,Name,Unit code,Rank,Birth date\nen01,钱多多,JD02,股级,1987/6/5\n"
    assert upload(client, text.encode("gb18030"), "c.csv").status_code == 302
    with app.app_context():
        profile = db.session.scalar(db.select(User).filter_by(username="en01")).profile
        assert (profile.rank, str(profile.birth_date), profile.unit.code) == (
            "subsection", "1987-06-05", "JD02")


def test_wrong_files_are_refused_clearly(app, client, auth, district):
    auth.login("org")
    html = outcome(client, upload(client, b"not a workbook", "c.xlsx"))
    assert "不是有效的 .xlsx 工作簿" in html
    html = upload(client, b"MZ\x90\x00", "c.exe").get_data(as_text=True)
    assert "只能导入 .xlsx 或 .csv 文件" in html
    html = outcome(client, upload(client, xlsx([["x"]], headers=["账号", "姓名"])))
    assert "缺少列：单位代码" in html
    app.config["LMS_IMPORT_MAX_BYTES"] = 1000
    try:
        html = upload(client, xlsx([good_row(i) for i in range(50)])).get_data(as_text=True)
        assert "文件超过" in html
    finally:
        app.config["LMS_IMPORT_MAX_BYTES"] = 10 * 1024 * 1024


def test_downloaded_template_imports_as_is(app, client, auth, district):
    auth.login("org")
    template = client.get("/admin/cadres/template.xlsx")
    assert template.status_code == 200
    wb = load_workbook(io.BytesIO(template.data))
    assert [c.value for c in wb.worksheets[0][1]] == HEADERS
    assert len(wb.worksheets) == 2  # the notes sheet lists allowed values
    assert upload(client, template.data).status_code == 302
    csv_template = client.get("/admin/cadres/template.csv")
    assert csv_template.data.startswith("\ufeff".encode())
    # zhangsan01 now exists: importing the CSV template again updates it.
    assert upload(client, csv_template.data, "t.csv").status_code == 302


def test_units_import_creates_parents_first(app, client, auth, district):
    auth.login("org")
    data = xlsx([["SQ-B", "乙社区", "社区", "JD-NEW"], ["JD-NEW", "新街道", "街道", "QU"]],
                headers=["单位代码", "单位名称", "单位类型", "上级单位代码"])
    response = upload(client, data, "u.xlsx", "units")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    with app.app_context():
        child = db.session.scalar(db.select(Unit).filter_by(code="SQ-B"))
        assert child.parent.code == "JD-NEW" and child.parent.parent.code == "QU"
        assert child.depth == 2


def test_units_import_refuses_out_of_scope_and_unknown_parents(app, client, auth, district):
    auth.login("ua1")
    data = xlsx([["X1", "甲", "社区", "JD02"], ["X2", "乙", "社区", "NOWHERE"],
                 ["X3", "丙", "星球", "JD01"]],
                headers=["单位代码", "单位名称", "单位类型", "上级单位代码"])
    html = outcome(client, upload(client, data, "u.xlsx", "units"))
    assert "发现 3 处问题" in html
    with app.app_context():
        assert db.session.scalar(db.select(Unit).filter_by(code="X3")) is None


def test_export_reimports_round_trip(app, client, auth, district):
    auth.login("org")
    upload(client, xlsx([good_row(i) for i in range(5)]))
    exported = client.get("/admin/cadres/export.xlsx?q=导入")
    rows = list(load_workbook(io.BytesIO(exported.data)).active.iter_rows(values_only=True))
    assert len(rows) == 7 and rows[0][0].startswith("干部名册") and rows[1][0] == "账号"
    assert rows[2][:4] == ("imp0000", "导入0", "女", "JD01")
    # The export's own columns, below its title line, are accepted by the importer unchanged.
    assert upload(client, exported.data).status_code == 302
