"""Hostile input answers as a refusal, never a 500: numbers past any real range, broken zips,
spreadsheets past their limits, duplicate rows, and text that would become a formula."""
from __future__ import annotations

import io
import re
import struct
import zipfile

import pytest
from openpyxl import load_workbook

from lms.assessment.importer import QuestionImportError, import_file
from lms.auth.models import User
from lms.auth.services import create_token
from lms.catalog.models import Course
from lms.catalog.package_files import PackageError
from lms.core import xlsx_stream
from lms.extensions import db
from lms.org import tabular
from lms.org.importer import import_cadres, import_units
from lms.org.models import CadreProfile, Unit
from lms.org.tabular import TableError, read_rows
from tests.conftest import job_page
from tests.test_import import HEADERS, good_row
from tests.test_import import upload as import_upload
from tests.test_import import xlsx as import_xlsx
from tests.test_packages import MANIFEST, good_files

BIG = (2**31, 2**63, 10**30, 10**400)


def _token(app, user_id: int) -> str:
    with app.app_context():
        return create_token(db.session.get(User, user_id), "test")


def _sample_url(rule, value: int) -> str | None:
    """The rule's path with every int part set to `value` and other parts to a plain word."""
    names = {}
    for name, conv in rule._converters.items():
        kind = type(conv).__name__
        if "Integer" in kind or "BoundedInt" in kind:
            names[name] = str(value)
        elif "Any" in kind:
            names[name] = next(iter(conv.items)) if hasattr(conv, "items") else None
        else:
            names[name] = "learn"
    if any(v is None for v in names.values()):
        return None
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: names[m.group(1)], rule.rule)


def _int_rules(app):
    return [r for r in app.url_map.iter_rules()
            if any(type(c).__name__ == "BoundedIntConverter" for c in r._converters.values())]


@pytest.mark.parametrize("role", ["sysadmin", "learner"])
def test_ids_past_the_database_range_answer_404_on_every_route(app, client, auth, district,
                                                                role):
    rules = _int_rules(app)
    assert len(rules) > 40  # every <int:...> in the app goes through the bounded converter
    auth.login({"sysadmin": "sys", "learner": "learn"}[role])
    headers = {"Authorization": f"Bearer {_token(app, district[role])}"}
    for rule in rules:
        for value in BIG:
            url = _sample_url(rule, value)
            if url is None:
                continue
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method, headers=headers, json={})
                assert response.status_code == 404, (method, url, response.status_code)


