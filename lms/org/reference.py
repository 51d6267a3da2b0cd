"""Reference data every installation needs: the cadre categories of DOMAIN.md."""
from __future__ import annotations

from sqlalchemy import select

from lms.extensions import db
from lms.org.models import Category

CATEGORIES = [
    ("ke_gu", "科股级干部"),
    ("young", "中青年干部"),
    ("activist", "入党积极分子"),
    ("gong_qing_fu", "工青妇干部"),
    ("grassroots", "基层干部"),
    ("community_committee", "社区“两委”干部"),
    ("professional", "专业技术人员"),
    ("personnel", "组织人事干部"),
    ("informant", "信息员"),
    ("talent", "区管优秀人才"),
    ("enterprise", "企业经营管理人员"),
]


def ensure_categories() -> None:
    """Create the default categories that are missing (idempotent)."""
    have = set(db.session.scalars(select(Category.code)))
    for order, (code, name) in enumerate(CATEGORIES):
        if code not in have:
            db.session.add(Category(code=code, name=name, sort_order=order))
    db.session.commit()
