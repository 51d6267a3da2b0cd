"""Generate a plausible demo district (about 40 units, 800 cadres) deterministically."""
from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from lms.auth.models import User
from lms.auth.passwords import hash_password
from lms.extensions import db
from lms.org import services
from lms.org.models import CadreProfile, Category, RoleGrant, Unit
from lms.org.reference import ensure_categories

DEMO_PASSWORD = "Demo2026study"  # noqa: S105 - printed for demo accounts only
ROOT = ("QU", "青山区", "district")
STREETS = ["城关街道", "东湖街道", "西岭街道", "南塘街道", "北苑街道", "新华街道"]
COMMUNITIES = [
    ["解放路社区", "文化路社区", "滨河社区"], ["湖畔社区", "东湖新村社区", "桃源社区"],
    ["西岭社区", "枫林社区", "石桥社区"], ["南塘社区", "荷花池社区", "长乐社区"],
    ["北苑社区", "翠微社区", "青年路社区"], ["新华社区", "建设路社区", "和平里社区"],
]
DEPARTMENTS = [
    ("ZZB", "区委组织部"), ("XCB", "区委宣传部"), ("DX", "区委党校"), ("FGW", "区发展和改革委员会"),
    ("CZJ", "区财政局"), ("JYJ", "区教育局"), ("WJW", "区卫生健康委员会"), ("YJJ", "区应急管理局"),
    ("MZJ", "区民政局"), ("SFJ", "区司法局"), ("RSJ", "区人力资源和社会保障局"),
]
OFFICES = [("ZZB", "干部科"), ("ZZB", "组织科"), ("YJJ", "应急指挥中心"), ("JD01", "党政办公室")]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋"
            "蔡余杜叶程苏魏吕丁任沈")
GIVEN = ("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉建国文斌志红晓婷宇浩"
         "雪琳佳慧颖瑞博思远嘉欣子涵雨轩海燕丹凯俊峰宁波鑫晨亮")
POSITIONS = {
    "division": ["局长", "副局长", "街道党工委书记", "街道办事处主任", "部长", "副部长"],
    "section": ["科长", "副科长", "社区党委书记", "社区居委会主任", "主任科员", "办公室主任"],
    "subsection": ["股长", "副股长", "一级科员"],
    "none": ["科员", "办事员", "社区工作者", "网格员", "专业技术人员"],
}
# One account per role: (username, name, role, unit code).
ACCOUNTS = [
    ("admin", "系统管理员", "sysadmin", None),
    ("auditor", "审计管理员", "auditor", None),
    ("zzb_admin", "组织部管理员", "org_admin", "QU"),
    ("jd01_admin", "城关街道管理员", "unit_admin", "JD01"),
    ("lecturer", "党校教师", "lecturer", "DX"),
    ("learner", "学员张明", "learner", "JD01-SQ01"),
]


def _units() -> dict[str, Unit]:
    units = {u.code: u for u in db.session.scalars(select(Unit))}

    def ensure(code: str, name: str, kind: str, parent: str | None) -> None:
        if code not in units:
            units[code] = services.create_unit(code, name, kind, units.get(parent) if parent
                                               else None, commit=False)

    ensure(*ROOT, None)
    for i, street in enumerate(STREETS, start=1):
        code = f"JD{i:02d}"
        ensure(code, f"青山区{street}", "street", "QU")
        for j, community in enumerate(COMMUNITIES[i - 1], start=1):
            ensure(f"{code}-SQ{j:02d}", community, "community", code)
    for code, name in DEPARTMENTS:
        ensure(code, name, "department", "QU")
    for k, (parent, name) in enumerate(OFFICES, start=1):
        ensure(f"{parent}-K{k:02d}", name, "office", parent)
    db.session.commit()
    return units


def _weight(unit: Unit) -> int:
    return {"district": 6, "street": 40, "department": 30, "community": 12, "office": 8}[unit.kind]


