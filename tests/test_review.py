"""Course review: a confirmed submission, a review page that reads the course as a learner
would with comments per activity, publish or return, and the lecturer reading the comments."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.assessment.models import Attempt
from lms.auth.models import User
from lms.catalog.models import Activity, ActivityState, Course, ReviewComment
from lms.extensions import db
from lms.progress.models import Enrolment
from tests.authoring_helpers import as_user
from tests.conftest import COURSES

SLUG = "gongwen-xiezuo"


@pytest.fixture
def draft(app, make_unit, make_user, import_course) -> int:
    """The sample course 公文写作基础 as the demo lecturer's draft; two reviewers, a learner."""
    make_unit("QU", "青山区", "district")
    make_user("lecturer", "lecturer", "QU", name="党校教师")
    make_user("org", "org_admin", "QU", name="组织部甲")
    make_user("org2", "org_admin", "QU", name="组织部乙")
    make_user("learn", "learner", "QU", name="李学员")
    import_course(COURSES / SLUG, new_status="draft")
    with app.app_context():
        course = db.session.scalar(select(Course).filter_by(slug=SLUG))
        course.owner_id = db.session.scalar(select(User.id).filter_by(username="lecturer"))
        db.session.commit()
        return course.id


def _status(app, course_id: int) -> str:
    with app.app_context():
        return db.session.get(Course, course_id).status


def _activity(app, key: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Activity.id).filter_by(key=key))


def _submit(client, course_id: int):
    return client.post(f"/teach/courses/{course_id}/submit", data={"confirm": "y"})


def test_submitting_asks_for_confirmation_first(app, draft):
    lect = as_user(app, "lecturer")
    course_page = lect.get(f"/teach/courses/{draft}").get_data(as_text=True)
    assert f'href="/teach/courses/{draft}/submit"' in course_page  # a link, not a POST button
    page = lect.get(f"/teach/courses/{draft}/submit").get_data(as_text=True)
    assert "锁定" in page and "组织部甲" in page and "组织部乙" in page
    unconfirmed = lect.post(f"/teach/courses/{draft}/submit", data={})
    assert unconfirmed.status_code == 200 and "请勾选以确认" in unconfirmed.get_data(
        as_text=True)
    assert _status(app, draft) == "draft"
    done = _submit(lect, draft)
    assert done.status_code == 302 and _status(app, draft) == "review"
    assert lect.get(f"/teach/courses/{draft}/submit").status_code == 403  # locked, and says so


def test_review_page_shows_the_learner_view_and_counts_nothing(app, draft):
    _submit(as_user(app, "lecturer"), draft)
    org = as_user(app, "org")
    queue = org.get("/teach/review").get_data(as_text=True)
    assert f"/teach/courses/{draft}/review" in queue
    page = org.get(f"/teach/courses/{draft}/review").get_data(as_text=True)
    assert "公文是党政机关在履行职能" in page  # the lecture as learners read it
    assert "公文的性质、作用与种类" in page and "课程测验" in page and "及格分" in page
    # Read-only: no study clock, no attempt button, no question and no answer feedback.
    assert "data-beat-url" not in page and "/attempts" not in page
    assert "党政机关公文共有多少个文种" not in page
    assert "条例规定了决议、决定、命令（令）等十五种公文" not in page
    with app.app_context():
        for model in (ActivityState, Attempt, Enrolment):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0


