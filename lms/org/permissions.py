"""The one place that decides who may do what on which unit's data.

Roles are held over a unit subtree (`RoleGrant`). An action is allowed on a unit when the user
holds a role that carries the action over a unit at or above it. A learner acts on themselves
only. Every view and API endpoint asks this module; list queries are narrowed by `unit_clause`.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort, g
from flask_login import current_user
from sqlalchemy import ColumnElement, false, literal, or_, true

from lms.org.models import CadreProfile, Unit

# What each role may do over its subtree.
_UNIT_ADMIN = {
    "unit.view", "unit.manage", "cadre.view", "cadre.manage", "cadre.import", "cadre.export",
    "course.assign", "completion.view",
    # The learning record: read a cadre's record and the compliance report; enter and reverse
    # entries, verify claims, review reading notes and study plans, write appraisals.
    "record.view", "record.manage",
}
ROLE_ACTIONS: dict[str, set[str]] = {
    "learner": set(),
    "lecturer": {"unit.view", "course.author"},
    "unit_admin": _UNIT_ADMIN | {"role.grant"},
    "org_admin": _UNIT_ADMIN | {"role.grant", "category.manage", "course.author",
                                "course.review", "rules.manage", "reading.publish"},
    "sysadmin": _UNIT_ADMIN | {"role.grant", "category.manage", "system.manage",
                               "course.author", "course.review", "rules.manage",
                               "reading.publish"},
}
# What a learner may do on their own record.
SELF_ACTIONS = {"cadre.view", "record.view"}
# Roles that a holder of `role.grant` may hand out (never more than they hold).
GRANTABLE = {
    "unit_admin": {"learner", "lecturer", "unit_admin"},
    "org_admin": {"learner", "lecturer", "unit_admin", "org_admin"},
    "sysadmin": {"learner", "lecturer", "unit_admin", "org_admin", "sysadmin"},
}


@dataclass(frozen=True)
class Scope:
    """One role over one subtree; `path` None means everywhere."""

    role: str
    path: str | None


def scopes(user=None) -> list[Scope]:
    """The user's role scopes, loaded once per request."""
    user = user or current_user
    if not getattr(user, "is_authenticated", False):
        return []
    cache = g.setdefault("_scopes", {})
    if user.id not in cache:
        # `user.grants` is loaded with the user (selectin), so this adds no query.
        cache[user.id] = [Scope(grant.role, grant.unit.path if grant.unit else None)
                          for grant in user.grants]
    return cache[user.id]


def has_role(role: str, user=None) -> bool:
    """True when the user holds `role` anywhere."""
    return any(s.role == role for s in scopes(user))


def can_anywhere(action: str, user=None) -> bool:
    """True when the user may do `action` on some unit (used to show menus)."""
    return any(action in ROLE_ACTIONS[s.role] for s in scopes(user))


def can(action: str, unit: Unit | None, user=None) -> bool:
    """True when the user may do `action` on `unit` (None: only a global scope will do)."""
    for s in scopes(user):
        if action not in ROLE_ACTIONS[s.role]:
            continue
        if s.path is None or (unit is not None and unit.path.startswith(s.path)):
            return True
    return False


def can_edit_unit(unit: Unit, user=None) -> bool:
    """Editing or moving a unit needs authority from strictly above it (or a global scope)."""
    for s in scopes(user):
        if "unit.manage" not in ROLE_ACTIONS[s.role]:
            continue
        if s.path is None or (unit.path.startswith(s.path) and unit.path != s.path):
            return True
        if s.role in ("org_admin",) and unit.path == s.path:
            return True  # the organisation department edits the district itself
    return False


def can_on_cadre(action: str, profile: CadreProfile, user=None) -> bool:
    """True when the user may do `action` on this cadre (themselves, or inside their scope)."""
    user = user or current_user
    if action in SELF_ACTIONS and getattr(user, "id", None) == profile.user_id:
        return True
    return can(action, profile.unit, user)


def grantable_roles(unit: Unit, user=None) -> set[str]:
    """Roles the user may grant or revoke over `unit`."""
    roles: set[str] = set()
    for s in scopes(user):
        if "role.grant" in ROLE_ACTIONS[s.role] and (
            s.path is None or unit.path.startswith(s.path)
        ):
            roles |= GRANTABLE.get(s.role, set())
    return roles


def _paths_clause(action: str, user, per_path) -> ColumnElement[bool]:
    """OR of `per_path(path)` over the user's scopes for `action` (true for a global one)."""
    paths = [s.path for s in scopes(user) if action in ROLE_ACTIONS[s.role]]
    if None in paths:
        return true()
    if not paths:
        return false()
    return or_(*(per_path(p) for p in paths))


def unit_clause(action: str, user=None) -> ColumnElement[bool]:
    """A WHERE clause on `Unit.path` limiting a query to units where `action` is allowed."""
    return _paths_clause(action, user, lambda p: Unit.path.startswith(p, autoescape=True))


def overlaps(action: str, unit: Unit, user=None) -> bool:
    """True when the user may do `action` on `unit` or on some unit below it (e.g. a unit
    administrator reading a district-wide assignment for their own cadres)."""
    return any(action in ROLE_ACTIONS[s.role] and (
        s.path is None or unit.path.startswith(s.path) or s.path.startswith(unit.path))
        for s in scopes(user))


def overlap_clause(action: str, user=None) -> ColumnElement[bool]:
    """A WHERE clause on `Unit.path`: units in the user's scope for `action`, or above it."""
    return _paths_clause(action, user, lambda p: or_(Unit.path.startswith(p, autoescape=True),
                                                     literal(p).startswith(Unit.path)))


def require(allowed: bool) -> None:
    """Abort with 404 when not allowed: a refusal must not reveal that the record exists."""
    if not allowed:
        abort(404)


# ---- courses (duck-typed: this module does not import the catalogue's models) ------------

def can_review_courses(user=None) -> bool:
    """The organisation department reviews, publishes and archives courses."""
    return can_anywhere("course.review", user)


def can_edit_course(course, user=None) -> bool:
    """Authors edit their own draft courses; reviewers may edit any course."""
    user = user or current_user
    if can_review_courses(user):
        return True
    if not can_anywhere("course.author", user) or course.status not in ("draft",):
        return False
    return teaches(course, user)


def can_view_course(course, user=None) -> bool:
    """Published courses are open to every signed-in user; others to authors and reviewers."""
    user = user or current_user
    if not getattr(user, "is_authenticated", False):
        return False
    if course.status == "published":
        return True
    if can_review_courses(user):
        return True
    return teaches(course, user)


def teaches(course, user=None) -> bool:
    """True when the user owns the course or is one of its lecturers."""
    user = user or current_user
    return course.owner_id == user.id or any(u.id == user.id for u in course.lecturers)


def can_mark_any_attendance(course, user=None) -> bool:
    """The course's lecturers and the organisation department mark anyone enrolled; unit
    administrators mark the cadres of their own units (`completion.view`)."""
    return can_review_courses(user) or teaches(course, user)