def _cadres(units: dict[str, Unit], password_hash: str, total: int = 800) -> int:
    rng = random.Random(20261125)
    cats = {c.code: c for c in db.session.scalars(select(Category))}
    have = set(db.session.scalars(select(User.username).where(User.username.like("gb%"))))
    pool = sorted(units.values(), key=lambda u: u.code)
    weights = [_weight(u) for u in pool]
    created = 0
    for n in range(1, total + 1):
        username = f"gb{n:05d}"
        unit = rng.choices(pool, weights)[0]
        rank = rng.choices(["division", "section", "subsection", "none"], [4, 22, 20, 54])[0]
        birth = date(rng.randint(1966, 2001), rng.randint(1, 12), rng.randint(1, 28))
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
        tags = set()
        if rank in ("section", "subsection"):
            tags.add("ke_gu")
        if birth.year >= 1986:
            tags.add("young")
        if unit.kind == "community":
            tags.add("grassroots")
            if rng.random() < 0.4:
                tags.add("community_committee")
        title = "none"
        if rng.random() < 0.18:
            tags.add("professional")
            title = rng.choice(["junior", "mid", "senior"])
        if unit.code.startswith("ZZB") or rng.random() < 0.03:
            tags.add("personnel")
        if rng.random() < 0.08:
            tags.add("informant")
        if rng.random() < 0.05:
            tags.add("gong_qing_fu")
        if rng.random() < 0.03:
            tags.add("talent")
        party = rng.choices(["member", "probationary", "activist", "league", "masses"],
                            [70, 4, 6, 8, 12])[0]
        if party == "activist":
            tags.add("activist")
        education = rng.choices(["master", "bachelor", "college", "secondary", "doctorate"],
                                [12, 62, 20, 5, 1])[0]
        if username in have:
            continue
        user = User(username=username, name=name, password_hash=password_hash)
        profile = CadreProfile(
            user=user, unit=unit, gender=rng.choice(["male", "female"]), rank=rank,
            position=rng.choice(POSITIONS[rank]), birth_date=birth, education=education,
            party_status=party, title_level=title,
            categories=[cats[t] for t in sorted(tags) if t in cats],
        )
        db.session.add_all([user, profile, RoleGrant(user=user, role="learner", unit=unit)])
        created += 1
    db.session.commit()
    return created


def _accounts(units: dict[str, Unit], password_hash: str) -> None:
    for username, name, role, code in ACCOUNTS:
        if db.session.scalar(select(User.id).where(User.username == username)):
            continue
        unit = units.get(code) if code else None
        profile = {"rank": "section", "birth_date": date(1985, 6, 1), "education": "bachelor",
                   "party_status": "member"} if unit else {}
        services.add_account(username, name, password_hash, role, unit, **profile)


def load_demo() -> dict[str, int]:
    """Create whatever part of the demo district is missing (idempotent)."""
    ensure_categories()
    password_hash = hash_password(DEMO_PASSWORD)  # one hash shared by every demo account
    units = _units()
    _accounts(units, password_hash)
    created = _cadres(units, password_hash)
    return {"units": len(units), "cadres_created": created}


DEMO_ASSIGNMENT = ("gongwen-xiezuo", "JD01")  # a required course for 城关街道 and its communities


def assign_demo_course() -> int:
    """Assign the demo's required course to one street, due at the year's end (idempotent).

    Returns how many cadres it reached (0 when already assigned or the course is missing).
    """
    from lms.catalog.queries import course_by_slug
    from lms.core.timeutil import local_today
    from lms.progress.assignments import Audience, assign_audience
    from lms.progress.models import Assignment

    slug, code = DEMO_ASSIGNMENT
    course = course_by_slug(slug)
    actor = db.session.scalar(select(User).where(User.username == "zzb_admin"))
    unit = services.unit_by_code(code)
    if course is None or actor is None or unit is None or course.status != "published" or \
            db.session.scalar(select(Assignment.id).where(Assignment.course_id == course.id)):
        return 0
    _row, reached = assign_audience(course, Audience(unit=unit),
                                    local_today().replace(month=12, day=31), actor,
                                    "年度必修：请在年底前完成。")
    return reached
