"""Read-side queries of entered entries and claims: a cadre's latest entries, the claims
queue of an administrator's scope and a cadre's own claims."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, String, cast, exists, func, literal, select
from sqlalchemy.orm import aliased, selectinload

from lms.auth.models import User
from lms.catalog.models import SubjectCategory
from lms.extensions import db
from lms.org import permissions
from lms.org.models import CadreProfile, Unit
from lms.org.queries import cadre_clauses
from lms.records.models import CLAIM_STATUSES, ENTERED_KINDS, Claim, Evidence, RecordEntry


def subject_names() -> dict[int, str]:
    """Subject category names by id (a short reference table)."""
    return dict(db.session.execute(select(SubjectCategory.id, SubjectCategory.name)).all())


def recent_entries(user_id: int, limit: int = 10) -> list:
    """A cadre's latest entries as rows (entry, subject name, reversed?, corrected?), in one
    query."""
    later = aliased(RecordEntry)
    reversed_ = exists(select(later.id).where(later.reverses_id == RecordEntry.id))
    corrected = exists(select(later.id).where(
        later.dedupe_key == literal("correction:") + cast(RecordEntry.id, String)))
    return list(db.session.execute(
        select(RecordEntry, SubjectCategory.name.label("subject"), reversed_.label("reversed"),
               corrected.label("corrected"))
        .outerjoin(SubjectCategory, SubjectCategory.id == RecordEntry.subject_id)
        .where(RecordEntry.user_id == user_id)
        .order_by(RecordEntry.created_at.desc(), RecordEntry.id.desc()).limit(limit)).all())


@dataclass
class ClaimFilter:
    """Filters of the claims queue: status (pending by default), unit subtree, form of
    learning, name or username."""

    status: str = "pending"
    unit: Unit | None = None
    kind: str | None = None
    q: str | None = None

    @classmethod
    def from_args(cls, args) -> ClaimFilter:
        status = args.get("status") or "pending"
        code = (args.get("unit") or "").strip()
        unit = db.session.scalar(select(Unit).where(Unit.code == code)) if code else None
        kind = args.get("kind") if args.get("kind") in ENTERED_KINDS else None
        return cls(status=status if status in (*CLAIM_STATUSES, "all") else "pending",
                   unit=unit, kind=kind, q=(args.get("q") or "").strip()[:64] or None)


def _reversal():
    """An alias of the entry that reverses a verified claim's entry, to outer-join."""
    reversal = aliased(RecordEntry)
    return reversal, reversal.reverses_id == Claim.entry_id


def claims_select(f: ClaimFilter) -> Select:
    """Claims of cadres in the current user's `record.manage` scope, filtered, oldest first,
    as rows (claim, name, username, unit name, subject name, evidence count, the reason its
    entry was reversed or None)."""
    files = (select(func.count(Evidence.id)).where(Evidence.claim_id == Claim.id)
             .correlate(Claim).scalar_subquery())
    reversal, reverses = _reversal()
    stmt = (
        select(Claim, User.name.label("name"), User.username.label("username"),
               Unit.name.label("unit_name"), SubjectCategory.name.label("subject"),
               files.label("files"), reversal.note.label("reversed_reason"))
        .join(User, User.id == Claim.user_id)
        .join(CadreProfile, CadreProfile.user_id == Claim.user_id)
        .join(Unit, Unit.id == CadreProfile.unit_id)
        .outerjoin(SubjectCategory, SubjectCategory.id == Claim.subject_id)
        .outerjoin(reversal, reverses)
        .where(permissions.unit_clause("record.manage"),
               *cadre_clauses(unit=f.unit, q=f.q))
    )
    if f.status != "all":
        stmt = stmt.where(Claim.status == f.status)
    if f.kind:
        stmt = stmt.where(Claim.kind == f.kind)
    return stmt.order_by(Claim.created_at, Claim.id)


def my_claims_select(user_id: int) -> Select:
    """A cadre's own claims with their evidence, newest first, as rows (claim, reversal of its
    entry or None, the corrected entry's id or None), in one query (and one for evidence)."""
    reversal, reverses = _reversal()
    corrected = aliased(RecordEntry)
    return (select(Claim, reversal, corrected.id.label("corrected_id"))
            .outerjoin(reversal, reverses)
            .outerjoin(corrected, corrected.dedupe_key == literal("correction:")
                       + cast(Claim.entry_id, String))
            .where(Claim.user_id == user_id)
            .options(selectinload(Claim.evidence))
            .order_by(Claim.created_at.desc(), Claim.id.desc()))
