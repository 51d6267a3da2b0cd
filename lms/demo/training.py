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
