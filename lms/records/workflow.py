"""What reading notes, study plans and appraisals share: the statuses a cadre may still
change, the lock that orders the creation of a cadre's first note, plan or appraisal, the
year of a page and the fingerprint of a text kept in the audit chain."""
from __future__ import annotations

import hashlib

from flask import abort
from sqlalchemy import select

from lms.extensions import db
from lms.org.models import CadreProfile

EDITABLE = ("draft", "returned")  # the statuses in which a cadre may still change their text


def fingerprint(*parts: str) -> str:
    """SHA-256 (hex) of the parts joined by the unit separator (U+001F), so that moving text
    from one part to the next changes it. The audit chain keeps it with each action, so a
    text changed behind the application's back no longer matches."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def lock_cadre(user_id: int) -> None:
    """Lock the cadre's profile row until the transaction ends, so that two requests that
    would both create the cadre's first note, plan or appraisal run one after the other
    (a row lock on PostgreSQL; SQLite runs one writer at a time anyway)."""
    db.session.execute(select(CadreProfile.user_id).where(CadreProfile.user_id == user_id)
                       .with_for_update())


def year_or_404(value: str | int | None) -> int:
    """A year from a URL, or 404 when it is not a plausible one (`record_data.parse_year`)."""
    from lms.records.record_data import parse_year  # it reads notes and plans: import late

    year = parse_year(value)
    if year is None:
        abort(404)
    return year
