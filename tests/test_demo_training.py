"""The demo's training classes are made through the platform's own steps: one filed and
credited, one running with the demo learner called up, one waiting for review; loading twice
adds nothing."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.demo.data import DEMO_PASSWORD
from lms.extensions import db
from lms.records.models import RecordEntry
from lms.training.models import ClassEvent, TrainingClass


def test_the_demo_classes_walk_the_real_lifecycle(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    for _ in range(2):
        result = runner.invoke(args=["demo", "records"])
        assert result.exit_code == 0, result.output
    with app.app_context():
        statuses = dict(db.session.execute(select(TrainingClass.title,
                                                  TrainingClass.status)).all())
        assert sorted(statuses.values()) == ["filed", "running", "submitted"]
        assert db.session.scalar(select(func.count()).select_from(RecordEntry).where(
            RecordEntry.kind == "training_class")) == 4
        steps = set(db.session.scalars(select(ClassEvent.action)))
        assert {"submit", "approve"} <= steps
    client.post("/login", data={"username": "learner", "password": DEMO_PASSWORD})
    page = client.get("/training/me").get_data(as_text=True)
    assert "城关街道社区“两委”干部轮训班" in page
