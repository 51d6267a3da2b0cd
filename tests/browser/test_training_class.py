"""In a real browser, the whole call-up of a class: a street drafts a class plan; the
organisation department returns it with a comment; the street fixes and resubmits it; it is
approved; the street calls up its cadres and one from another street, whose administrator
releases him; two units file explanations, one accepted and one refused; each person finds
each step among the notices of My learning. The pages pass axe on a phone-sized screen."""
from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.extensions import db
from lms.org.models import Unit
from lms.training.models import Explanation, TrainingClass
from tests.records_helpers import audited_page, axe_violations
from tests.training_helpers import YEAR, trainee_status


def _inbox(page: Page, live_server: str, *texts: str) -> None:
    page.goto(f"{live_server}/me/learning")
    notices = page.locator("section.notices")
    for text in texts:
        expect(notices).to_contain_text(text)


def test_a_class_from_draft_to_explanations(app, browser, live_server, district):
    with app.app_context():
        jd01 = db.session.scalar(select(Unit.id).where(Unit.code == "JD01"))
    found: dict[str, list] = {}
    pages: dict[str, Page] = {}
    try:
        for name in ("ua1", "org", "ua2", "c1", "c2", "learn"):
            pages[name] = audited_page(browser, live_server, name)
            pages[name].on("dialog", lambda dialog: dialog.accept())  # "return?", "refuse?"
        street, org, other = pages["ua1"], pages["org"], pages["ua2"]
        # The street drafts the class.
        street.goto(f"{live_server}/training/classes/new")
        found["form"] = axe_violations(street)
        street.locator("#title").fill("城关街道中青年干部培训班")
        street.locator("#unit_id").select_option(str(jd01))
        street.locator("#category").select_option("young")
        street.locator("#form").select_option("short_off_job")
        street.locator("#starts_on").fill(f"{YEAR}-05-10")
        street.locator("#ends_on").fill(f"{YEAR}-05-09")
        street.locator("#days").fill("5")
        street.locator("#hours").fill("35")
        street.locator("#plan_text").fill("# 办班方案\n\n- 理论学习")
        street.get_by_role("button", name="保存草稿").click()
        expect(street.locator("#ends_on-err")).to_contain_text("结束日期")
        street.locator("#ends_on").fill(f"{YEAR}-05-14")
        street.get_by_role("button", name="保存草稿").click()
        expect(street.locator(".flash-success")).to_be_visible()
        class_url = street.url
        found["detail"] = axe_violations(street)
        street.get_by_role("button", name="提交审核").click()
        expect(street.locator(".next-step")).to_contain_text("提交组织部审核")
        # The department returns it with a comment.
        _inbox(org, live_server, "提交审核")
        org.goto(class_url)
        found["review"] = axe_violations(org)
        org.locator("#review-comment").fill("请补充现场教学安排")
        org.get_by_role("button", name="退回").click()
        expect(org.locator(".flash-success")).to_be_visible()
        # The street fixes it and submits it again.
        _inbox(street, live_server, "请补充现场教学安排")
        street.goto(class_url)
        expect(street.locator("#history-h + .table-wrap")).to_contain_text("请补充现场教学安排")
        street.get_by_role("link", name="修改培训班").click()
        street.locator("#plan_text").fill("# 办班方案\n\n- 理论学习\n- 现场教学：红色教育基地")
        street.get_by_role("button", name="保存草稿").click()
        street.get_by_role("button", name="提交审核").click()
        # The department approves it.
        org.goto(class_url)
        org.get_by_role("button", name="审核通过").click()
        expect(org.locator(".next-step")).to_contain_text("批准")
        _inbox(street, live_server, "审核通过")
        # The street calls up its cadres and one of the other street's.
        street.goto(class_url + "/trainees")
        found["trainees"] = axe_violations(street)
        street.locator("input[name=username][value=c1]").check()
        street.locator("input[name=username][value=learn]").check()
        street.locator("#usernames").fill("c2")
        street.locator("#note").fill("年度重点班次")
        street.get_by_role("button", name="调训", exact=True).click()
        expect(street.locator(".flash-success")).to_contain_text("已调训 3 名干部")
        with app.app_context():
            class_id = db.session.scalar(select(TrainingClass.id))
        assert trainee_status(app, class_id, "c2") == "awaiting_release"
        # The other street releases its cadre, then explains why he cannot attend.
        _inbox(other, live_server, "拟调训")
        other.goto(f"{live_server}/training/my-unit")
        found["my unit"] = axe_violations(other)
        other.get_by_role("button", name="同意", exact=True).click()
        expect(other.locator(".flash-success")).to_be_visible()
        other.locator("textarea[name=text]").fill("赵二同期参加市里专项工作")
        other.get_by_role("button", name="提交说明").click()
        expect(other.locator(".flash-success")).to_be_visible()
        # The street confirms one cadre and explains another.
        _inbox(street, live_server, "同意赵二", "赵二同期参加市里专项工作")
        street.goto(f"{live_server}/training/my-unit")
        row = street.locator("tr", has_text="李学员")
        row.get_by_role("button", name="确认").click()
        expect(street.locator(".flash-success")).to_be_visible()
        street.locator("tr", has_text="王一").locator("textarea[name=text]").fill("王一病休")
        street.locator("tr", has_text="王一").get_by_role("button", name="提交说明").click()
        expect(street.locator(".flash-success")).to_be_visible()
        # The organiser refuses the other street's explanation; its own goes to the department.
        street.goto(class_url + "/trainees")
        zhao = street.locator("tr", has_text="赵二")
        zhao.locator("textarea[name=reply]").fill("本期为必训内容")
        zhao.get_by_role("button", name="不同意：须参训").click()
        expect(street.locator(".flash-success")).to_be_visible()
        expect(street.locator("tr", has_text="王一")).to_contain_text("四眼")
        org.goto(class_url + "/trainees")
        org.locator("tr", has_text="王一").get_by_role("button", name="同意：免于参训").click()
        expect(org.locator(".flash-success")).to_be_visible()
        # Everyone concerned found each step in their notices.
        _inbox(pages["c2"], live_server, "调训参加培训班", "本期为必训内容")
        _inbox(pages["c1"], live_server, "调训参加培训班", "免于参加")
        _inbox(pages["learn"], live_server, "调训参加培训班", "已确认李学员")
        _inbox(other, live_server, "本期为必训内容")
        found["inbox"] = axe_violations(pages["c2"])
        pages["c2"].goto(class_url)
        expect(pages["c2"].locator("body")).to_contain_text("您的调训")
    finally:
        for page in pages.values():
            page.context.close()
    with app.app_context():
        assert sorted(db.session.scalars(select(Explanation.decision))) == ["accepted",
                                                                            "refused"]
    assert trainee_status(app, class_id, "c2") == "confirmed"
    assert trainee_status(app, class_id, "c1") == "excused"
    assert trainee_status(app, class_id, "learn") == "confirmed"
    assert {k: v for k, v in found.items() if v} == {}
