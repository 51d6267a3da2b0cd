"""Call-ups (调训): naming cadres inside and outside the organiser's subtree, release by the
cadre's unit, quotas filled by nomination, capacity, confirmation, explanations accepted or
refused by the authority that called the cadre up, and who is told at each step."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from lms.audit.models import AdminEvent
from lms.extensions import db
from lms.training.models import ClassQuota, ClassTrainee, Explanation
from tests.training_helpers import approved_class, notices, trainee_status


@pytest.fixture
def world(district, make_user):
    make_user("org2", "org_admin", "QU", name="组织部二")
    make_user("c1b", "learner", "JD01", name="王二")
    make_user("c2b", "learner", "JD02", name="赵三")
    make_user("ua1b", "unit_admin", "JD01", name="城关二")
    return district


def _trainee_id(app, class_id: int, username: str) -> int:
    from lms.auth.models import User

    with app.app_context():
        return db.session.scalar(select(ClassTrainee.id).join(
            User, User.id == ClassTrainee.user_id).where(
            ClassTrainee.class_id == class_id, User.username == username))


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(db.func.count()).select_from(model))


def test_calling_up_inside_and_outside_the_subtree(app, client, auth, world):
    class_id = approved_class(app, client, auth)
    auth.login("ua1")
    response = client.post(f"/training/classes/{class_id}/trainees",
                           data={"username": ["c1", "learn"], "usernames": "c2",
                                 "note": "年度重点培训"}, follow_redirects=True)
    assert "已调训 3 名干部" in response.get_data(as_text=True)
    assert trainee_status(app, class_id, "c1") == "assigned"
    assert trainee_status(app, class_id, "learn") == "assigned"  # a community below
    assert trainee_status(app, class_id, "c2") == "awaiting_release"
    assert any("年度重点培训" in m for m in notices(app, "c1", "class_trainee"))
    assert notices(app, "c2") == []  # told once released
    assert any("同意" in m for m in notices(app, "ua2", "class_trainee"))
    # The street's other administrator hears about its cadres.
    assert any("王一" in m for m in notices(app, "ua1b", "class_trainee"))
    auth.logout()
    # The other street releases its cadre from "Call-ups for my unit".
    auth.login("ua2")
    page = client.get("/training/my-unit").get_data(as_text=True)
    assert "赵二" in page and "王一" not in page
    trainee = _trainee_id(app, class_id, "c2")
    client.post(f"/training/trainees/{trainee}/release")
    assert trainee_status(app, class_id, "c2") == "assigned"
    assert any("调训" in m for m in notices(app, "c2", "class_trainee"))
    assert any("同意" in m for m in notices(app, "ua1", "class_trainee"))
    # ... and may read the class plan it released its cadre to.
    assert client.get(f"/training/classes/{class_id}").status_code == 200
    # A street cannot answer for another street's cadre.
    assert client.post(f"/training/trainees/{_trainee_id(app, class_id, 'c1')}/confirm"
                       ).status_code == 404
    auth.logout()
    # The cadre sees the class and their own standing.
    auth.login("c2")
    page = client.get(f"/training/classes/{class_id}").get_data(as_text=True)
    assert "您的调训" in page and "办理记录" not in page


def test_declining_a_release_removes_the_call_up_and_tells_the_organiser(app, client, auth,
                                                                         world):
    class_id = approved_class(app, client, auth)
    auth.login("ua1")
    client.post(f"/training/classes/{class_id}/trainees", data={"usernames": "c2"})
    auth.logout()
    auth.login("ua2")
    trainee = _trainee_id(app, class_id, "c2")
    client.post(f"/training/trainees/{trainee}/release", data={"decision": "decline"})
    assert trainee_status(app, class_id, "c2") == "awaiting_release"  # a reason is needed
    client.post(f"/training/trainees/{trainee}/release",
                data={"decision": "decline", "reason": "同期有重要任务"})
    assert trainee_status(app, class_id, "c2") is None
    assert any("同期有重要任务" in m for m in notices(app, "ua1", "class_trainee"))
    with app.app_context():
        assert "decline" in [d["action"] for d in db.session.scalars(select(
            AdminEvent.detail).where(AdminEvent.action == "class.trainees"))]


def test_the_department_calls_up_anyone_of_the_district_without_release(app, client, auth,
                                                                        world):
    class_id = approved_class(app, client, auth)
    auth.login("org")
    client.post(f"/training/classes/{class_id}/trainees", data={"usernames": "c2"})
    assert trainee_status(app, class_id, "c2") == "assigned"


def test_bad_names_and_capacity_are_refused_naming_each_and_writing_nothing(app, client, auth,
                                                                           world):
    class_id = approved_class(app, client, auth, capacity="2")
    auth.login("ua1")
    text = client.post(f"/training/classes/{class_id}/trainees",
                       data={"usernames": "c1\nnobody\nsys"},
                       follow_redirects=True).get_data(as_text=True)
    assert "nobody" in text and "sys" in text and _count(app, ClassTrainee) == 0
    text = client.post(f"/training/classes/{class_id}/trainees",
                       data={"usernames": "c1\nc1b\nlearn"},
                       follow_redirects=True).get_data(as_text=True)
    assert "计划人数为 2 人" in text and _count(app, ClassTrainee) == 0
    client.post(f"/training/classes/{class_id}/trainees", data={"usernames": "c1"})
    text = client.post(f"/training/classes/{class_id}/trainees", data={"usernames": "c1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "已在该培训班中" in text and _count(app, ClassTrainee) == 1


def test_no_call_ups_before_approval(app, client, auth, world):
    from tests.training_helpers import class_form, unit_id

    auth.login("ua1")
    response = client.post("/training/classes/new", data=class_form(unit_id(app, "JD01")))
    class_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    client.post(f"/training/classes/{class_id}/trainees", data={"usernames": "c1"})
    assert _count(app, ClassTrainee) == 0


def test_quotas_are_filled_by_the_unit_up_to_their_seats(app, client, auth, world):
    class_id = approved_class(app, client, auth)
    auth.login("ua1")
    # A street gives seats only within its subtree.
    client.post(f"/training/classes/{class_id}/quotas", data={"unit": "JD02", "seats": "1"})
    assert _count(app, ClassQuota) == 0
    auth.logout()
    auth.login("org")
    client.post(f"/training/classes/{class_id}/quotas", data={"unit": "JD02", "seats": "1"})
    assert any("名额" in m for m in notices(app, "ua2", "class_trainee"))
    with app.app_context():
        quota_id = db.session.scalar(select(ClassQuota.id))
    auth.logout()
    auth.login("ua2")
    text = client.post(f"/training/quotas/{quota_id}/nominate",
                       data={"usernames": "c2\nc2b"},
                       follow_redirects=True).get_data(as_text=True)
    assert "名额为 1 个" in text and _count(app, ClassTrainee) == 0
    text = client.post(f"/training/quotas/{quota_id}/nominate", data={"usernames": "c1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "c1" in text and _count(app, ClassTrainee) == 0  # not a cadre of the unit
    client.post(f"/training/quotas/{quota_id}/nominate", data={"usernames": "c2"})
    assert trainee_status(app, class_id, "c2") == "confirmed"
    assert any("调训" in m for m in notices(app, "c2", "class_trainee"))
    assert any("推荐" in m for m in notices(app, "ua1", "class_trainee"))
    auth.logout()
    auth.login("ua1")
    assert client.post(f"/training/quotas/{quota_id}/nominate",
                       data={"usernames": "c1"}).status_code == 404


def test_explanations_accepted_and_refused_by_the_calling_authority(app, client, auth, world):
    class_id = approved_class(app, client, auth)
    auth.login("ua1")
    client.post(f"/training/classes/{class_id}/trainees", data={"usernames": "c1\nc1b\nc2"})
    auth.logout()
    auth.login("ua2")
    client.post(f"/training/trainees/{_trainee_id(app, class_id, 'c2')}/release")
    before = _count(app, Explanation)
    client.post(f"/training/trainees/{_trainee_id(app, class_id, 'c2')}/explain",
                data={"text": ""})
    assert _count(app, Explanation) == before  # the text is required
    client.post(f"/training/trainees/{_trainee_id(app, class_id, 'c2')}/explain",
                data={"text": "赵二同期出国考察"})
    assert trainee_status(app, class_id, "c2") == "explained"
    assert any("赵二同期出国考察" in m for m in notices(app, "ua1", "explanation"))
    auth.logout()
    auth.login("ua1")
    client.post(f"/training/trainees/{_trainee_id(app, class_id, 'c1')}/confirm")
    assert trainee_status(app, class_id, "c1") == "confirmed"
    client.post(f"/training/trainees/{_trainee_id(app, class_id, 'c1b')}/explain",
                data={"text": "王二病休"})
    with app.app_context():
        own = db.session.scalar(select(Explanation.id).where(Explanation.text == "王二病休"))
        other = db.session.scalar(select(Explanation.id).where(
            Explanation.text == "赵二同期出国考察"))
    # Never the one who filed it.
    text = client.post(f"/training/explanations/{own}/decide", data={"decision": "accept"},
                       follow_redirects=True).get_data(as_text=True)
    assert "四眼" in text and trainee_status(app, class_id, "c1b") == "explained"
    # The organiser refuses the other street's explanation (a reply is required).
    client.post(f"/training/explanations/{other}/decide", data={"decision": "refuse"})
    assert trainee_status(app, class_id, "c2") == "explained"
    client.post(f"/training/explanations/{other}/decide",
                data={"decision": "refuse", "reply": "本期为必训内容"})
    assert trainee_status(app, class_id, "c2") == "confirmed"
    assert any("本期为必训内容" in m for m in notices(app, "c2", "explanation"))
    assert any("本期为必训内容" in m for m in notices(app, "ua2", "explanation"))
    auth.logout()
    # Another street cannot decide; the department can.
    auth.login("ua2")
    assert client.post(f"/training/explanations/{own}/decide",
                       data={"decision": "accept"}).status_code == 404
    auth.logout()
    auth.login("org")
    client.post(f"/training/explanations/{own}/decide", data={"decision": "accept"})
    assert trainee_status(app, class_id, "c1b") == "excused"
    assert any("同意" in m for m in notices(app, "c1b", "explanation"))
    # A refused explanation is not filed again.
    auth.logout()
    auth.login("ua2")
    client.post(f"/training/trainees/{_trainee_id(app, class_id, 'c2')}/explain",
                data={"text": "再次说明"})
    assert trainee_status(app, class_id, "c2") == "confirmed"


def test_my_unit_runs_a_bounded_number_of_queries(app, client, auth, world, make_user,
                                                  page_queries):
    class_id = approved_class(app, client, auth)
    auth.login("ua1")
    client.post(f"/training/classes/{class_id}/trainees", data={"usernames": "c1"})
    few, _size = page_queries(client, "/training/my-unit")
    trainees_few, _size = page_queries(client, f"/training/classes/{class_id}/trainees")
    for n in range(5):
        make_user(f"jd{n}", "learner", "JD01")
    client.post(f"/training/classes/{class_id}/trainees",
                data={"usernames": "\n".join(f"jd{n}" for n in range(5))})
    many, _size = page_queries(client, "/training/my-unit")
    trainees_many, _size = page_queries(client, f"/training/classes/{class_id}/trainees")
    assert many == few and trainees_many == trainees_few


def test_the_call_up_list_finds_cadres_of_the_subtree_by_username_or_name(app, client, auth,
                                                                          world):
    class_id = approved_class(app, client, auth)
    auth.login("ua1")
    text = client.get(f"/training/classes/{class_id}/trainees?q=王").get_data(as_text=True)
    assert 'value="c1"' in text and 'value="c1b"' in text and 'value="learn"' not in text
    assert 'value="c2"' not in client.get(f"/training/classes/{class_id}/trainees").get_data(
        as_text=True)  # another street's cadres are named by username only


def test_the_services_other_parts_call(app, client, auth, world):
    """`call_up`, `trainees` and `expected_trainees` called directly, as the sessions and
    closing parts do."""
    from lms.auth.models import User
    from lms.training.callup import services
    from lms.training.classes.validation import Invalid
    from lms.training.models import TrainingClass

    class_id = approved_class(app, client, auth, capacity="3")
    with app.test_request_context():
        cls = db.session.get(TrainingClass, class_id)
        ua1 = db.session.scalar(select(User).filter_by(username="ua1"))
        rows = services.call_up(cls, ["c1", "c2"], ua1, "说明")
        assert {r.status for r in rows} == {"assigned", "awaiting_release"}
        with pytest.raises(Invalid) as refused:
            services.call_up(cls, ["c1b", "learn"], ua1)
        assert "3" in refused.value.problems["usernames"]
        assert [t.user.username for t in services.expected_trainees(cls)] == ["c1"]
        assert len(services.trainees(cls)) == 2 and services.seats_taken(cls) == 2
