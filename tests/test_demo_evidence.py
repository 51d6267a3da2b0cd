"""The demo's evidence files open: every evidence link of the demo's claims answers with a
non-empty file of the type it declares, which its reader can open (a PDF with a page, a
picture with its pixels)."""
from __future__ import annotations

import hashlib
import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from lms.catalog import media
from lms.core.storage import storage
from lms.demo.data import DEMO_PASSWORD
from lms.extensions import db
from lms.records.models import Evidence


def _opens(body: bytes, mime: str) -> bool:
    if mime == "application/pdf":
        reader = PdfReader(io.BytesIO(body))
        return len(reader.pages) >= 1 and "听课证明" in "".join(
            reader.pages[0].extract_text().split())
    from PIL import Image  # installed with WeasyPrint

    image = Image.open(io.BytesIO(body))
    image.load()
    return image.width > 0 and image.height > 0


def test_every_demo_evidence_link_downloads_a_file_that_opens(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    result = runner.invoke(args=["demo", "records"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = {e.id: e.mime for e in db.session.scalars(select(Evidence))}
    assert {"application/pdf", "image/png"} <= set(rows.values())
    client.post("/login", data={"username": "learner", "password": DEMO_PASSWORD})
    html = client.get("/me/record/claims").get_data(as_text=True)
    links = re.findall(r'href="(/record/evidence/(\d+))"', html)
    assert {int(ident) for _url, ident in links} == set(rows)  # each shown on My claims
    for url, ident in links:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == rows[int(ident)]
        assert response.data and media.sniff(response.data[:64]) == response.mimetype
        assert _opens(response.data, response.mimetype), url
    client.post("/logout")
    client.post("/login", data={"username": "jd01_admin", "password": DEMO_PASSWORD})
    with app.app_context():
        claims = {e.claim_id for e in db.session.scalars(select(Evidence))}
    opened = 0
    for claim_id in claims:  # the administrator who verifies it opens the same files
        html = client.get(f"/admin/records/claims/{claim_id}").get_data(as_text=True)
        for url in re.findall(r'href="(/record/evidence/\d+)"', html):
            response = client.get(url)
            assert response.status_code == 200 and response.data, url
            opened += 1
    assert opened == len(rows)


def test_a_demo_loaded_before_gets_its_evidence_replaced(app):
    from lms.demo.records import OLD_EVIDENCE

    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    runner.invoke(args=["demo", "records"])
    with app.app_context():
        row = db.session.scalars(select(Evidence).where(
            Evidence.mime == "application/pdf")).first()
        sha, size = storage().store_stream(io.BytesIO(OLD_EVIDENCE), 10**6)
        assert sha == hashlib.sha256(OLD_EVIDENCE).hexdigest()
        row.sha256, row.size = sha, size
        db.session.commit()
        evidence_id = row.id
    result = runner.invoke(args=["demo", "records"])
    assert "evidence_replaced 1" in result.output
    with app.app_context():
        row = db.session.get(Evidence, evidence_id)
        body = b"".join(storage().chunks(row.sha256))
        assert row.size == len(body) and len(PdfReader(io.BytesIO(body)).pages) == 1