def test_every_integer_query_argument_goes_through_int_arg():
    """`request.args.get(..., type=int)` turns a number past any range into an overflow in the
    database; `lms.core.params.int_arg` is the one parser."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "lms"
    found = [f"{p.relative_to(root)}:{n}" for p in sorted(root.rglob("*.py"))
             for n, line in enumerate(p.read_text("utf-8").splitlines(), start=1)
             if re.search(r"(args|values|form)\.get\([^)]*type=(int|float)", line)]
    assert found == []


PAGED = ["/admin/cadres", "/courses", "/admin/records/claims", "/cadres/learn/record",
         "/cadres/learn/record/xapi.json", "/admin/records/compliance"]


@pytest.mark.parametrize("url", PAGED)
@pytest.mark.parametrize("page", ["0", "-1", "abc", str(2**31), str(10**30), "9" * 5000])
def test_page_numbers_past_any_range_are_a_400_naming_page(client, auth, district, url, page):
    auth.login("sys")
    response = client.get(url, query_string={"page": page, "lang": "en"})
    assert response.status_code == 400, (url, page)
    assert "page" in response.get_data(as_text=True)


@pytest.mark.parametrize("url,name", [
    ("/admin/cadres", "unit"), ("/admin/cadres", "category"), ("/courses", "category"),
    ("/admin/records/compliance", "category"), ("/admin/records/compliance", "year"),
    ("/admin/records/plans", "year"), ("/admin/cadres", "per_page"),
])
def test_other_integer_arguments_past_any_range_are_a_400_naming_them(client, auth, district,
                                                                      url, name):
    auth.login("sys")
    response = client.get(url, query_string={name: str(10**30), "lang": "en"})
    assert response.status_code == 400, (url, name)
    assert f"“{name}”" in response.get_data(as_text=True)


def test_api_names_the_parameter_in_its_json_error(app, client, district):
    headers = {"Authorization": f"Bearer {_token(app, district['org_admin'])}"}
    for url in ("/api/v1/cadres", "/api/v1/users/c1/record"):
        response = client.get(url, query_string={"page": str(2**40)}, headers=headers)
        assert response.status_code == 400, url
        error = response.get_json()["error"]
        assert error["code"] == "invalid_parameter" and error["field"] == "page"


def test_plain_page_numbers_still_work(client, auth, district):
    auth.login("sys")
    assert client.get("/admin/cadres?page=1&per_page=5").status_code == 200
    assert client.get("/admin/cadres?page=999&per_page=0").status_code == 200
    assert client.get("/admin/cadres?page=&unit=").status_code == 200


@pytest.mark.parametrize("value", [10**400, 2**64, 1e308 * 10])
def test_huge_numbers_in_json_bodies_are_refused_cleanly(app, client, district, value):
    headers = {"Authorization": f"Bearer {_token(app, district['org_admin'])}"}
    body = {"kind": "self_study", "title": "x", "ended_on": "2025-01-01", "hours": value,
            "subject": "political_theory"}
    response = client.post("/api/v1/users/c1/record/entries", json=body, headers=headers)
    assert response.status_code == 422
    response = client.post("/api/v1/users/c1/record/entries",
                           json={**body, "hours": 1, "corrects": value}, headers=headers)
    assert response.status_code == 422


# ---- broken zips -------------------------------------------------------------------------

def _zip(files: dict[str, bytes | str], method: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return out.getvalue()


def _patch_central(data: bytes, name: str, **fields: int) -> bytes:
    """Rewrite fields of `name`'s central-directory header (and, for `flag`, its local one)."""
    offsets = {"flag": (8, "<H"), "method": (10, "<H"), "compress_size": (20, "<I"),
               "file_size": (24, "<I")}
    buf = bytearray(data)
    at = 0
    while (at := buf.find(b"PK\x01\x02", at)) >= 0:
        name_len = struct.unpack_from("<H", buf, at + 28)[0]
        if buf[at + 46:at + 46 + name_len] == name.encode():
            for field, value in fields.items():
                offset, fmt = offsets[field]
                struct.pack_into(fmt, buf, at + offset, value)
                if field == "flag":
                    local = struct.unpack_from("<I", buf, at + 42)[0]
                    struct.pack_into("<H", buf, local + 6, value)
            return bytes(buf)
        at += 4
    raise AssertionError(name)


LESSON = "lessons/01.md"


