"""API: training classes — drafting with field errors, review steps with four eyes, scope,
and call-ups all or none."""
from __future__ import annotations

import pytest

from lms.auth.models import User
from lms.auth.services import create_token
from lms.extensions import db
from tests.training_helpers import (
    YEAR,
    class_count,
    class_status,
    notices,
    trainee_status,
    unit_id,
)


@pytest.fixture
def world(district, make_user):
    make_user("org2", "org_admin", "QU", name="组织部二")
    return district


def _headers(app, username: str) -> dict:
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username=username))
        return {"Authorization": f"Bearer {create_token(user, 'test')}"}


def _body(app, **changes) -> dict:
    body = {"title": "城关街道党务干部培训班", "unit_id": unit_id(app, "JD01"),
            "category": "org_personnel", "form": "short_off_job",
            "starts_on": f"{YEAR}-06-01", "ends_on": f"{YEAR}-06-03", "days": 3, "hours": 21,
            "capacity": 5, "lecturers": ["张教授"], "plan_text": "## 方案\n\n三天集中学习"}
    body.update(changes)
    return body


def test_the_whole_review_through_the_api(app, client, world):
    ua1, org, org2 = (_headers(app, name) for name in ("ua1", "org", "org2"))
    created = client.post("/api/v1/classes", json=_body(app), headers=ua1)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["status"] == "draft" and "<h2" in data["plan_html"]
    class_id = data["id"]
    assert client.post(f"/api/v1/classes/{class_id}/submit", headers=ua1).status_code == 200
    # The street cannot approve; the department returns only with a comment.
    assert client.post(f"/api/v1/classes/{class_id}/approve", headers=ua1).status_code == 403
    refused = client.post(f"/api/v1/classes/{class_id}/return", json={}, headers=org)
    assert refused.status_code == 422 and "comment" in refused.get_json()["fields"]
    returned = client.post(f"/api/v1/classes/{class_id}/return", json={"comment": "请细化课程"},
                           headers=org)
    assert returned.status_code == 200 and returned.get_json()["status"] == "returned"
    assert client.post(f"/api/v1/classes/{class_id}/approve",
                       headers=org).status_code == 409
    client.post(f"/api/v1/classes/{class_id}/submit", headers=ua1)
    approved = client.post(f"/api/v1/classes/{class_id}/approve", headers=org2)
    assert approved.get_json()["status"] == "approved"
    listed = client.get("/api/v1/classes?status=approved", headers=ua1).get_json()
    assert [c["id"] for c in listed["items"]] == [class_id] and listed["total"] == 1
    # Call-ups: all or none, every username at fault named.
    bad = client.post(f"/api/v1/classes/{class_id}/trainees",
                      json={"usernames": ["c1", "ghost", "zz9"]}, headers=ua1)
    assert bad.status_code == 422
    message = bad.get_json()["fields"]["usernames"]
    assert "ghost" in message and "zz9" in message and "c1" not in message.split("：", 1)[1]
    assert trainee_status(app, class_id, "c1") is None
    good = client.post(f"/api/v1/classes/{class_id}/trainees",
                       json={"usernames": ["c1", "c2"], "note": "重点培训"}, headers=ua1)
    assert good.status_code == 201
    statuses = {t["username"]: t["status"] for t in good.get_json()["trainees"]}
    assert statuses == {"c1": "assigned", "c2": "awaiting_release"}
    assert any("重点培训" in m for m in notices(app, "c1", "class_trainee"))


def test_the_department_never_approves_what_it_submitted(app, client, world):
    org = _headers(app, "org")
    class_id = client.post("/api/v1/classes", json=_body(app, unit_id=unit_id(app, "QU")),
                           headers=org).get_json()["id"]
    client.post(f"/api/v1/classes/{class_id}/submit", headers=org)
    refused = client.post(f"/api/v1/classes/{class_id}/approve", headers=org)
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "four_eyes"
    assert class_status(app, class_id) == "submitted"


@pytest.mark.parametrize("changes, field", [
    ({"ends_on": f"{YEAR}-05-01"}, "ends_on"),
    ({"title": ""}, "title"),
    ({"days": 30}, "days"),
    ({"hours": 1e6}, "hours"),
    ({"unit_id": 999999}, "unit_id"),
    ({"lecturers": "张教授"}, None),  # text, one per line, is accepted too
    ({"capacity": 1.5}, "capacity"),
    ({"organiser_kind": "outside"}, "organiser_name"),
    ({"starts_on": 20260101}, "starts_on"),
])
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_written(app, client, world,
                                                                    changes, field):
    ua1 = _headers(app, "ua1")
    response = client.post("/api/v1/classes", json=_body(app, **changes), headers=ua1)
    if field is None:
        assert response.status_code == 201
        return
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["fields"]
    assert class_count(app) == 0


def test_scope_another_street_gets_404_and_a_learner_cannot_draft(app, client, world):
    ua1, ua2 = _headers(app, "ua1"), _headers(app, "ua2")
    class_id = client.post("/api/v1/classes", json=_body(app), headers=ua1).get_json()["id"]
    assert client.get(f"/api/v1/classes/{class_id}", headers=ua2).status_code == 404
    assert client.post(f"/api/v1/classes/{class_id}/submit", headers=ua2).status_code == 404
    assert client.get("/api/v1/classes", headers=ua2).get_json()["total"] == 0
    assert client.post("/api/v1/classes", json=_body(app, unit_id=unit_id(app, "JD02")),
                       headers=ua1).status_code == 422
    learner = _headers(app, "learn")
    assert client.post("/api/v1/classes", json=_body(app), headers=learner).status_code == 403
    assert client.post("/api/v1/classes", data="[]", headers={
        **ua1, "Content-Type": "application/json"}).status_code == 400
