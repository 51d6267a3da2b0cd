"""Hostile input answers as a refusal, never a 500: numbers past any real range, broken zips,
spreadsheets past their limits, duplicate rows, and text that would become a formula."""
from __future__ import annotations

import io
import re
import struct
import zipfile

import pytest

from lms.auth.models import User
from lms.auth.services import create_token
from lms.catalog.models import Course
from lms.catalog.package_files import PackageError
from lms.extensions import db
from tests.test_packages import good_files

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
        "encrypted": (_patch_central(stored, LESSON, flag=1), "encrypted"),
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


@pytest.mark.parametrize("kind", ["bad crc", "encrypted", "bomb", "truncated"])
def test_broken_zip_upload_is_a_400_listing_the_problem(client, auth, make_unit, make_user,
                                                       kind):
    make_unit("QU", kind="district")
    make_user("lect", "lecturer", "QU")
    auth.login("lect")
    data, word = BROKEN[kind]
    response = client.post("/teach/packages", data={"pkg-file": (io.BytesIO(data), "p.zip")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and word in response.get_data(as_text=True)