def _broken_zips() -> dict[str, tuple[bytes, str]]:
    """Each kind of broken package, with a word its refusal must contain."""
    good = good_files()
    stored = _zip(good)
    lesson = good[LESSON].encode()
    deflated = _zip(good, zipfile.ZIP_DEFLATED)
    real_size = len(lesson)
    many = {f"lessons/{n}.md": "x" for n in range(2100)}
    bomb = good_files(**{"lessons/zeros.md": b"\0" * (30 * 1024 * 1024)})
    small_bomb = _zip(good_files(**{"lessons/zeros.md": b"\0" * (3 * 1024 * 1024)}),
                      zipfile.ZIP_DEFLATED)
    return {
        "bad crc": (stored.replace(lesson, lesson.replace("正文".encode(), "伪文".encode())),
                    LESSON),
        "encrypted": (_patch_central(stored, LESSON, flag=1), LESSON),
        "size declared smaller": (_patch_central(deflated, LESSON, file_size=real_size // 2),
                                  LESSON),
        "size declared larger": (_patch_central(deflated, LESSON, file_size=real_size * 50),
                                 LESSON),
        "unknown compression": (_patch_central(stored, LESSON, method=99), LESSON),
        "bomb": (_zip(bomb, zipfile.ZIP_DEFLATED), "lessons/zeros.md"),
        "bomb under a lying header": (_patch_central(small_bomb, "lessons/zeros.md",
                                                     file_size=1000), "lessons/zeros.md"),
        "too many entries": (_zip({**good, **many}), "500"),
        "absolute path": (_zip({**good, "/etc/cron.d/x": "x"}), "/etc/cron.d/x"),
        "dot-dot path": (_zip({**good, "lessons/../../x": "x"}), "../../x"),
        "truncated": (stored[:len(stored) // 2], "zip"),
        "not a zip": (b"this is not a zip at all" * 10, "zip"),
    }


BROKEN = _broken_zips()


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_broken_zips_are_refused_as_package_problems(app, make_unit, make_user, import_course,
                                                     kind):
    make_unit("QU", kind="district")
    make_user("lecturer", "lecturer", "QU")
    data, word = BROKEN[kind]
    with pytest.raises(PackageError) as caught:
        import_course(data)
    assert word in str(caught.value), (kind, str(caught.value))
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Course)) == 0


def test_nul_characters_in_a_package_are_problems_not_database_errors(app, make_unit,
                                                                     make_user, import_course):
    make_unit("QU", kind="district")
    make_user("lecturer", "lecturer", "QU")
    manifest = MANIFEST.replace('title = "测试课程"', 'title = "测试\\u0000课程"')
    for files, where in ((good_files(**{"course.toml": manifest}), "course.toml"),
                         (good_files(**{LESSON: "# 第一讲\n\n正\0文\n"}), LESSON)):
        with pytest.raises(PackageError) as caught:
            import_course(_zip(files))
        assert where in {p.file for p in caught.value.problems}


@pytest.mark.parametrize("lecturers", ["5", '"lecturer"', "{ a = 1 }", "true"])
def test_a_manifest_field_of_the_wrong_type_is_a_problem(app, make_unit, make_user,
                                                         import_course, lecturers):
    make_unit("QU", kind="district")
    make_user("lecturer", "lecturer", "QU")
    manifest = MANIFEST.replace("hours = 1.0\n", f"hours = 1.0\nlecturers = {lecturers}\n", 1)
    with pytest.raises(PackageError) as caught:
        import_course(_zip(good_files(**{"course.toml": manifest})))
    assert "lecturers" in str(caught.value)


@pytest.mark.parametrize("kind", ["bad crc", "encrypted", "bomb", "truncated"])
def test_broken_zip_upload_is_a_400_listing_the_problem(client, auth, make_unit, make_user,
                                                       kind):
    make_unit("QU", kind="district")
    make_user("lect", "lecturer", "QU")
    auth.login("lect")
    data, word = BROKEN[kind]
    response = client.post("/teach/packages", data={"pkg-file": (io.BytesIO(data), "p.zip")},
                           content_type="multipart/form-data")
    page = job_page(client, response)  # the job refuses it, listing the problem
    assert "/jobs/" in response.location and word in page.get_data(as_text=True)


# ---- spreadsheets past their limits ------------------------------------------------------

def _xlsx(rows, headers=HEADERS) -> bytes:
    return import_xlsx(rows, headers)


def _rewrite_part(data: bytes, part: str, change) -> bytes:
    """The workbook with one part's XML changed by `change(text) -> text`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == part:
                body = change(body.decode()).encode()
            dst.writestr(info, body)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def _declaring(ref: str) -> bytes:
    data = _xlsx([good_row(i) for i in range(3)])
    return _rewrite_part(data, SHEET, lambda x: re.sub(r'<dimension ref="[^"]*"',
                                                       f'<dimension ref="{ref}"', x))


def _without_dimension(rows) -> bytes:
    return _rewrite_part(_xlsx(rows), SHEET, lambda x: re.sub(r"<dimension [^>]*/>", "", x))


def _read(data: bytes, name: str = "c.xlsx") -> str:
    with pytest.raises(TableError) as caught:
        read_rows(data, name)
    return str(caught.value)


def test_declared_dimensions_past_the_limits_are_refused_before_any_cell(app):
    with app.test_request_context("/?lang=en"):
        assert "more than 100000 rows" in _read(_declaring("A1:K200000"))
        assert "more than 200 columns" in _read(_declaring("A1:XFD4"))


def test_rows_and_columns_past_the_limits_are_refused_without_a_dimension(app, monkeypatch):
    monkeypatch.setattr(tabular, "MAX_ROWS", 10)
    monkeypatch.setattr(tabular, "MAX_COLUMNS", 12)
    with app.test_request_context("/?lang=en"):
        assert "more than 10 rows" in _read(_without_dimension([good_row(i) for i in range(12)]))
        wide = _without_dimension([good_row(1) + ["x"] * 5])
        assert "Row 2 has more than 12 columns" in _read(wide)
        assert len(read_rows(_without_dimension([good_row(i) for i in range(5)]), "c.xlsx")) == 6


def test_parts_that_unpack_past_the_limit_are_refused_before_reading(app, monkeypatch):
    with app.test_request_context("/?lang=en"):
        lying = _patch_central(_xlsx([good_row(1)]), SHEET, file_size=2**31)
        assert "unpacks to more than" in _read(lying)
        monkeypatch.setattr(tabular, "MAX_PART_BYTES", 50_000)
        big = _xlsx([good_row(i) for i in range(400)])
        assert "sheet1.xml" in _read(big)


def test_broken_workbooks_are_not_valid_workbooks(app):
    good = _xlsx([good_row(1)])
    with app.test_request_context("/?lang=en"):
        for data in (_patch_central(good, SHEET, flag=1), good[:len(good) // 2],
                     _patch_central(good, SHEET, method=99),
                     _rewrite_part(good, SHEET, lambda x: x[:len(x) // 2])):
            assert "not a valid .xlsx workbook" in _read(data)


@pytest.mark.parametrize("text,word", [
    ("账号,姓名,单位代码\n" + "a,b,JD01\n" * 12, "more than 10 rows"),
    ("账号,姓名,单位代码\n" + "x" * (70 * 1024) + "\n", "Line 2 of the CSV file is longer"),
    ("账号,姓名,单位代码\n" + "," * 300 + "\n", "Row 2 has more than 200 columns"),
    ('账号,姓名,单位代码\na,"' + ("y" * 60_000 + "\n") * 4 + '",JD01\n', "cannot be read"),
])
def test_csv_past_its_limits_is_refused(app, monkeypatch, text, word):
    monkeypatch.setattr(tabular, "MAX_ROWS", 10)
    with app.test_request_context("/?lang=en"):
        assert word in _read(text.encode(), "c.csv")


def test_a_sheet_past_its_limits_is_a_clear_message_on_each_import_page(app, client, auth,
                                                                        district):
    auth.login("org")
    data = _declaring("A1:K200000")
    for kind in ("cadres", "units"):
        response = job_page(client, import_upload(client, data, "c.xlsx", kind))
        assert response.status_code == 200 and "100000" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CadreProfile)) == 7
    with app.test_request_context(), pytest.raises(QuestionImportError) as caught:
        import_file(data, "q.xlsx", "xlsx", None)
    assert "100000" in str(caught.value.problems)


# ---- duplicate and clashing rows ---------------------------------------------------------

def _cadre_errors(app, rows) -> set[tuple[int, str]]:
    with app.test_request_context():
        result = import_cadres(_xlsx(rows), "c.xlsx")
    assert result.created == result.updated == 0
    return {(e.row, e.field) for e in result.errors}


def test_duplicate_and_clashing_cadre_rows_are_row_errors(app, client, auth, district):
    # the same username twice; an account that exists without a cadre profile (a system
    # administrator); a valid row, which is not imported either
    taken = good_row(3)
    taken[0] = "sys"
    assert _cadre_errors(app, [good_row(1), good_row(1), taken, good_row(4)]) == {
        (3, "username"), (4, "username")}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 8
    auth.login("org")
    html = job_page(client, import_upload(client, _xlsx([taken]))).get_data(as_text=True)
    assert "<td>2</td><td>账号</td><td>账号 sys 已被使用。</td>" in html


def _unit_errors(app, rows) -> set[tuple[int, str]]:
    with app.test_request_context():
        result = import_units(_xlsx(rows, ["单位代码", "单位名称", "单位类型", "上级单位代码"]),
                              "u.xlsx")
    assert result.created == 0
    return {(e.row, e.field) for e in result.errors}


def test_duplicate_and_clashing_unit_rows_are_row_errors(app, district):
    rows = [["SQ9", "新社区", "社区", "JD01"], ["SQ9", "又一个", "社区", "JD01"],
            ["JD02", "重名", "街道", "QU"], ["C" * 33, "长代码", "社区", "JD01"],
            ["SQ8", "名" * 129, "社区", "JD01"], ["SQ7", "自己", "社区", "SQ7"]]
    assert _unit_errors(app, rows) == {(3, "code"), (4, "code"), (5, "code"), (6, "name")}
    assert _unit_errors(app, rows[-1:]) == {(2, "parent")}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Unit)) == 4


def test_question_values_the_database_cannot_hold_are_named_by_line(app):
    gift = ("$CATEGORY: " + "类" * 300 + "\n\n::一::问题{=甲 ~乙}\n\n"
            "// [id:" + "9" * 120 + "]\n::二::问题{T}\n\n::三::有\0空字符{T}\n")
    with app.test_request_context("/?lang=en"), pytest.raises(QuestionImportError) as caught:
        import_file(gift.encode(), "q.gift", "gift", None)
    messages = " ".join(m for _line, m in caught.value.problems)
    assert "category path" in messages and "ID number" in messages and "NUL" in messages


# ---- text never becomes a formula --------------------------------------------------------

FORMULAS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1",
            "=1+1"]


def _text_cells(data: bytes) -> list:
    book = load_workbook(io.BytesIO(data))
    return [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
            if isinstance(cell.value, str) and cell.value.lstrip()[:1] in ("=", "+", "-", "@")]


def _assert_inert(data: bytes, at_least: int) -> None:
    cells = _text_cells(data)
    assert len(cells) >= at_least
    for cell in cells:
        assert cell.data_type == "s", (cell.coordinate, cell.value, cell.data_type)


def test_both_xlsx_writers_store_formula_like_text_as_text(app):
    with app.test_request_context():
        _assert_inert(tabular.xlsx_bytes(FORMULAS, [FORMULAS, [1, "=x", None]], [["=n"]]), 16)
    _assert_inert(xlsx_stream.xlsx_bytes(FORMULAS, [FORMULAS, [1, "=x", None]]), 15)
    csv_text = tabular.csv_bytes(["=h"], [["+1"], ["ok"], [-3]]).decode("utf-8-sig")
    assert csv_text.splitlines() == ["'=h", "'+1", "ok", "-3"]


def test_cadre_export_keeps_formula_like_names_as_text(app, client, auth, district):
    with app.app_context():
        for i, text in enumerate(FORMULAS[:4]):
            user = db.session.get(User, district["cadre_jd01"] if i == 0 else
                                  district["cadre_jd02"])
            user.name = text if i < 2 else user.name
            user.profile.position = FORMULAS[i + 2]
        db.session.commit()
    auth.login("org")
    response = client.get("/admin/cadres/export.xlsx")
    assert response.status_code == 200
    _assert_inert(response.data, 3)


# ---- numbers in forms and answers --------------------------------------------------------

HOSTILE_IDS = ["²", "٣", "9" * 30, str(2**31), "0", "-1", "x"]


def test_checkbox_ids_past_any_range_are_dropped_not_a_500(app, client, auth, district,
                                                           make_user, import_course):
    from lms.catalog.models import Activity
    from tests.conftest import COURSES

    make_user("lecturer", "lecturer", "QU")
    import_course(COURSES / "tufa-shijian-yingji")
    with app.app_context():
        session_id = db.session.scalar(db.select(Activity.id).filter_by(key="tuiyan"))
    auth.login("lecturer")
    response = client.post(f"/admin/activities/{session_id}/attendance",
                           data={"attended": HOSTILE_IDS})
    assert response.status_code == 302
    auth.logout()
    auth.login("learn")
    response = client.post("/me/plan/2026", data={"goals": "x", "course_ids": HOSTILE_IDS,
                                                  "save": "1"})
    assert response.status_code in (200, 302)


def test_numeric_answers_too_large_for_a_float_score_nothing():
    from lms.assessment.scoring import grade

    body = {"answers": [{"text": "3", "fraction": 1.0, "tolerance": 0.0}]}
    for response in (10**400, -(10**400), "1e999", float("nan")):
        assert grade("numerical", body, response) == 0.0


@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity", "-Infinity", "1e999999"])
def test_decimal_fields_refuse_what_is_not_a_number(app, make_unit, make_user, value):
    from tests.test_teach import as_user, new_course, subject_id

    make_unit("QU", kind="district")
    make_user("lect", "lecturer", "QU")
    lect = as_user(app, "lect")
    course_id = new_course(app, lect)
    response = lect.post(f"/teach/courses/{course_id}/activities/new/lecture",
                         data={"title": "讲", "hours": value, "body": "正文"})
    assert response.status_code == 200
    response = lect.post("/teach/courses/new", data={
        "slug": "another", "title": "课", "category_id": subject_id(app), "hours": value})
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Course)) == 1


def test_superscript_and_endless_digits_in_a_quiz_answer_are_no_answer(app):
    """`'²'.isdigit()` is true but `int('²')` fails, as does `int` of thousands of digits: a
    form value that is no option's index reads as no answer, never a server error."""
    from werkzeug.datastructures import MultiDict

    from lms.assessment.present import responses_from_form

    class Attempt:
        slots = [{"slot": 1, "qtype": "multichoice"}, {"slot": 2, "qtype": "multiresponse"}]

    form = MultiDict([("q1", "²"), ("q2", "9" * 5000), ("q2", "1"), ("q2", "³")])
    assert responses_from_form(Attempt(), form) == {1: None, 2: [1]}


@pytest.mark.parametrize("value", ["9" * 30, "9" * 5000, "²", "0"])
def test_a_bare_id_past_any_row_in_a_filter_or_body_is_no_row(app, client, auth, district,
                                                               value):
    """Filters that take a code or a bare id, and an entry's subject, read an impossible id as
    no row: the page answers, the API names the field; never a server error."""
    from lms.auth.services import create_token

    auth.login("org")
    assert client.get(f"/admin/records/compliance?rule={value}").status_code == 404  # no rule
    with app.app_context():
        token = create_token(db.session.get(User, district["org_admin"]), "t")
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/reports/compliance?rule={value}",
                      headers=headers).status_code < 500
    subject = int(value) if value.isascii() and len(value) < 100 else value
    answer = client.post("/api/v1/users/learn/record/entries", headers=headers, json={
        "kind": "self_study", "subject_id": subject, "title": "t", "ended_on": "2026-01-05",
        "hours": 1})
    assert answer.status_code == 422 and "subject_id" in answer.get_json()["fields"]


