"""State changes on the unit tree, cadres and role grants. Services own the transactions."""
from __future__ import annotations

from flask import current_app, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, literal, select, update

from lms.audit import services as audit
from lms.auth.models import User, new_session_token
from lms.auth.passwords import hash_password, policy_errors
from lms.auth.services import issue_temporary_password, revoke_all_tokens
from lms.core.signals import cadres_changed
from lms.extensions import db
from lms.org import attributes
from lms.org.models import (
    RANKS,
    ROLES,
    UNIT_KINDS,
    CadreProfile,
    Category,
    RoleGrant,
    Unit,
)
from lms.org.permissions import EXCLUSIVE_ROLES, HIERARCHY_ROLES

# Roles held everywhere rather than over a unit.
GLOBAL_ROLES = ("sysadmin", "auditor")


class OrgError(ValueError):
    """A refused change; the message is ready to show to the user."""


# ---- units -------------------------------------------------------------------------------

def unit_by_code(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == code.strip()))


def _place(unit: Unit, parent: Unit | None) -> None:
    unit.parent = parent
    unit.depth = parent.depth + 1 if parent else 0


def create_unit(code: str, name: str, kind: str, parent: Unit | None, *,
                commit: bool = True) -> Unit:
    """Create a unit under `parent` (None: a root)."""
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise OrgError(_("Code and name are required."))
    if kind not in UNIT_KINDS:
        raise OrgError(_("Unknown unit kind: %(kind)s", kind=kind))
    if unit_by_code(code):
        raise OrgError(_("A unit with code %(code)s already exists.", code=code))
    unit = Unit(code=code, name=name, kind=kind)
    _place(unit, parent)
    db.session.add(unit)
    db.session.flush()  # the id is part of the path
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    if commit:
        db.session.commit()
    return unit


def update_unit(unit: Unit, *, name: str, kind: str, code: str) -> None:
    code = code.strip()
    if kind not in UNIT_KINDS:
        raise OrgError(_("Unknown unit kind: %(kind)s", kind=kind))
    other = unit_by_code(code)
    if other is not None and other.id != unit.id:
        raise OrgError(_("A unit with code %(code)s already exists.", code=code))
    unit.name, unit.kind, unit.code = name.strip(), kind, code
    db.session.commit()


def move_unit(unit: Unit, new_parent: Unit) -> None:
    """Move `unit` (with its whole subtree) under `new_parent`."""
    if new_parent.path.startswith(unit.path):
        raise OrgError(_("A unit cannot be moved under itself or its own subunits."))
    old_path, old_depth = unit.path, unit.depth
    new_path = f"{new_parent.path}{unit.id}/"
    shift = new_parent.depth + 1 - old_depth
    # One UPDATE rewrites the paths and depths of the whole subtree.
    db.session.execute(
        update(Unit)
        .where(Unit.path.startswith(old_path, autoescape=True))
        .values(path=literal(new_path).concat(func.substr(Unit.path, len(old_path) + 1)),
                depth=Unit.depth + shift)
        .execution_options(synchronize_session=False)
    )
    unit.parent_id = new_parent.id
    db.session.commit()
    db.session.expire_all()
    announce(unit_path=new_path)


# ---- cadres ------------------------------------------------------------------------------

class CadreData:
    """The editable fields of a cadre, validated by the form or the importer: the account,
    the unit, the categories and each declared attribute (`lms.org.attributes`) by its key,
    its declared default when not given."""

    def __init__(self, username: str, name: str, unit: Unit,
                 categories: list[Category] | None = None, **values: object) -> None:
        declared = {a.key: a.default for a in attributes.ATTRIBUTES}
        unknown = set(values) - set(declared)
        if unknown:
            raise TypeError(f"not a cadre attribute: {', '.join(sorted(unknown))}")
        self.username, self.name, self.unit = username, name, unit
        self.categories = list(categories or [])
        self.attributes = {**declared, **values}

    def __getattr__(self, key: str) -> object:
        try:
            return self.__dict__["attributes"][key]
        except KeyError:
            raise AttributeError(key) from None


def create_cadre(data: CadreData, password: str | None = None) -> User:
    """Create a cadre account with its profile and the learner role at its unit."""
    if db.session.scalar(select(User.id).where(User.username == data.username)):
        raise OrgError(_("The username %(u)s is taken.", u=data.username))
    if data.rank not in RANKS:
        raise OrgError(_("Unknown rank."))
    user = User(username=data.username, name=data.name)
    if password:
        errors = policy_errors(password, data.username)
        if errors:
            raise OrgError(" ".join(errors))
        user.password_hash = hash_password(password)
        user.must_change_password = True
    db.session.add(user)
    profile = CadreProfile(user=user)
    _apply(profile, data)
    db.session.add(profile)
    db.session.add(RoleGrant(user=user, role="learner", unit=data.unit))
    db.session.flush()
    audit.log("account.create", target=user, detail={"username": user.username,
                                                     "unit": data.unit.code})
    db.session.commit()
    announce(user_ids=[user.id])
    return user