def test_comments_per_activity_then_return_and_publish(app, draft):
    lect = as_user(app, "lecturer")
    _submit(lect, draft)
    org = as_user(app, "org")
    gaishu = _activity(app, "gaishu")
    org.post(f"/teach/courses/{draft}/review/comments",
             data={"activity_id": str(gaishu), "text": "第一讲请补充条例原文出处。"})
    org.post(f"/teach/courses/{draft}/review/comments", data={"text": "整体结构清楚。"})
    empty = org.post(f"/teach/courses/{draft}/review/comments", data={"text": " "},
                     follow_redirects=True)
    assert "请先填写意见" in empty.get_data(as_text=True)
    page = org.get(f"/teach/courses/{draft}/review").get_data(as_text=True)
    assert "第一讲请补充条例原文出处。" in page and "整体结构清楚。" in page
    with app.app_context():
        rows = db.session.scalars(select(ReviewComment).order_by(ReviewComment.id)).all()
        assert [(r.activity_id, r.round) for r in rows] == [(gaishu, 1), (None, 1)]

    returned = org.post(f"/teach/courses/{draft}/review",
                        data={"comment": "请按意见修改。", "send_back": "1"})
    assert returned.status_code == 302 and _status(app, draft) == "draft"
    # The lecturer reads the comments on the course page and beside the activity in the editor.
    course_page = lect.get(f"/teach/courses/{draft}").get_data(as_text=True)
    assert "第一讲请补充条例原文出处。" in course_page and "整体结构清楚。" in course_page
    assert "请按意见修改。" in course_page
    editor = lect.get(f"/teach/activities/{gaishu}/edit").get_data(as_text=True)
    assert "第一讲请补充条例原文出处。" in editor and "整体结构清楚。" not in editor
    other = lect.get(f"/teach/activities/{_activity(app, 'geshi')}/edit").get_data(as_text=True)
    assert "第一讲请补充条例原文出处。" not in other

    _submit(lect, draft)  # the second round
    org.post(f"/teach/courses/{draft}/review/comments",
             data={"activity_id": str(gaishu), "text": "已按意见修改。"})
    page = org.get(f"/teach/courses/{draft}/review").get_data(as_text=True)
    assert "第 2 轮" in page and "第 1 轮" in page
    org.post(f"/teach/courses/{draft}/review", data={"comment": "", "publish": "1"})
    assert _status(app, draft) == "published"


def test_nobody_reviews_a_course_they_lecture(app, draft):
    lect = as_user(app, "lecturer")
    _submit(lect, draft)
    with app.app_context():
        course = db.session.get(Course, draft)
        course.lecturers.append(db.session.scalar(select(User).filter_by(username="org2")))
        db.session.commit()
    org2 = as_user(app, "org2")
    page = org2.get(f"/teach/courses/{draft}/review").get_data(as_text=True)
    assert "须由组织部的其他审核人发布或退回" in page and 'name="publish"' not in page
    refused = org2.post(f"/teach/courses/{draft}/review", data={"publish": "1"},
                        follow_redirects=True)
    assert "须由组织部的其他审核人发布或退回" in refused.get_data(as_text=True)
    org2.post(f"/teach/courses/{draft}/review/comments", data={"text": "自己评自己。"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewComment)) == 0
    assert _status(app, draft) == "review"
    # The confirmation page names the reviewers who may decide: not a lecturer of the course.
    with app.app_context():
        db.session.get(Course, draft).status = "draft"
        db.session.commit()
    confirm = lect.get(f"/teach/courses/{draft}/submit").get_data(as_text=True)
    assert "组织部甲" in confirm and "组织部乙" not in confirm
    as_user(app, "org").post(f"/teach/courses/{draft}/review", data={"publish": "1"})
    assert _status(app, draft) == "published"


def test_only_reviewers_open_the_review_page(app, draft):
    lect = as_user(app, "lecturer")
    _submit(lect, draft)
    assert lect.get(f"/teach/courses/{draft}/review").status_code == 404
    assert lect.post(f"/teach/courses/{draft}/review/comments",
                     data={"text": "x"}).status_code == 404
    assert lect.post(f"/teach/courses/{draft}/review", data={"publish": "1"}
                     ).status_code == 404
    learner = as_user(app, "learn")
    assert learner.get(f"/teach/courses/{draft}/review").status_code == 403
    assert learner.post(f"/teach/courses/{draft}/review/comments",
                        data={"text": "x"}).status_code == 403
    assert as_user(app, "org").get("/teach/courses/999999/review").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReviewComment)) == 0
    assert _status(app, draft) == "review"
