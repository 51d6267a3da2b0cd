"""In the browser: the organiser bundles a course in an online class, sets up and opens its
evaluation; a trainee answers it; the pages pass axe (WCAG 2 A and AA), in Chinese."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Browser, expect

from lms.catalog.models import Course, SubjectCategory
from lms.extensions import db
from lms.org import services as org_services
from lms.training.models import ClassTrainee, EvaluationResponse, TrainingClass
from tests.records_helpers import audited_page, axe_violations


@pytest.fixture
def classes(app, district) -> dict[str, int]:
    """An online class (draft) and a running class with the learner as trainee."""
    with app.app_context():
        subject = db.session.scalar(db.select(SubjectCategory.id).limit(1))
        db.session.add(Course(slug="dangshi", title="党史专题", category_id=subject,
                              status="published", hours=2.0))
        unit = org_services.unit_by_code("JD01").id
        ids = {}
        for key, form, status in (("online", "online", "draft"),
                                  ("running", "short_off_job", "running")):
            cls = TrainingClass(year=2026, title=f"{key}培训班", unit_id=unit, category="young",
                                form=form, starts_on=date(2026, 5, 11),
                                ends_on=date(2026, 5, 15), status=status, lecturers=["张老师"])
            db.session.add(cls)
            db.session.flush()
            ids[key] = cls.id
        db.session.add(ClassTrainee(class_id=ids["running"], user_id=district["learner"],
                                    unit_id=unit, status="confirmed"))
        db.session.commit()
    return ids


def test_bundle_evaluate_and_answer(app, browser: Browser, live_server, classes):
    found: dict[str, list] = {}
    page = audited_page(browser, live_server, "ua1", viewport=None)
    page.goto(f"{live_server}/training/classes/{classes['online']}/courses")
    page.get_by_label("课程名称").fill("党史")
    page.get_by_role("button", name="搜索").click()
    page.get_by_role("button", name="添加：党史专题").click()
    expect(page.get_by_role("cell", name="党史专题", exact=True)).to_be_visible()
    found["courses"] = axe_violations(page)

    page.goto(f"{live_server}/training/classes/{classes['running']}/evaluation")
    expect(page.get_by_label("问卷")).to_contain_text("@张老师")
    page.get_by_role("button", name="保存问卷").click()
    page.get_by_role("button", name="开放评估").click()
    expect(page.locator(".flashes")).to_contain_text("已通知 1 名学员")
    found["evaluation"] = axe_violations(page)
    page.goto(f"{live_server}/training/evaluations/lecturers?year=2026")
    found["lecturers"] = axe_violations(page)
    page.context.close()

    page = audited_page(browser, live_server, "learn", viewport=None)
    page.goto(f"{live_server}/training/classes/{classes['running']}/evaluate")
    found["answer"] = axe_violations(page)
    for radio in page.locator("input[type=radio][value='4']").all():
        radio.check()
    page.get_by_role("button", name="提交答卷").click()
    expect(page.locator("main")).to_contain_text("你已于")
    found["answered"] = axe_violations(page)
    page.context.close()
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(EvaluationResponse)) == 1
    assert {k: v for k, v in found.items() if v} == {}
