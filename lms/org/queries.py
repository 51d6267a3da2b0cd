"""Read-side queries shared by the HTML views, the exports and the API."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from lms.auth.models import User
from lms.core.params import int_arg
from lms.extensions import db
from lms.org.models import CadreProfile, Unit, cadre_categories
from lms.org.permissions import reach_clause, unit_clause


@dataclass
class CadreFilter:
    """Filters of the cadre list: unit subtree, category, rank, name search, status."""

    unit_id: int | None = None
    category_id: int | None = None
    rank: str | None = None
    q: str | None = None
    status: str = "active"  # active | inactive | all

    @classmethod
    def from_args(cls, args) -> CadreFilter:
        return cls(
            unit_id=int_arg("unit", args=args),
            category_id=int_arg("category", args=args),
            rank=args.get("rank") or None,
            q=(args.get("q") or "").strip() or None,
            status=args.get("status") if args.get("status") in ("inactive", "all") else "active",
        )


def cadre_clauses(*, unit: Unit | None = None, category_id: int | None = None,
                  q: str | None = None) -> list[ColumnElement[bool]]:
    """Filters over cadre profiles joined with their users and units: a unit's subtree, a
    category, a name or username containing `q`."""
    clauses: list[ColumnElement[bool]] = []
    if unit is not None:
        clauses.append(Unit.path.startswith(unit.path, autoescape=True))
    if category_id:
        clauses.append(CadreProfile.user_id.in_(select(cadre_categories.c.cadre_id).where(
            cadre_categories.c.category_id == category_id)))
    if q:
        like = f"%{q}%"
        clauses.append(or_(User.name.like(like), User.username.like(like)))
    return clauses


def cadre_select(f: CadreFilter, action: str = "cadre.view") -> Select:
    """Cadres the current user may see for `action` and reaches (never their own account,
    nor one holding a role they could not grant: its link would answer 404), filtered, in
    unit then name order."""
    stmt = (
        select(CadreProfile)
        .join(CadreProfile.user)
        .join(CadreProfile.unit)
        .options(contains_eager(CadreProfile.user), contains_eager(CadreProfile.unit),
                 selectinload(CadreProfile.categories))
        .where(unit_clause(action), reach_clause())
    )
    unit = db.session.get(Unit, f.unit_id) if f.unit_id else None
    stmt = stmt.where(*cadre_clauses(unit=unit, category_id=f.category_id, q=f.q))
    if f.rank:
        stmt = stmt.where(CadreProfile.rank == f.rank)
    if f.status != "all":
        stmt = stmt.where(User.is_active_flag.is_(f.status == "active"))
    return stmt.order_by(Unit.path, User.username)


def select_units(action: str = "unit.view") -> Select:
    """Units the current user may see for `action`, ordered by path."""
    return select(Unit).where(unit_clause(action)).order_by(Unit.path)


def visible_units(action: str = "unit.view") -> list[Unit]:
    """All units the current user may see for `action`."""
    return list(db.session.scalars(select_units(action)))


def tree_order(units: list[Unit]) -> list[Unit]:
    """Order units depth-first with siblings by code (paths sort by id, not by code)."""
    children: dict[int | None, list[Unit]] = {}
    ids = {u.id for u in units}
    for u in units:
        children.setdefault(u.parent_id if u.parent_id in ids else None, []).append(u)
    out: list[Unit] = []

    def walk(parent: int | None) -> None:
        for u in sorted(children.get(parent, []), key=lambda x: x.code):
            out.append(u)
            walk(u.id)

    walk(None)
    return out


def unit_choices(action: str, *, by_code: bool = False) -> list[tuple[int | str, str]]:
    """(id or code, indented label) of the units the current user may see for `action`, in
    tree order."""
    return [(u.code if by_code else u.id, "\u3000" * u.depth + f"{u.name}（{u.code}）")
            for u in tree_order(visible_units(action))]


def cadre_counts() -> dict[int, int]:
    """Active cadres per unit (not including subunits), in one grouped query."""
    rows = db.session.execute(
        select(CadreProfile.unit_id, func.count())
        .join(CadreProfile.user).where(User.is_active_flag.is_(True))
        .group_by(CadreProfile.unit_id)
    )
    return dict(rows.all())
