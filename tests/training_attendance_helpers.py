"""A running class for the attendance and closing tests: the class of 城关街道 (JD01, run by
ua1), 35 study hours over 5 days around today, four sessions (one held, one running now, two
tomorrow: 5, 2, 5 and 0.5 hours), and three trainees (c1 and 李学员 confirmed, 赵二 of JD02
assigned)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import pytest

from lms.core.timeutil import from_local, local_today, utcnow
from lms.extensions import db
from lms.training import models as t


@dataclass
class ClassWorld:
    cls: int
    sessions: dict[str, int] = field(default_factory=dict)  # past, now, tomorrow, late
    trainees: dict[str, int] = field(default_factory=dict)  # user key -> ClassTrainee id
    users: dict[str, int] = field(default_factory=dict)


def local(day_offset: int, hour: int, minute: int = 0) -> datetime:
    """A naive UTC time at `hour` local time, `day_offset` days from today."""
    return from_local(datetime.combine(local_today() + timedelta(days=day_offset),
                                       time(hour, minute)))


def build_class(district: dict, *, status: str = "running", form: str = "short_off_job",
                unit_code: str = "JD01", hours: float = 35.0) -> ClassWorld:
    """Create the class (inside an app context) and return its ids."""
    from lms.org import services

    unit = services.unit_by_code(unit_code)
    today = local_today()
    cls = t.TrainingClass(year=today.year, title="中青年干部培训班", unit_id=unit.id,
                          category="young", form=form, starts_on=today - timedelta(days=2),
                          ends_on=today + timedelta(days=2), days=5, hours=hours,
                          status=status, created_by=district["unit_admin"])
    db.session.add(cls)
    db.session.flush()
    now = utcnow().replace(microsecond=0)
    rows = {
        "past": t.ClassSession(class_id=cls.id, title="开班式", starts_at=local(-1, 9),
                               ends_at=local(-1, 12), hours=5),
        "now": t.ClassSession(class_id=cls.id, title="专题辅导", starts_at=now - timedelta(
            minutes=30), ends_at=now + timedelta(hours=2), hours=2),
        "tomorrow": t.ClassSession(class_id=cls.id, title="现场教学", starts_at=local(1, 9),
                                   ends_at=local(1, 12), hours=5),
        "late": t.ClassSession(class_id=cls.id, title="结业测试", starts_at=local(1, 14),
                               ends_at=local(1, 15), hours=0.5),
    }
    db.session.add_all(rows.values())
    world = ClassWorld(cls=cls.id, users=dict(district))
    for key, unit_of, state in (("cadre_jd01", "JD01", "confirmed"),
                                ("learner", "JD01-SQ01", "confirmed"),
                                ("cadre_jd02", "JD02", "assigned")):
        row = t.ClassTrainee(class_id=cls.id, user_id=district[key],
                             unit_id=services.unit_by_code(unit_of).id, status=state)
        db.session.add(row)
        db.session.flush()
        world.trainees[key] = row.id
    db.session.commit()
    world.sessions = {k: v.id for k, v in rows.items()}
    return world


@pytest.fixture
def running(app, district) -> ClassWorld:
    with app.app_context():
        return build_class(district)
