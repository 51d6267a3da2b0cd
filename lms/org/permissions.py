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
    # Training classes: propose and run classes for the subtree (drafts, sessions, attendance,
    # leave, closing), confirm or explain the unit's assigned cadres, fill its quotas, release
    # its cadres to another organiser's class, read the subtree's training figures.
    "training.run", "training.view",
}
ROLE_ACTIONS: dict[str, set[str]] = {
    "learner": set(),
    # The security auditor (审计管理员) reads and exports the administrative audit log and the
    # security settings, and changes nothing (三员分立).
    "auditor": {"audit.view"},
    "lecturer": {"unit.view", "course.author"},
    "unit_admin": _UNIT_ADMIN | {"role.grant"},
    # The organisation department also reviews, approves, returns and files class plans,
    # publishes the year's plan and budgets, assigns cadres compulsorily (调训) and decides
    # explanations (`training.manage`).
    "org_admin": _UNIT_ADMIN | {"role.grant", "category.manage", "course.author",
                                "course.review", "rules.manage", "reading.publish",
                                "training.manage"},
    # The system administrator runs the system, not the department's training business.
    "sysadmin": (_UNIT_ADMIN - {"training.run", "training.view"})
    | {"role.grant", "category.manage", "system.manage", "course.author", "course.review",
       "rules.manage", "reading.publish"},
}
# What a learner may do on their own record.
SELF_ACTIONS = {"cadre.view", "record.view"}
# Administrative roles in the cadre-management hierarchy: one is granted only from strictly
# above its unit, and a holder never credits anyone whose administrative scope holds theirs.
HIERARCHY_ROLES = ("unit_admin", "org_admin", "sysadmin")
# Roles that only a system administrator grants (or the `users grant` command at deployment).
SYSTEM_ROLES = ("org_admin", "sysadmin", "auditor")
# The auditor is kept apart: an account holding it holds no other administrative role.
EXCLUSIVE_ROLES = ("auditor",)


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


def can_grant(role: str, unit: Unit | None, user=None) -> bool:
    """True when the user may grant or revoke `role` over `unit` (None: everywhere).

    Learner and lecturer roles need `role.grant` over the unit; a unit administrator's role
    needs it from strictly above the unit (a street appoints its communities' administrators,
    never a second administrator of its own street); organisation-department, system and
    auditor roles need a system administrator.
    """
    for s in scopes(user):
        if "role.grant" not in ROLE_ACTIONS[s.role]:
            continue
        if role in SYSTEM_ROLES:
            if s.role == "sysadmin":
                return True
            continue
        if s.path is None:
            return True
        if unit is None or not unit.path.startswith(s.path):
            continue
        if role not in HIERARCHY_ROLES or unit.path != s.path:
            return True
    return False


def reaches(target, user=None) -> bool:
    """True when `target` (a User) is within the user's reach as an administrator: not the
    user themselves, and holding no role the user could not grant. Anything else answers as
    a record out of scope does."""
    user = user or current_user
    if target.id == getattr(user, "id", None):
        return False
    return all(can_grant(grant.role, grant.unit, user) for grant in target.grants)


def reach_clause(user=None) -> ColumnElement[bool]:
    """A WHERE clause on `User.id`: accounts that `reaches` would allow (for lists)."""
    from sqlalchemy import and_, exists, select
    from sqlalchemy.orm import aliased

    from lms.auth.models import User
    from lms.org.models import RoleGrant

    user = user or current_user
    granting = [s for s in scopes(user) if "role.grant" in ROLE_ACTIONS[s.role]]
    if not granting:
        return false()
    sysadmin = any(s.role == "sysadmin" for s in granting)
    grant_unit = aliased(Unit)
    paths = [s.path for s in granting]
    if None in paths:
        inside, strictly = true(), true()
    else:
        inside = or_(*(grant_unit.path.startswith(p, autoescape=True) for p in paths))
        strictly = or_(*(and_(grant_unit.path.startswith(p, autoescape=True),
                              grant_unit.path != p) for p in paths))
    grantable = or_(
        and_(RoleGrant.role.in_(SYSTEM_ROLES), true() if sysadmin else false()),
        and_(RoleGrant.role.in_([r for r in HIERARCHY_ROLES if r not in SYSTEM_ROLES]),
             grant_unit.id.is_not(None), strictly),
        and_(RoleGrant.role.not_in(HIERARCHY_ROLES + SYSTEM_ROLES),
             grant_unit.id.is_not(None), inside),
    )
    beyond = (select(RoleGrant.id).outerjoin(grant_unit, grant_unit.id == RoleGrant.unit_id)
              .where(RoleGrant.user_id == User.id, ~grantable))
    return and_(User.id != user.id, ~exists(beyond))


