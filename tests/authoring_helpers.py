"""Helpers shared by the authoring tests: the district of lecturers, a reviewer and a learner,
a signed-in test client, a subject's id, and a package folder zipped."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.catalog.models import SubjectCategory
from lms.extensions import db
from tests.conftest import PASSWORD


@pytest.fixture(name="people")
def authoring_people(make_unit, make_user) -> None:
    """District QU with two lecturers, an organisation officer and a learner (taken as
    `people`: a test module imports `authoring_people`)."""
    make_unit("QU", "青山区", "district")
    make_user("lect", "lecturer", "QU", name="教师甲")
    make_user("lect2", "lecturer", "QU", name="教师乙")
    make_user("org", "org_admin", "QU", name="组织部")
    make_user("learn", "learner", "QU", name="学员")


def as_user(app: Flask, username: str) -> FlaskClient:
    """A test client signed in as `username`."""
    client = app.test_client()
    client.post("/login", data={"username": username, "password": PASSWORD})
    return client


def subject_id(app: Flask, name: str = "应急管理") -> int:
    """The id of the subject category called `name`."""
    with app.app_context():
        return db.session.scalar(db.select(SubjectCategory.id).filter_by(name=name))


def zipped(folder: Path) -> bytes:
    """The files under `folder` as a zip archive, named relative to it."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder).as_posix())
    return out.getvalue()
