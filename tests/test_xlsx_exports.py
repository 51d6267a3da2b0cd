"""Every .xlsx the platform hands out is laid out for people: a title line naming what it holds,
its scope, filters and time of export (exports only), a frozen header row with filters, sized
columns, a sheet name that says what it is, dates and numbers stored as such, and text that
looks like a formula kept as text."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from lms.auth.models import User
from lms.core import xlsx_stream
from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org import services
from lms.org.importer import import_cadres
from lms.org.models import CadreProfile
from lms.progress import assignments
from tests.conftest import COURSES
from tests.test_assignments import SLUG, _complete_for, _course

FORMULA = '=HYPERLINK("http://x","y")'
STAMP = re.compile(r"导出时间：\d{4}-\d{2}-\d{2} \d{2}:\d{2}$")


def _sheet(data: bytes, *, title: bool = True):
    """The first sheet, after checking what every sheet of ours has."""
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        assert 1 <= len(sheet.title) <= 31 and not re.search(r"[\[\]:*?/\\]", sheet.title)
    sheet = book.worksheets[0]
    header = 2 if title else 1
    assert sheet.freeze_panes == f"A{header + 1}"
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith(f"A{header}:")
    widths = [sheet.column_dimensions[c].width for c in "ABC"]
    assert all(6 <= w <= 60 for w in widths) and sheet["A" + str(header)].font.b
    if title:
        assert STAMP.search(sheet["A1"].value) and sheet["B1"].value is None
    return sheet


def _column(sheet, header: str, row: int = 2):
    """The data cells under `header`."""
    names = [c.value for c in sheet[row]]
    index = names.index(header)
    return [r[index] for r in sheet.iter_rows(min_row=row + 1)]


@pytest.fixture
def formula_name(app, district) -> None:
    with app.app_context():
        db.session.get(User, district["cadre_jd01"]).name = FORMULA
        db.session.commit()


def test_cadre_export(client, auth, formula_name):
    auth.login("ua1")
    sheet = _sheet(client.get("/admin/cadres/export.xlsx?rank=section").data)
    assert sheet.title == "干部名册"
    assert sheet["A1"].value.startswith("干部名册 · 单位：您管理范围内的全部单位 · 职级：科级")
    births = [c.value for c in _column(sheet, "出生日期")]
    assert births and all(isinstance(v, datetime) for v in births)
    assert _column(sheet, "出生日期")[0].number_format == "yyyy\\-mm\\-dd"
    name = next(c for c in _column(sheet, "姓名") if c.value == FORMULA)
    assert name.data_type == "s"
    assert sheet.column_dimensions["A"].width < sheet.column_dimensions["E"].width + 20


def test_cadre_export_reads_back_below_its_title(app, client, auth, district):
    auth.login("org")
    data = client.get("/admin/cadres/export.xlsx").data
    with app.app_context():
        result = import_cadres(data, "cadres.xlsx")
        assert result.ok and result.updated == 6 and result.created == 0
        assert db.session.get(CadreProfile, district["cadre_jd01"]).birth_date == \
            date(1988, 5, 12)


def test_compliance_export(client, auth, formula_name):
    auth.login("org")
    sheet = _sheet(client.get("/admin/records/compliance/export.xlsx?year=2026&unit=JD01").data)
    assert sheet.title == "2026年达标情况"
    assert sheet["A1"].value.startswith("学时达标情况 · 单位：城关街道（JD01） · 年度：2026")
    hours = _column(sheet, "学时")
    assert hours and all(isinstance(c.value, int | float) for c in hours)
    assert next(c for c in _column(sheet, "姓名") if c.value == FORMULA).data_type == "s"


def test_audit_export(client, auth, make_user, district, unit_ids, formula_name):
    make_user("aud", "auditor")
    auth.login("ua1")
    client.post(f"/admin/cadres/{district['cadre_jd01']}/password")
    auth.logout()
    auth.login("aud")
    sheet = _sheet(client.get("/audit/export.xlsx?since=2020-01-01").data)
    assert sheet.title == "审计日志"
    assert sheet["A1"].value.startswith("审计日志 · 起始日期：2020-01-01 · 导出时间：")
    times = _column(sheet, "时间")
    assert times and all(isinstance(c.value, datetime) for c in times)
    assert all(isinstance(c.value, int) for c in _column(sheet, "序号"))
    assert next(c for c in _column(sheet, "对象账号") if c.value == FORMULA).data_type == "s"


def test_completion_export(app, client, auth, district, make_user, import_course,
                           formula_name):
    make_user("lecturer", "lecturer", "QU", name="党校教师")
    import_course(COURSES / SLUG)
    with app.app_context():
        assignments.assign_audience(
            _course(), assignments.Audience(unit=services.unit_by_code("QU")),
            local_today() + timedelta(days=30), db.session.scalar(
                db.select(User).filter_by(username="org")))
    _complete_for(app, "c1")
    auth.login("ua1")
    sheet = _sheet(client.get(f"/admin/completion/{SLUG}/export.xlsx?status=completed").data)
    assert sheet.title == "完成情况"
    assert sheet["A1"].value.startswith("完成情况 · 课程：") and "状态：已完成" in sheet["A1"].value
    (done,) = [c.value for c in _column(sheet, "完成日期")]
    assert isinstance(done, datetime)
    assert [c.value for c in _column(sheet, "进度（%）")] == [100]
    assert next(c for c in _column(sheet, "姓名") if c.value == FORMULA).data_type == "s"


@pytest.mark.parametrize(("url", "name"), [
    ("/admin/cadres/template.xlsx", "干部"), ("/admin/units/template.xlsx", "单位"),
    ("/teach/questions/template.xlsx", "题库")])
def test_templates_have_the_layout_but_no_title(client, auth, district, url, name):
    auth.login("sys")
    response = client.get(url)
    assert response.status_code == 200, url
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [name, "填写说明"]
    _sheet(response.data, title=False)


def test_the_writer_cleans_sheet_names_and_sizes_chinese_wider():
    data = xlsx_stream.xlsx_bytes(["姓名", "x"], [["王" * 10, "ab"]], sheet="a/b:c*[d]?" * 5)
    sheet = load_workbook(io.BytesIO(data)).active
    assert len(sheet.title) == 31 and not re.search(r"[\[\]:*?/\\]", sheet.title)
    assert sheet.column_dimensions["A"].width == 22 and sheet.column_dimensions["B"].width == 6
    long = xlsx_stream.xlsx_bytes(["备注"], [["字" * 500]])
    assert load_workbook(io.BytesIO(long)).active.column_dimensions["A"].width == 60


def test_a_question_sheet_below_a_title_line_imports(app):
    from lms.assessment.xlsx import COLUMNS, EXAMPLES, parse_sheet

    with app.test_request_context():
        data = xlsx_stream.xlsx_bytes([c.zh for c in COLUMNS], EXAMPLES, title="题库 · 公文写作")
        assert len(parse_sheet(data, "bank.xlsx")) == 2


def test_text_of_several_lines_wraps():
    data = xlsx_stream.xlsx_bytes(["缺什么"], [["每年学时\n五年学时"], ["一行"]])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].alignment.wrap_text and not sheet["A3"].alignment.wrap_text
    assert sheet.column_dimensions["A"].width == 10  # the longest line, not the whole text
