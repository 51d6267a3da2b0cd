"""Who is told about a class: the holders of an action over a unit (a grant at or above it),
found in one query, for notices."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import literal, or_, select

from lms.auth.models import User
from lms.extensions import db
from lms.org.models import RoleGrant, Unit
from lms.org.permissions import ROLE_ACTIONS


def roles_with(action: str) -> list[str]:
    """The roles that carry `action` (from the one permissions table)."""
    return sorted(role for role, actions in ROLE_ACTIONS.items() if action in actions)


def holders(action: str, units: Iterable[Unit]) -> set[int]:
    """Ids of active users holding `action` over any of `units`."""
    paths = {u.path for u in units if u is not None}
    if not paths:
        return set()
    stmt = (select(RoleGrant.user_id).join(Unit, Unit.id == RoleGrant.unit_id)
            .join(User, User.id == RoleGrant.user_id)
            .where(RoleGrant.role.in_(roles_with(action)), User.is_active_flag.is_(True),
                   or_(*(literal(p).startswith(Unit.path) for p in sorted(paths)))))
    return set(db.session.scalars(stmt))


def reviewers(unit: Unit) -> set[int]:
    """The organisation department's administrators over `unit` (`training.manage`)."""
    return holders("training.manage", [unit])


def runners(unit: Unit) -> set[int]:
    """The unit's own training administrators: the holders of `training.run` whose grant is
    nearest above `unit` (a community's street administrators; for the district, the
    organisation department)."""
    stmt = (select(RoleGrant.user_id, Unit.depth).join(Unit, Unit.id == RoleGrant.unit_id)
            .join(User, User.id == RoleGrant.user_id)
            .where(RoleGrant.role.in_(roles_with("training.run")),
                   User.is_active_flag.is_(True), literal(unit.path).startswith(Unit.path)))
    rows = db.session.execute(stmt).all()
    deepest = max((depth for _uid, depth in rows), default=None)
    return {uid for uid, depth in rows if depth == deepest}
