"""The demo's training plan: this year's published district plan with the categories of the
source plan (社区干部教育培训意见) and figures in the proportions of the district's report
(437 classes, 44,682 trainee-times and 7.51 million yuan over three years), and budgets."""
from __future__ import annotations

from sqlalchemy import select

from lms.core.timeutil import local_today, utcnow
from lms.extensions import db
from lms.org.models import Unit
from lms.training.models import PlanItem, TrainingPlan, UnitBudget

# (category, title, planned classes, planned trainee-times, budget in yuan, note)
PLAN_ITEMS = (
    ("section_level", "科股级干部培训", 16, 1600, 600_000,
     "依托市委党校、市经济管理干部学校师资，自办培训与选调参加上级培训相结合。"),
    ("young", "中青年干部高校、境外研修班", 4, 120, 480_000,
     "委托高校培训或外出办学；鼓励攻读在职公共行政管理硕士（MPA）。"),
    ("party_activist", "入党积极分子培训", 6, 600, 60_000, "依托区党员电化教育培训基地集中授课。"),
    ("mass_org", "工青妇干部培训", 6, 450, 45_000, "工会、共青团、妇女干部的理论和业务知识。"),
    ("grassroots", "基层干部和社区“两委”干部轮训", 18, 1800, 180_000,
     "社区党支部书记、居委会主任和“两委”干部全面轮训，新进“两委”班子的干部优先。"),
    ("professional", "专业技术人员继续教育", 20, 2400, 240_000,
     "继续教育率45%左右；高、中级专业技术人员每年不少于15天。"),
    ("org_personnel", "组织人事干部短期脱产培训", 2, 90, 40_000,
     "抽调街道、区直单位组织人事干部。"),
    ("informant", "信息员业务培训", 2, 80, 16_000, "街道、区直各单位负责信息工作的人员。"),
    ("talent", "区管优秀人才培训", 3, 150, 120_000, "纳入区管优秀人才库的人员。"),
    ("lecture_series", "知识讲座", 24, 4800, 96_000,
     "法律、应急等专业知识专题讲座，邀请专家授课。"),
    ("online", "网络培训专题班", 12, 3000, 60_000, "运用网络培训、远程教育扩大培训覆盖面。"),
)
# Budgets of the year in yuan: the district and a few of its units.
BUDGETS = {"QU": 2_500_000, "JD01": 80_000, "JD02": 60_000, "DX": 300_000, "ZZB": 150_000}


def load_demo_plan() -> dict[str, int]:
    """Create this year's published plan of the district and the budgets that are missing
    (idempotent); returns what was added."""
    year = local_today().year
    units = {u.code: u for u in db.session.scalars(select(Unit).where(
        Unit.code.in_(["QU", *BUDGETS])))}
    district = units.get("QU")
    added = {"plan items": 0, "budgets": 0}
    if district is None:
        return added
    exists = db.session.scalar(select(TrainingPlan.id).where(
        TrainingPlan.unit_id == district.id, TrainingPlan.year == year))
    if exists is None:
        plan = TrainingPlan(unit_id=district.id, year=year, status="published",
                            title=f"{district.name}{year}年度干部教育培训计划",
                            published_at=utcnow())
        db.session.add(plan)
        db.session.flush()
        for position, (category, title, classes, trainees, yuan, note) in enumerate(
                PLAN_ITEMS, start=1):
            db.session.add(PlanItem(plan_id=plan.id, position=position, category=category,
                                    title=title, planned_classes=classes,
                                    planned_trainees=trainees, budget_fen=yuan * 100,
                                    note=note))
        added["plan items"] = len(PLAN_ITEMS)
    have = set(db.session.scalars(select(UnitBudget.unit_id).where(UnitBudget.year == year)))
    for code, yuan in BUDGETS.items():
        unit = units.get(code)
        if unit is not None and unit.id not in have:
            db.session.add(UnitBudget(unit_id=unit.id, year=year, budget_fen=yuan * 100))
            added["budgets"] += 1
    db.session.commit()
    return added


# ---- classes -----------------------------------------------------------------------------

FILED_TITLE = "城关街道中青年干部培训班"
RUNNING_TITLE = "城关街道社区“两委”干部轮训班"
SUBMITTED_TITLE = "城关街道信息员业务培训班"


def _as(user) -> None:
    """Act as `user` for the services that ask the signed-in user (the command line has
    none): Flask-Login reads the current user from `g`."""
    from flask import g

    g._login_user = user


def _form(unit_id: int, title: str, first, last, **more) -> dict:
    return {"title": title, "unit_id": str(unit_id), "organiser_kind": "unit",
            "category": more.pop("category", "young"), "form": "short_off_job",
            "audience": "街道中青年干部", "starts_on": first.isoformat(),
            "ends_on": last.isoformat(), "days": str((last - first).days + 1),
            "hours": more.pop("hours", "35"), "venue": "区委党校", "lecturers": "张教授\n李老师",
            "capacity": "30", "plan_text": "# 办班方案\n\n- 理论学习\n- 现场教学\n- 结业测试",
            **more}


