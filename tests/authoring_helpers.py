"""Helpers shared by the authoring tests: the district of lecturers, a reviewer and a learner,
a signed-in test client, and a subject's id."""
from __future__ import annotations

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
