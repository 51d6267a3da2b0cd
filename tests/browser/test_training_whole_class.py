"""A whole training class in a real browser, from the street's draft to the district's
figures: the street drafts the class plan; the organisation department returns it; the
street fixes and resubmits it; it is approved; cadres are called up, one of them from another
street after that street releases him; one explanation is accepted and one refused; the
sessions are added and the class starts; attendance is taken by code; one trainee passes the
1/7 leave limit and is withdrawn; the class closes; the others' hours appear on their records
and in the dashboard's counts; the department files it; everyone concerned found each step
in their inbox."""
from __future__ import annotations

from datetime import datetime, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from lms.core.timeutil import local_time, local_today, utcnow
from lms.extensions import db
from lms.records.models import RecordEntry
from lms.training.models import ClassSession, TrainingClass
from tests.records_helpers import PHONE, audited_page
from tests.training_helpers import trainee_status, unit_id


def _inbox(page: Page, live_server: str, *texts: str) -> None:
    """Each text is in one of the person's notices (the inbox, newest first)."""
    page.goto(f"{live_server}/me/inbox")
    for text in texts:
        expect(page.locator("main")).to_contain_text(text)


def _local(moment: datetime) -> str:
    """A naive UTC time as the browser's datetime-local input takes it."""
    return local_time(moment).strftime("%Y-%m-%dT%H:%M")


def _session(app, title: str) -> int:
    with app.app_context():
        return db.session.scalar(select(ClassSession.id).where(ClassSession.title == title))


