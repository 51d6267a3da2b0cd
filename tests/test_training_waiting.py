"""The home page tells each administrator what training work waits for them: a class plan
to review (the department), call-ups of their cadres to answer, explanations and leave
requests on their classes to decide."""
from __future__ import annotations

import re

from lms.extensions import db
from lms.training import models as t
from tests.training_attendance_helpers import build_class


def _tiles(html: str) -> dict[str, str]:
    """Each "waiting" tile's label and number."""
    return {label.strip(): int(n) for n, label in re.findall(
        r'class="waiting-count[^"]*">(\d+)</span>([^<]+)</a>', html)}


def test_the_home_page_counts_training_work_waiting(app, client, auth, district):
    with app.app_context():
        world = build_class(district)
        trainees = {key: db.session.get(t.ClassTrainee, tid)
                    for key, tid in world.trainees.items()}
        db.session.add(t.Explanation(trainee_id=trainees["learner"].id, text="病假"))
        db.session.add(t.LeaveRequest(session_id=world.sessions["tomorrow"],
                                      user_id=district["cadre_jd01"], reason="开会"))
        draft = db.session.get(t.TrainingClass, world.cls)
        db.session.add(t.TrainingClass(year=draft.year, title="待审核班", unit_id=draft.unit_id,
                                       category="young", form="lecture",
                                       starts_on=draft.starts_on, ends_on=draft.ends_on,
                                       status="submitted"))
        db.session.commit()
    auth.login("ua1")
    street = client.get("/").get_data(as_text=True)
    tiles = _tiles(street)
    assert "待审核的办班方案" not in tiles  # the street reviews no class plans
    # 赵二 is of another street (his own answers); 王一 and 李学员 stand confirmed.
    assert (tiles["待答复的本单位干部调训"], tiles["待决定的说明"], tiles["待决定的请假申请"]) \
        == (0, 1, 1)
    auth.logout()
    auth.login("org")
    assert _tiles(client.get("/").get_data(as_text=True))["待审核的办班方案"] == 1
    auth.logout()
    auth.login("learn")
    assert "待决定的说明" not in client.get("/").get_data(as_text=True)
