"""Four eyes on every credit, in the words people read (`permissions.may_credit` decides).

Whatever credits a cadre's learning (an entry, a claim's verification, an attendance mark, a
reading note's or study plan's approval, an appraisal, an essay's grade, a re-sit) asks
`refusal` before it acts, and a page shows the same sentence where it would otherwise offer
the button: why the signed-in user may not decide, and who may instead.
"""
from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, select

from lms.auth.models import User
from lms.extensions import db
from lms.org import permissions
from lms.org.models import RoleGrant, Unit


def _widest(target: User) -> RoleGrant | None:
    """The target's administrative grant over the widest scope, None when they hold none."""
    held = [g for g in target.grants if g.role in permissions.HIERARCHY_ROLES]
    if not held:
        return None
    return min(held, key=lambda g: -1 if g.unit is None else g.unit.depth)


def deciders(target: User) -> str | None:
    """Who credits an administrator's learning: those above their widest scope (the unit
    above it, or the organisation department, or a system administrator at the top). None
    when the target holds no administrative role."""
    grant = _widest(target)
    if grant is None:
        return None
    if grant.unit is None:
        return _("nobody on the platform, as no administrator stands above a system "
                 "administrator")
    parent = grant.unit.parent
    if parent is None:
        return _("a system administrator")
    if parent.parent_id is None:
        return _("the organisation department")
    return _("an administrator of %(unit)s or the organisation department", unit=parent.name)


def refusal(target: User, user=None, *, own: str | None = None) -> str | None:
    """None when `user` (the signed-in user by default) may credit `target`'s learning;
    otherwise one plain sentence saying why not and who decides. `own` is the sentence for
    someone's own learning when they hold no administrative role (a lecturer's own
    attendance or attempt)."""
    user = user or current_user
    if permissions.may_credit(target, user):
        return None
    who = deciders(target)
    if who is None:
        return own or _("This is your own learning: someone else decides this.")
    if target.id == user.id:
        return _("This is your own learning. Another administrator above you decides this: "
                 "%(who)s.", who=who)
    return _("%(name)s holds an administrative role over your unit or above it. Another "
             "administrator above you both decides this: %(who)s.", name=target.name, who=who)


def refusals(user_ids: Iterable[int], user=None, *, own: str | None = None) -> dict[int, str]:
    """`refusal` for each of a page's people, by user id (only those refused), in at most
    three queries whatever their number: the accounts holding an administrative role, their
    grants, and the units above their scopes."""
    user = user or current_user
    ids = set(user_ids)
    targets = [user] if user.id in ids else []
    others = ids - {user.id}
    if others:
        # Only an account holding an administrative role can stand above another.
        targets += db.session.scalars(select(User).where(
            User.id.in_(others), exists().where(
                RoleGrant.user_id == User.id,
                RoleGrant.role.in_(permissions.HIERARCHY_ROLES)))).all()
    parents = {g.unit.parent_id for t in targets for g in t.grants
               if g.role in permissions.HIERARCHY_ROLES and g.unit is not None
               and g.unit.parent_id is not None}
    # Held until the end, so that `deciders` finds them in the session without a query each
    # (the session keeps only weak references).
    _above = db.session.scalars(select(Unit).where(Unit.id.in_(parents))).all() \
        if parents else []
    found = {t.id: refusal(t, user, own=own) for t in targets}
    return {uid: text for uid, text in found.items() if text}
