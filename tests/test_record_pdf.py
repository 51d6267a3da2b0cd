"""The printable record as a PDF: a download whose text layer holds the Chinese text."""
from __future__ import annotations

import io

from pypdf import PdfReader

from tests.test_record_page import YEAR, add_course, add_course_entry, add_entry, reverse


def test_pdf_text_layer_holds_the_chinese_record(app, client, auth, district):
    course_id = add_course(app, title="公文写作基础")
    add_course_entry(app, district["learner"], course_id, title="公文写作基础", hours=2.5)
    wrong = add_entry(app, district["learner"], title="应急管理专题讲座", hours=3,
                      actor=district["unit_admin"], organiser="区应急管理局")
    reverse(app, wrong, district["unit_admin"], "讲座时长登记错误")
    auth.login("learn")
    response = client.get(f"/cadres/learn/record.pdf?year={YEAR}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert f"record-learn-{YEAR}.pdf" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages)
    compact = "".join(text.split())
    for expected in ("李学员", "解放路社区", "公文写作基础", "学时", "应急管理专题讲座",
                     "讲座时长登记错误", "区应急管理局", str(YEAR)):
        assert expected in compact, expected
    assert "2.5" in compact
    fonts = {str(font) for page in reader.pages
             for font in (page["/Resources"].get("/Font") or {}).values()
             for font in [font.get_object()["/BaseFont"]]}
    assert any("Noto-Sans-CJK-SC" in f for f in fonts), fonts  # the CJK font, embedded
    assert reader.pages[0].mediabox.width == pytest_approx(595, 2)  # A4 portrait


def pytest_approx(value: float, tolerance: float):
    import pytest

    return pytest.approx(value, abs=tolerance)


def test_pdf_is_refused_outside_the_readers_scope(client, auth, district):
    auth.login("ua2")
    assert client.get("/cadres/learn/record.pdf").status_code == 404
    auth.logout()
    auth.login("c1")
    assert client.get("/cadres/learn/record.pdf").status_code == 404
