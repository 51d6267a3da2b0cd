"""Who hears of a class's steps: its organisers (the administrators of the class's unit),
the administrators of each trainee's unit, and the organisation department above it."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from lms.extensions import db
from lms.org.models import RoleGrant, Unit
from lms.training.models import TrainingClass

ADMIN_ROLES = ("unit_admin", "org_admin")


def unit_admins(unit_ids: Iterable[int]) -> list[int]:
    """The users holding an administrator's role over exactly these units."""
    ids = set(unit_ids)
    if not ids:
        return []
    return sorted(set(db.session.scalars(select(RoleGrant.user_id).where(
        RoleGrant.unit_id.in_(ids), RoleGrant.role.in_(ADMIN_ROLES)))))


def nearest_admins(unit: Unit) -> list[int]:
    """The administrators of `unit`, or, where it has none (a community run by its street),
    of the nearest unit above it that has some: who answers for a cadre of `unit`."""
    rows = db.session.execute(select(RoleGrant.user_id, Unit.depth).join(
        Unit, Unit.id == RoleGrant.unit_id).where(
        RoleGrant.role.in_(ADMIN_ROLES), Unit.path.in_(_prefixes(unit.path)))).all()
    if not rows:
        return []
    deepest = max(depth for _uid, depth in rows)
    return sorted({uid for uid, depth in rows if depth == deepest})


def organisers(cls: TrainingClass) -> list[int]:
    """The administrators of the class's unit, who run it."""
    return unit_admins([cls.unit_id])


def department(cls: TrainingClass) -> list[int]:
    """The organisation department over the class's unit: `org_admin` grants on the unit
    or a unit above it."""
    ancestors = _prefixes(cls.unit.path)
    return sorted(set(db.session.scalars(select(RoleGrant.user_id).join(
        Unit, Unit.id == RoleGrant.unit_id).where(
        RoleGrant.role == "org_admin", Unit.path.in_(ancestors)))))


def _prefixes(path: str) -> list[str]:
    """Every path at or above `path` ("/1/4/" → "/1/", "/1/4/")."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]