def test_a_whole_class_from_draft_to_the_figures(app, browser, live_server, district,
                                                 make_user):
    make_user("c3", "learner", "JD01", name="孙三")
    jd01 = unit_id(app, "JD01")
    today, now = local_today(), utcnow().replace(second=0, microsecond=0)
    tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time())
    pages: dict[str, Page] = {}
    try:
        for name in ("ua1", "org", "ua2"):
            pages[name] = audited_page(browser, live_server, name, viewport=None)
            pages[name].on("dialog", lambda dialog: dialog.accept())
        for name in ("learn", "c1", "c2", "c3"):
            pages[name] = audited_page(browser, live_server, name, viewport=PHONE)
        street, org, other = pages["ua1"], pages["org"], pages["ua2"]

        # 1. The street drafts the class plan and submits it.
        street.goto(f"{live_server}/training/classes/new")
        street.locator("#title").fill("城关街道中青年干部培训班")
        street.locator("#unit_id").select_option(str(jd01))
        street.locator("#category").select_option("young")
        street.locator("#form").select_option("short_off_job")
        street.locator("#starts_on").fill(str(today - timedelta(days=1)))
        street.locator("#ends_on").fill(str(today + timedelta(days=3)))
        street.locator("#days").fill("5")
        street.locator("#hours").fill("35")
        street.locator("#plan_text").fill("# 办班方案\n\n- 理论学习")
        street.get_by_role("button", name="保存草稿").click()
        expect(street.locator(".flash-success")).to_be_visible()
        class_url = street.url
        street.get_by_role("button", name="提交审核").click()
        expect(street.locator(".next-step")).to_contain_text("提交组织部审核")

        # 2. The department returns it; the street fixes and resubmits; it is approved.
        _inbox(org, live_server, "提交审核")
        org.goto(class_url)
        org.locator("#review-comment").fill("请补充现场教学安排")
        org.get_by_role("button", name="退回").click()
        expect(org.locator(".flash-success")).to_be_visible()
        _inbox(street, live_server, "请补充现场教学安排")
        street.goto(class_url)
        street.get_by_role("link", name="修改培训班").click()
        street.locator("#plan_text").fill("# 办班方案\n\n- 理论学习\n- 现场教学：红色教育基地")
        street.get_by_role("button", name="保存草稿").click()
        street.get_by_role("button", name="提交审核").click()
        org.goto(class_url)
        org.get_by_role("button", name="审核通过").click()
        expect(org.locator(".next-step")).to_contain_text("批准")
        _inbox(street, live_server, "审核通过")
        with app.app_context():
            class_id = db.session.scalar(select(TrainingClass.id))

        # 3. Call-ups: the street's cadres, and one of the other street's after its release.
        street.goto(class_url + "/trainees")
        for username in ("c1", "learn", "c3"):
            street.locator(f"input[name=username][value={username}]").check()
        street.locator("#usernames").fill("c2")
        street.get_by_role("button", name="调训", exact=True).click()
        expect(street.locator(".flash-success")).to_contain_text("已调训 4 名干部")
        assert trainee_status(app, class_id, "c2") == "awaiting_release"
        _inbox(other, live_server, "拟调训")
        other.goto(f"{live_server}/training/my-unit")
        other.get_by_role("button", name="同意", exact=True).click()
        expect(other.locator(".flash-success")).to_be_visible()
        assert trainee_status(app, class_id, "c2") == "assigned"

        # 4. Explanations: the other street explains for 赵二 (refused: he must attend);
        # the street explains for 王一 (accepted by the department: excused).
        other.locator("textarea[name=text]").fill("赵二同期参加市里专项工作")
        other.get_by_role("button", name="提交说明").click()
        expect(other.locator(".flash-success")).to_be_visible()
        street.goto(f"{live_server}/training/my-unit")
        for name in ("李学员", "孙三"):
            street.locator("tr", has_text=name).get_by_role("button", name="确认").click()
            expect(street.locator(".flash-success")).to_be_visible()
        street.locator("tr", has_text="王一").locator("textarea[name=text]").fill("王一病休")
        street.locator("tr", has_text="王一").get_by_role("button", name="提交说明").click()
        expect(street.locator(".flash-success")).to_be_visible()
        street.goto(class_url + "/trainees")
        zhao = street.locator("tr", has_text="赵二")
        zhao.locator("textarea[name=reply]").fill("本期为必训内容")
        zhao.get_by_role("button", name="不同意：须参训").click()
        expect(street.locator(".flash-success")).to_be_visible()
        org.goto(class_url + "/trainees")
        org.locator("tr", has_text="王一").get_by_role("button", name="同意：免于参训").click()
        expect(org.locator(".flash-success")).to_be_visible()
        assert trainee_status(app, class_id, "c1") == "excused"
        assert trainee_status(app, class_id, "c2") == "confirmed"

        # 5. Sessions: one under way now, two tomorrow; the class starts.
        for title, start, end, hours in (
                ("开班式", now - timedelta(minutes=30), now + timedelta(hours=2), "2"),
                ("专题辅导", tomorrow + timedelta(hours=1), tomorrow + timedelta(hours=4), "3"),
                ("现场教学", tomorrow + timedelta(hours=6), tomorrow + timedelta(hours=9), "3")):
            street.goto(f"{class_url}/sessions/new")
            street.locator("#title").fill(title)
            street.locator("#starts_at").fill(_local(start))
            street.locator("#ends_at").fill(_local(end))
            street.locator("#hours").fill(hours)
            street.get_by_role("button", name="保存课次").click()
            expect(street.locator(".flash-success")).to_be_visible()
        street.goto(f"{class_url}/sessions")
        street.get_by_role("button", name="开班").click()
        expect(street.locator(".flash-success")).to_be_visible()

        # 6. Attendance by code: the organiser shows it, two trainees type it on a phone.
        street.get_by_role("link", name="签到码 开班式").click()
        street.get_by_role("button", name="生成新的签到码").click()
        code = street.locator("#checkin-code").inner_text().strip()
        expect(street.locator("img.checkin-qr")).to_be_visible()
        for name in ("learn", "c2"):
            trainee = pages[name]
            trainee.goto(f"{live_server}/training/checkin")
            trainee.get_by_label("签到码").fill(code)
            trainee.get_by_role("button", name="签到").click()
            expect(trainee.locator(".flash-success")).to_contain_text("已在培训班")

        # 7. 孙三 asks leave from both of tomorrow's sessions (6 of 35 hours, over 1/7):
        # granted, flagged, withdrawn.
        sun = pages["c3"]
        sun.goto(f"{live_server}/training/me")
        for title in ("专题辅导", "现场教学"):
            sun.locator(f"#reason-{_session(app, title)}").fill("外出开会")
            sun.get_by_role("button", name=f"请假 {title}").click()
            expect(sun.locator(".flash-success")).to_be_visible()
        street.goto(f"{class_url}/sessions")
        for _n in range(2):
            street.get_by_role("button", name="准假").first.click()
            expect(street.locator(".flash-success")).to_have_text("已准假。")
        expect(street.get_by_role("alert")).to_contain_text(
            "请假 6 学时，超过本班 35 学时的七分之一（5 学时），应予退学。")
        street.get_by_role("button", name="办理孙三退学").click()
        expect(street.locator(".flash-success")).to_contain_text("孙三已退学")

        # 8. The class closes: the two who attended complete and are credited.
        street.get_by_role("link", name="结班").click()
        street.get_by_role("button", name="结班并记入学习档案").click()
        expect(street.locator(".flash-success")).to_contain_text("2 名学员结业")
        for name in ("learn", "c2"):
            pages[name].goto(f"{live_server}/me/record")
            expect(pages[name].get_by_text("城关街道中青年干部培训班").first).to_be_visible()
        pages["learn"].goto(f"{live_server}/training/me")
        expect(pages["learn"].get_by_text("已记入我的学习档案 35 学时、5 天")).to_be_visible()

        # 9. The dashboard counts the class and its two trainee-times; the department files it.
        org.goto(f"{live_server}/training/figures?year={today.year}")
        expect(org.locator("[data-kpi=classes]")).to_have_text("1")
        expect(org.locator("[data-kpi=trainee_times]")).to_have_text("2")
        expect(org.locator("[data-kpi=under_way]")).to_have_text("0")
        org.goto(f"{class_url}/sessions")
        org.get_by_role("button", name="备案").click()
        expect(org.locator(".flash-success")).to_be_visible()

        # 10. Everyone concerned found each step in their inbox.
        _inbox(street, live_server, "请补充现场教学安排", "审核通过", "同意赵二",
               "申请请假")
        _inbox(org, live_server, "提交审核", "王一病休", "已结班")
        _inbox(other, live_server, "拟调训", "本期为必训内容", "已结班")
        _inbox(pages["c1"], live_server, "调训参加培训班", "免于参加")
        _inbox(pages["c2"], live_server, "调训参加培训班", "本期为必训内容", "35 学时")
        _inbox(pages["learn"], live_server, "调训参加培训班", "35 学时")
        _inbox(sun, live_server, "调训参加培训班", "已获准", "退学")
    finally:
        for page in pages.values():
            page.context.close()

    with app.app_context():
        cls = db.session.get(TrainingClass, class_id)
        assert cls.status == "filed"
        entries = db.session.scalars(select(RecordEntry).where(
            RecordEntry.kind == "training_class")).all()
        assert sorted((e.hours, e.days) for e in entries) == [(35.0, 5.0), (35.0, 5.0)]
    assert trainee_status(app, class_id, "c3") == "withdrawn"