def may_credit(target, user=None) -> bool:
    """Four eyes on every credit: nobody credits (enters, verifies, marks, approves, grades)
    learning of their own, nor of anyone whose administrative scope holds one of their own
    administrative roles (a subordinate or a peer never credits a superior), nor of anyone
    who could manage their account (a lecturer the target appointed: whoever can reset an
    account's password can act through it). `target` is a User; `can`/`can_on_cadre` still
    decide whether the user may act on them at all."""
    user = user or current_user
    if target.id == getattr(user, "id", None):
        return False
    if reaches(user, target):
        return False
    mine = [s.path for s in scopes(user) if s.role in HIERARCHY_ROLES]
    if not mine:
        return True
    for grant in target.grants:
        if grant.role not in HIERARCHY_ROLES:
            continue
        theirs = grant.unit.path if grant.unit is not None else None
        if any(theirs is None or (p is not None and p.startswith(theirs)) for p in mine):
            return False
    return True


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


def holders(action: str) -> list[str]:
    """The roles that carry `action` (in the order roles are listed)."""
    return [role for role, actions in ROLE_ACTIONS.items() if action in actions]


def require_anywhere(action: str, user=None) -> None:
    """Abort with 403 unless the user may do `action` somewhere; the page says which roles
    may, so a refusal is never a riddle."""
    if can_anywhere(action, user):
        return
    from flask_babel import gettext as _

    from lms.org.labels import ROLE_LABELS

    names = "、".join(str(ROLE_LABELS[role]) for role in holders(action))
    abort(403, description=_("This page is for: %(roles)s. Your roles do not include it; "
                             "an administrator above your unit can grant it.", roles=names))


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


def can_export_course(course, user=None, *, sealed: bool = False) -> bool:
    """Who downloads a course's package: it holds every activity's content, an exam's
    questions too (`sealed`), so its owner and lecturers, and the organisation department
    while the course holds no exam."""
    return teaches(course, user) or (can_review_courses(user) and not sealed)


def teaches(course, user=None) -> bool:
    """True when the user owns the course or is one of its lecturers."""
    user = user or current_user
    return course.owner_id == user.id or any(u.id == user.id for u in course.lecturers)


def reads_responses(course, user=None) -> bool:
    """Who reads what learners answered in a course's activities and the pages activity types
    add for lecturers (a survey's results): the course's lecturers and the organisation
    department, never learners."""
    return teaches(course, user) or can_review_courses(user)


def reads_shared_bank(user=None) -> bool:
    """The district's shared question bank, which exams draw from, is read only by those who
    manage it: the organisation department."""
    return can_review_courses(user)


def authors_exam(course, user=None, *, shared_bank: bool = False) -> bool:
    """True when the user authors a sealed exam of `course`, and so may read its questions:
    the course's owner and lecturers (who alone write them) and, when the exam draws from the
    shared bank (`shared_bank`), whoever reads that bank. An author never sits the exam."""
    return teaches(course, user) or (shared_bank and reads_shared_bank(user))


def can_read_questions(course, user=None, *, sealed: bool = False,
                       shared_bank: bool = False) -> bool:
    """Who reads a graded activity's questions (its questions file, the banks it draws from,
    its item analysis, answers to grade): for a sealed exam its authors only (`authors_exam`);
    for a quiz, as for the course's own bank, the course's editors and lecturers."""
    if sealed:
        return authors_exam(course, user, shared_bank=shared_bank)
    return can_edit_course(course, user) or teaches(course, user)


def can_mark_any_attendance(course, user=None) -> bool:
    """The course's lecturers and the organisation department mark anyone enrolled; unit
    administrators mark the cadres of their own units (`completion.view`)."""
    return can_review_courses(user) or teaches(course, user)


def has_inbox(user=None) -> bool:
    """Everyone signed in has an inbox of notices but the security auditor without a cadre
    profile, whose pages are the audit log's."""
    user = user or current_user
    if not getattr(user, "is_authenticated", False):
        return False
    return not (can_anywhere("audit.view", user) and getattr(user, "profile", None) is None)


# ---- background jobs (duck-typed: a job row with `owner_id`) -------------------------------

def owns_job(job, user=None) -> bool:
    """A job, its progress and its result are its owner's alone (a scheduled job, with no
    owner, is nobody's page)."""
    user = user or current_user
    return bool(getattr(user, "is_authenticated", False)) and job.owner_id is not None \
        and job.owner_id == user.id