def _apply(profile: CadreProfile, data: CadreData) -> None:
    profile.user.name = data.name
    profile.unit = data.unit
    for key, value in data.attributes.items():
        setattr(profile, key, value)
    profile.categories = list(data.categories)


def update_cadre(profile: CadreProfile, data: CadreData) -> None:
    """Save edited attributes; a change of unit moves the learner grant too."""
    old_unit_id = profile.unit_id
    _apply(profile, data)
    if data.unit.id != old_unit_id:
        for grant in profile.user.grants:
            if grant.role == "learner":
                grant.unit = data.unit
    db.session.commit()
    announce(user_ids=[profile.user_id])


def add_account(username: str, name: str, password_hash: str | None, role: str,
                unit: Unit | None, **profile) -> User:
    """A user holding `role` over `unit`; with a unit, also a cadre profile and the learner
    role there. `profile` sets cadre attributes (rank, birth_date ...). Commits."""
    user = User(username=username, name=name, password_hash=password_hash)
    db.session.add(user)
    if unit is not None:
        db.session.add(CadreProfile(user=user, unit=unit, **profile))
        db.session.add(RoleGrant(user=user, role="learner", unit=unit))
    if role != "learner" or unit is None:
        db.session.add(RoleGrant(user=user, role=role,
                                 unit=None if role in EXCLUSIVE_ROLES else unit))
    db.session.flush()
    audit.log("account.create", target=user, detail={
        "username": username, "role": role, "unit": unit.code if unit else None})
    db.session.commit()
    return user


def _refuse_self(user: User) -> None:
    """Nobody changes their own account or roles through an administrator's action."""
    if has_request_context() and getattr(current_user, "id", None) == user.id:
        raise OrgError(_("You cannot change your own account or roles here."))


def set_active(user: User, active: bool) -> None:
    """Deactivate or reactivate an account; records are never deleted. Deactivating ends
    the account's sessions and revokes its API tokens at once."""
    _refuse_self(user)
    user.is_active_flag = active
    if not active:
        user.session_token = new_session_token()
        revoke_all_tokens(user)
    audit.log("account.activate" if active else "account.deactivate", target=user)
    db.session.commit()
    if active:
        announce(user_ids=[user.id])


def reset_password(user: User) -> str:
    """Give the account a one-time password (to be changed at sign-in); ends its sessions and
    revokes its API tokens. Returns the password, to be shown once."""
    _refuse_self(user)
    revoke_all_tokens(user)
    audit.log("password.reset", target=user)
    return issue_temporary_password(user)  # commits the whole


def announce(*, user_ids: list[int] | None = None, unit_path: str | None = None) -> None:
    """Tell other modules (assignments) which cadres changed."""
    cadres_changed.send(current_app._get_current_object(), user_ids=user_ids,
                        unit_path=unit_path)


# ---- roles -------------------------------------------------------------------------------

def grant_role(user: User, role: str, unit: Unit | None) -> RoleGrant:
    """Give `user` the role over `unit`'s subtree (idempotent). The auditor's and the system
    administrator's roles hold everywhere (their unit is ignored). The auditor role is kept
    apart from every administrative role (三员分立)."""
    if role not in ROLES:
        raise OrgError(_("Unknown role: %(role)s", role=role))
    _refuse_self(user)
    if role in GLOBAL_ROLES:
        unit = None
    elif unit is None:
        raise OrgError(_("This role needs a unit."))
    held = {grant.role for grant in user.grants}
    if role in EXCLUSIVE_ROLES and held & set(HIERARCHY_ROLES):
        raise OrgError(_("An auditor holds no other administrative role: revoke this "
                         "account's administrative roles first."))
    if role in HIERARCHY_ROLES and held & set(EXCLUSIVE_ROLES):
        raise OrgError(_("This account is an auditor, who holds no other administrative "
                         "role."))
    existing = db.session.scalar(select(RoleGrant).where(
        RoleGrant.user_id == user.id, RoleGrant.role == role,
        RoleGrant.unit_id == unit.id if unit else RoleGrant.unit_id.is_(None),
    ))
    if existing:
        return existing
    grant = RoleGrant(user=user, role=role, unit=unit)
    db.session.add(grant)
    audit.log("role.grant", target=user, detail=_grant_detail(role, unit))
    db.session.commit()
    return grant


def _grant_detail(role: str, unit: Unit | None) -> dict:
    return {"role": role, "unit": unit.code if unit else None,
            "unit_name": unit.name if unit else None}


def revoke_role(grant: RoleGrant) -> None:
    """Take a role away; the account keeps everything else."""
    _refuse_self(grant.user)
    audit.log("role.revoke", target=grant.user_id, detail=_grant_detail(grant.role, grant.unit))
    db.session.delete(grant)
    db.session.commit()


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.sort_order)))
