"""What reading notes, study plans and appraisals share: the statuses a cadre may still
change, the lock that orders the creation of a cadre's first note, plan or appraisal, the
year of a page, the fingerprint of a text kept in the audit chain and how a page saves."""
from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import abort, flash
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lms.core.timeutil import local_today
from lms.extensions import db
from lms.org.models import CadreProfile
from lms.records.entries import FIRST_YEAR

EDITABLE = ("draft", "returned")  # the statuses in which a cadre may still change their text

RACE = _l("Someone saved this at the same moment, so your change was not saved. Open the "
          "page again and check what it holds.")


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


def parse_year(value: str | int | None) -> int | None:
    """A year from a query argument, `FIRST_YEAR` to next year; None when absent or not such
    a year. The one year parser of the record's pages and API."""
    try:
        year = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return year if FIRST_YEAR <= year <= local_today().year + 1 else None


def year_or_404(value: str | int | None) -> int:
    """A year from a URL, or 404 when it is not a plausible one (`parse_year`)."""
    year = parse_year(value)
    if year is None:
        abort(404)
    return year


def saved(save: Callable[[], object], refused: type[Exception]) -> bool:
    """Run `save` and commit. When it raises `refused` (its message says why) or clashes with
    a save made at the same moment, roll back, flash why and return False."""
    try:
        save()
        db.session.commit()
    except refused as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return False
    except IntegrityError:
        db.session.rollback()
        flash(str(RACE), "error")
        return False
    return True
