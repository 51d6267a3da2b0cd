"""Units, cadre profiles, categories and role grants."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db

UNIT_KINDS = ("district", "street", "department", "community", "office")
RANKS = ("division", "section", "subsection", "none")
EDUCATION_LEVELS = ("doctorate", "master", "bachelor", "college", "secondary", "other")
PARTY_STATUSES = ("member", "probationary", "activist", "league", "democratic", "masses")
TITLE_LEVELS = ("none", "junior", "mid", "senior")
GENDERS = ("male", "female")
ROLES = ("learner", "lecturer", "unit_admin", "org_admin", "sysadmin", "auditor")


class Unit(db.Model):
    """A node in the unit tree. `path` ("/1/4/9/") makes subtree queries one LIKE."""

    __tablename__ = "units"
    __table_args__ = (
        Index("ix_units_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    path: Mapped[str] = mapped_column(String(255), default="")
    depth: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    def contains(self, other: Unit) -> bool:
        """True when `other` is this unit or below it."""
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


cadre_categories = Table(
    "cadre_categories",
    db.metadata,
    Column("cadre_id", ForeignKey("cadre_profiles.user_id"), primary_key=True),
    Column("category_id", ForeignKey("categories.id"), primary_key=True, index=True),
)


class Category(db.Model):
    """A cadre category tag (科股级干部, 信息员 ...); a cadre may carry several."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class CadreProfile(db.Model):
    """The cadre attributes that drive training rules and reports; one per cadre user."""

    __tablename__ = "cadre_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    gender: Mapped[str | None] = mapped_column(String(8))
    rank: Mapped[str] = mapped_column(String(16), default="none", index=True)
    position: Mapped[str | None] = mapped_column(String(128))
    birth_date: Mapped[date | None]
    education: Mapped[str | None] = mapped_column(String(16))
    party_status: Mapped[str | None] = mapped_column(String(16))
    title_level: Mapped[str] = mapped_column(String(8), default="none")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(
        backref=backref("profile", uselist=False, lazy="joined"), lazy="joined"
    )
    unit: Mapped[Unit] = relationship(lazy="joined")
    # Loaded on demand: list queries ask for it with selectinload (see org.queries).
    categories: Mapped[list[Category]] = relationship(
        secondary=cadre_categories, order_by=Category.sort_order
    )


class RoleGrant(db.Model):
    """A role held over a unit subtree; `unit_id` is None only for a global sysadmin."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "unit_id", name="uq_role_grant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(
        backref=backref("grants", cascade="all, delete-orphan", lazy="selectin")
    )
    unit: Mapped[Unit | None] = relationship(lazy="joined")
