"""The cadre's attributes are declared once (lms.org.attributes): an attribute added to the
declaration shows up in the form, the cadre page, the import and its template, the export, the
API and its OpenAPI schema with no other change (a real one also needs its column and
migration; here the model gets a plain value instead)."""
from __future__ import annotations

import io
import re

import pytest
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from lms.auth.models import User
from lms.auth.services import create_token
from lms.extensions import db
from lms.org import attributes
from lms.org.attributes import CHOICE, Attribute
from lms.org.models import CadreProfile
from tests.test_import import outcome, upload


@pytest.fixture
def extra(monkeypatch) -> tuple[Attribute, Attribute]:
    """Two more attributes: free text and a coded choice, with the values every cadre has."""
    ethnicity = Attribute("ethnicity", _l("Ethnicity"), required=True, example="汉族",
                          max_length=16)
    veteran = Attribute("veteran", _l("Veteran"), CHOICE, {"yes": _l("Yes"), "no": _l("No")},
                        {"退役军人": "yes"}, default="no", example="退役军人")
    monkeypatch.setattr(attributes, "ATTRIBUTES", (*attributes.ATTRIBUTES, ethnicity, veteran))
    monkeypatch.setattr(CadreProfile, "ethnicity", "汉族", raising=False)
    monkeypatch.setattr(CadreProfile, "veteran", "yes", raising=False)
    return ethnicity, veteran


def test_an_added_attribute_reaches_every_reader(app, client, auth, district, extra):
    auth.login("org")
    form = client.get("/admin/cadres/new").get_data(as_text=True)
    assert "required" in re.search(r'<input[^>]*name="ethnicity"[^>]*>', form)[0]
    veteran = re.search(r'<select[^>]*name="veteran".*?</select>', form, re.S)[0]
    assert '<option value="yes">是</option>' in veteran and '""' not in veteran
    page = client.get(f"/admin/cadres/{district['cadre_jd01']}").get_data(as_text=True)
    assert "Ethnicity" in page and "汉族" in page and "Veteran" in page

    book = load_workbook(io.BytesIO(client.get("/admin/cadres/template.xlsx").data))
    header, example = (list(r) for r in book.worksheets[0].iter_rows(values_only=True))
    assert header[-3:] == ["Ethnicity", "Veteran", "类别"]
    assert example[-3:-1] == ["汉族", "退役军人"]
    notes = {r[0]: r for r in book.worksheets[1].iter_rows(values_only=True)}
    assert notes["Veteran"][2] == "是、否" and notes["Ethnicity"][1] == "是"
    csv = client.get("/admin/cadres/template.csv").data.decode("utf-8-sig")
    assert "Ethnicity,Veteran,类别" in csv

    rows = list(load_workbook(io.BytesIO(client.get("/admin/cadres/export.xlsx").data))
                .active.iter_rows(values_only=True))
    at = rows[1].index("Ethnicity")
    assert rows[1][at + 1] == "Veteran" and {r[at:at + 2] for r in rows[2:]} == {("汉族", "是")}

    # The importer reads the new columns by either header, with the declared checks.
    bad = [header[:-3] + ["Ethnicity", "Veteran"],
           ["newone", "新人", "女", "JD01", "科级", "", "", "", "", "", "汉族", "也许"],
           ["newtwo", "新人", "女", "JD01", "科级", "", "", "", "", "", "", "否"]]
    html = outcome(client, upload(client, _sheet(bad)))
    assert "无法识别的值：也许" in html and "Veteran" in html
    assert "<tr><td>3</td><td>Ethnicity</td><td>此项必填。</td></tr>" in html

    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["Cadre"]
    assert schema["properties"]["ethnicity"] == {
        "type": "string", "description": "Ethnicity", "nullable": True}
    assert schema["properties"]["veteran"]["description"] == "Veteran: yes, no"
    with app.app_context():
        token = create_token(db.session.get(User, district["org_admin"]), "test")
    cadre = client.get(f"/api/v1/cadres/{district['cadre_jd01']}",
                       headers={"Authorization": f"Bearer {token}"}).get_json()
    assert cadre["ethnicity"] == "汉族" and cadre["veteran"] == "yes"


def _sheet(rows: list[list[object]]) -> bytes:
    from lms.org.tabular import xlsx_bytes

    return xlsx_bytes(rows[0], rows[1:])


def test_the_declaration_is_the_one_the_pages_had(app):
    """The seven attributes, in the order the form, the page and the spreadsheets had them."""
    with app.app_context():
        assert attributes.keys() == ("gender", "rank", "position", "birth_date", "education",
                                     "party_status", "title_level")
        assert [a.header() for a in attributes.ATTRIBUTES] == [
            "性别", "职级", "职务", "出生日期", "学历", "政治面貌", "专业技术职称"]
        assert [a.header("en") for a in attributes.ATTRIBUTES][-1] == "Professional title"