def _session(cls, title: str, start, hours: float) -> None:
    from datetime import timedelta

    from lms.core.timeutil import local_time
    from lms.training.attendance import sessions

    def typed(moment) -> str:  # as a datetime-local input sends it
        return local_time(moment).replace(tzinfo=None).isoformat(timespec="minutes")

    data = sessions.validate(cls, {
        "title": title, "starts_at": typed(start),
        "ends_at": typed(start + timedelta(hours=max(hours, 1))),
        "hours": str(hours), "venue": "区委党校"})
    sessions.add(cls, data, actor_id=cls.created_by)


def load_demo_classes() -> dict[str, int]:
    """Three classes of 城关街道 through the platform's own steps (idempotent): one filed last
    month (credited to its trainees' records), one running now with the demo learner called
    up (a session under way to check in to, two tomorrow), one submitted and waiting for the
    organisation department's review."""
    from datetime import datetime, timedelta

    from flask import current_app

    from lms.auth.models import User
    from lms.demo.data import ACCOUNTS
    from lms.org.models import CadreProfile
    from lms.training.attendance import checkin
    from lms.training.callup import services as callup
    from lms.training.classes import services as classes
    from lms.training.classes.validation import validate
    from lms.training.closing import services as closing
    from lms.training.models import ClassSpending, ClassTrainee, TrainingClass

    if db.session.scalar(select(TrainingClass.id).where(TrainingClass.title == FILED_TITLE)):
        return {"classes": 0}
    people = {u.username: u for u in db.session.scalars(select(User).where(
        User.username.in_(["zzb_admin", "jd01_admin", "learner"])))}
    jd01 = db.session.scalar(select(Unit).where(Unit.code == "JD01"))
    if len(people) < 3 or jd01 is None:
        return {"classes": 0}
    street, org = people["jd01_admin"], people["zzb_admin"]
    accounts = {a[0] for a in ACCOUNTS}
    cadres = [u for u in db.session.scalars(
        select(User).join(CadreProfile, CadreProfile.user_id == User.id)
        .where(CadreProfile.unit_id == jd01.id).order_by(User.id).limit(12))
        if u.username not in accounts][:6]
    today = local_today()
    now = utcnow().replace(second=0, microsecond=0)
    with current_app.test_request_context():
        # Filed: 35 study hours over five days a month ago, every step taken.
        _as(street)
        first = today - timedelta(days=34)
        filed = classes.create_class(validate(_form(jd01.id, FILED_TITLE, first,
                                                    first + timedelta(days=4))), street)
        classes.submit(filed, street)
        _as(org)
        classes.approve(filed, org, "同意举办。")
        _as(street)
        callup.call_up(filed, [u.username for u in cadres[:4]], street, "年度重点班次")
        for trainee in db.session.scalars(select(ClassTrainee).where(
                ClassTrainee.class_id == filed.id)):
            callup.confirm(trainee, street)
        for day in range(5):
            start = datetime.combine(first + timedelta(days=day), datetime.min.time())
            _session(filed, f"第{day + 1}天 专题教学", start + timedelta(hours=1), 7)
        closing.start(filed, actor=street)
        for session in filed.sessions:
            checkin.mark_roster(session, [u.id for u in cadres[:4]], actor=street)
        for heading, planned, actual in (("tuition", 12_000_00, 11_800_00),
                                         ("materials", 1_500_00, 1_320_50),
                                         ("lecturer_fees", 6_000_00, 6_000_00)):
            db.session.add(ClassSpending(class_id=filed.id, heading=heading,
                                         planned_fen=planned, actual_fen=actual,
                                         updated_by=street.id))
        db.session.commit()
        closing.close(filed, actor=street)
        _as(org)
        closing.file(filed, actor=org)
        # Running: the demo learner and two cadres, a session under way and two tomorrow.
        _as(street)
        running = classes.create_class(validate(_form(
            jd01.id, RUNNING_TITLE, today - timedelta(days=1), today + timedelta(days=3),
            category="grassroots", hours="21")), street)
        classes.submit(running, street)
        _as(org)
        classes.approve(running, org)
        _as(street)
        callup.call_up(running, ["learner", *[u.username for u in cadres[4:6]]], street)
        tomorrow = datetime.combine(today + timedelta(days=1), datetime.min.time())
        _session(running, "开班式和专题辅导", now - timedelta(minutes=30), 3)
        _session(running, "现场教学", tomorrow + timedelta(hours=1), 3)
        _session(running, "分组研讨", tomorrow + timedelta(hours=6), 3)
        closing.start(running, actor=street)
        # Submitted: waiting for the organisation department's review.
        waiting = classes.create_class(validate(_form(
            jd01.id, SUBMITTED_TITLE, today + timedelta(days=20), today + timedelta(days=21),
            category="informant", hours="12")), street)
        classes.submit(waiting, street)
    return {"classes": 3}
