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


def test_a_units_records_print_as_one_pdf_job(app, client, auth, district, make_user):
    """The unit administrator prints every record of a unit (and the units below it) as one
    PDF, through a background job; another street's administrator cannot."""
    make_user("peer", "learner", "JD01-SQ01", name="同社区学员")
    auth.login("ua1")
    report = client.get(f"/admin/records/compliance?year={YEAR}").get_data(as_text=True)
    assert 'action="/admin/records/print"' in report and 'value="JD01"' in report
    started = client.post("/admin/records/print", data={"unit": "JD01-SQ01", "year": YEAR})
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    job = client.get(started.headers["Location"] + ".json").get_json()
    assert job["state"] == "done" and job["done"] == job["total"] == 3, job
    assert job["filename"] == f"records-JD01-SQ01-{YEAR}.pdf"
    response = client.get(job["download"])
    reader = PdfReader(io.BytesIO(response.data))
    response.close()
    texts = ["".join(page.extract_text().split()) for page in reader.pages]
    # Each cadre's record starts on a sheet of its own, in username order.
    first = [n for n, text in enumerate(texts) if "李学员" in text]
    second = [n for n, text in enumerate(texts) if "同社区学员" in text]
    assert first and second and max(first) < min(second)
    auth.logout()
    auth.login("ua2")
    assert client.post("/admin/records/print", data={"unit": "JD01-SQ01",
                                                     "year": YEAR}).status_code == 404
