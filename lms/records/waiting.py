"""What waits for an administrator's decision in their scope: claims, reading notes and
study plans, counted in one query."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.extensions import db
from lms.org import permissions
from lms.org.models import CadreProfile, Unit
from lms.records.models import Claim, ReadingNote, StudyPlan


def _count(model, status: str):
    """How many `model` rows with `status` belong to cadres in my `record.manage` scope."""
    return (select(func.count()).select_from(model)
            .join(CadreProfile, CadreProfile.user_id == model.user_id)
            .join(Unit, Unit.id == CadreProfile.unit_id)
            .where(model.status == status, permissions.unit_clause("record.manage"))
            .scalar_subquery())


def waiting_counts() -> dict[str, int]:
    """Claims pending, reading notes and study plans submitted, in my scope (one query)."""
    claims, notes, plans = db.session.execute(select(
        _count(Claim, "pending"), _count(ReadingNote, "submitted"),
        _count(StudyPlan, "submitted"))).one()
    return {"claims": claims or 0, "notes": notes or 0, "plans": plans or 0}
