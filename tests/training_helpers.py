"""Shared set-up of the training tests: a district with a second department administrator
(four eyes), a class drafted through the page, and reading notices."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lms.auth.models import User
from lms.extensions import db
from lms.org.models import Unit
from lms.progress.models import Notice
from lms.training.models import ClassTrainee, TrainingClass

YEAR = date.today().year + 1


def class_form(unit_id: int, **changes) -> dict:
    """A valid class form of `unit_id`."""
    data = {"title": "城关街道中青年干部培训班", "unit_id": str(unit_id),
            "organiser_kind": "unit", "organiser_name": "", "category": "young",
            "form": "short_off_job", "audience": "街道中青年干部",
            "starts_on": f"{YEAR}-05-10", "ends_on": f"{YEAR}-05-14", "days": "5",
            "hours": "35", "venue": "区委党校", "lecturers": "张教授\n李老师",
            "capacity": "10", "plan_text": "# 办班方案\n\n- 理论学习\n- 现场教学",
            "plan_item_id": ""}
    data.update(changes)
    return data


def unit_id(app, code: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Unit.id).where(Unit.code == code))


def user_id(app, username: str) -> int:
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.username == username))


def notices(app, username: str, kind: str | None = None) -> list[str]:
    with app.app_context():
        stmt = select(Notice.message).join(User, User.id == Notice.user_id).where(
            User.username == username)
        if kind:
            stmt = stmt.where(Notice.kind == kind)
        return list(db.session.scalars(stmt.order_by(Notice.id)))


def class_status(app, class_id: int) -> str:
    with app.app_context():
        return db.session.get(TrainingClass, class_id).status


def trainee_status(app, class_id: int, username: str) -> str | None:
    with app.app_context():
        return db.session.scalar(select(ClassTrainee.status).join(
            User, User.id == ClassTrainee.user_id).where(
            ClassTrainee.class_id == class_id, User.username == username))


def class_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(db.func.count()).select_from(TrainingClass))


def approved_class(app, client, auth, **changes) -> int:
    """A class of JD01 drafted by ua1, submitted, approved by org (returns its id)."""
    auth.login("ua1")
    response = client.post("/training/classes/new",
                           data=class_form(unit_id(app, "JD01"), **changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    class_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert client.post(f"/training/classes/{class_id}/submit").status_code == 302
    auth.logout()
    auth.login("org")
    client.post(f"/training/classes/{class_id}/review", data={"decision": "approve"})
    auth.logout()
    assert class_status(app, class_id) == "approved"
    return class_id