# ---- text no column can hold, and JSON that is no body ----------------------------------

def test_nul_and_broken_characters_are_a_400_naming_the_field(app, client, auth, district):
    """PostgreSQL refuses NUL in text: every form, filter and JSON body is checked first."""
    answer = client.post("/login", data={"username": "a\x00b", "password": "x"})
    assert answer.status_code == 400 and "username" in answer.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {_token(app, district['org_admin'])}"}
    for raw in ('{"title": "\\ud800"}', '{"a\\u0000": 1}', "[" * 5000):
        answer = client.post("/api/v1/users/c1/record/entries", data=raw, headers=headers,
                             content_type="application/json")
        assert answer.status_code == 400, raw[:20]
    auth.login("sys")
    assert client.get("/admin/cadres?q=a%00b").status_code == 400
    assert client.get("/courses/a%00b").status_code == 404


def test_a_beat_that_is_not_a_json_object_is_a_400(app, client, auth, sample_courses):
    from lms.catalog.models import Activity
    with app.app_context():
        lecture = db.session.scalar(db.select(Activity).filter_by(key="gaishu")).id
    auth.login("learn")
    client.get(f"/activities/{lecture}")
    for body in ([1], "x", 5, None):
        assert client.post(f"/activities/{lecture}/beat", json=body).status_code == 400, body
