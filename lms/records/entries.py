"""Entries entered by administrators, their corrections, and claims self-reported by cadres
with evidence: one validation for the forms, the claims and the API, and the services that
write them.

`validate_entry` checks everything before anything is written (files included), so refused
input leaves no entry, audit event, total or stored file behind. Writes go through
`records.chain` and commit here; every action is in the audit log.
"""
from __future__ import annotations

import math
import os
import posixpath
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lms.auth.models import User
from lms.catalog import media
from lms.catalog.models import SubjectCategory
from lms.core import fields
from lms.core.params import is_db_id
from lms.core.storage import storage
from lms.core.timeutil import local_today, utcnow
from lms.extensions import db
from lms.org import credit
from lms.progress import notices
from lms.records import chain
from lms.records.models import AUTOMATIC_KINDS, ENTERED_KINDS, Claim, Evidence, RecordEntry
from lms.records.status import KIND_TEXT

MAX_HOURS = 2000.0
MAX_DAYS = 366.0
MAX_TEXT = 200  # title, organiser, result and the degree's facts (their columns' length)
MAX_NOTE = 2000  # a note or a reason
MAX_EVIDENCE_FILES = 10
# The record's first year: no entry, claim or year shown before it (`workflow.parse_year`).
FIRST_YEAR = 2000
EARLIEST = date(FIRST_YEAR, 1, 1)
# Evidence may be a PDF or a picture, detected from the content (never the name).
EVIDENCE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif",
                            "image/webp"})
DEGREE_FIELDS = ("institution", "programme", "degree")
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")

FIELD_LABELS = {
    "kind": _l("Form of learning"), "subject_id": _l("Subject"), "title": _l("Title"),
    "started_on": _l("Start date"), "ended_on": _l("End date"), "hours": _l("Study hours"),
    "days": _l("Days"), "organiser": _l("Organiser"), "result": _l("Result"),
    "note": _l("Note"), "institution": _l("Institution"), "programme": _l("Programme"),
    "degree": _l("Degree or diploma"), "evidence": _l("Evidence"), "reason": _l("Reason"),
    "corrects": _l("Corrected entry"), "details": _l("Details"),
}


def label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name))


@dataclass
class EntryData:
    """Checked facts of one entry or claim."""

    kind: str
    subject_id: int
    title: str
    ended_on: date
    started_on: date | None = None
    hours: float = 0.0
    days: float = 0.0
    organiser: str = ""
    result: str = ""
    note: str = ""
    details: dict = field(default_factory=dict)  # a degree's institution, programme, degree


@dataclass
class EvidenceFile:
    """An uploaded evidence file whose type (from its content) and size were checked."""

    name: str
    mime: str
    size: int
    stream: BinaryIO


class Invalid(Exception):
    """Input refused; `problems` maps each field to a message that names it."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


class EntryError(Exception):
    """An action that cannot be done on the record as it stands (`code`, message)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# ---- validation ----------------------------------------------------------------------------

def evidence_limit() -> int:
    """The largest evidence file accepted, in bytes (`LMS_EVIDENCE_MAX_MB`, default 10)."""
    return int(float(current_app.config.get("LMS_EVIDENCE_MAX_MB", 10)) * 1024 * 1024)


def evidence_limit_mb() -> str:
    """The evidence limit in MB, as shown to people."""
    return f"{evidence_limit() / 1024 / 1024:.3g}"


_blank = fields.blank


def _text(data: Mapping, name: str, problems: dict, *, required: bool = False,
          limit: int = MAX_TEXT) -> str:
    return fields.text(data, name, problems, label(name), limit, required=required)


def _number(data: Mapping, name: str, high: float, problems: dict) -> float:
    value = data.get(name)
    if _blank(value):
        return 0.0
    try:
        if isinstance(value, bool):
            raise ValueError(value)
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        problems[name] = _("%(field)s must be a number.", field=label(name))
        return 0.0
    if not math.isfinite(number) or not 0 <= number <= high:
        problems[name] = _("%(field)s must be between 0 and %(high)s.", field=label(name),
                           high=f"{high:g}")
        return 0.0
    return number


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date(data: Mapping, name: str, problems: dict, today: date, *,
          required: bool = False) -> date | None:
    value = data.get(name)
    if _blank(value):
        if required:
            problems[name] = _("%(field)s is required.", field=label(name))
        return None
    if isinstance(value, date):
        day = value
    else:
        try:
            if not isinstance(value, str) or not _ISO_DATE.fullmatch(value.strip()):
                raise ValueError(value)
            day = date.fromisoformat(value.strip())
        except ValueError:
            problems[name] = _("%(field)s is not a valid date (YYYY-MM-DD).",
                               field=label(name))
            return None
    if day < EARLIEST:
        problems[name] = _("%(field)s cannot be before %(day)s.", field=label(name),
                           day=EARLIEST.isoformat())
        return None
    if day > today:
        problems[name] = _("%(field)s cannot be in the future (today is %(today)s).",
                           field=label(name), today=today.isoformat())
        return None
    return day


def _kind(data: Mapping, problems: dict, fixed: str | None = None) -> str:
    """The form of learning: one entered by hand, or for a corrected entry exactly the kind
    of the entry it corrects (`fixed`, automatic kinds included)."""
    value = data.get("kind")
    if _blank(value):
        problems["kind"] = _("%(field)s is required.", field=label("kind"))
        return ""
    value = str(value).strip()
    if fixed is not None:
        if value != fixed:
            problems["kind"] = _("%(field)s: a corrected entry keeps the form of learning of "
                                 "the entry it corrects (%(kind)s).", field=label("kind"),
                                 kind=KIND_TEXT.get(fixed, fixed))
    elif value in AUTOMATIC_KINDS:
        problems["kind"] = _("%(field)s: %(kind)s is recorded by the platform itself and "
                             "cannot be entered by hand.", field=label("kind"), kind=value)
    elif value not in ENTERED_KINDS:
        problems["kind"] = _("%(field)s: %(kind)s is not a known form of learning.",
                             field=label("kind"), kind=value[:40])
    return value


def _subject(data: Mapping, problems: dict) -> int:
    value = data.get("subject_id")
    if _blank(value):
        problems["subject_id"] = _("%(field)s is required.", field=label("subject_id"))
        return 0
    try:
        if isinstance(value, bool | float):
            raise ValueError(value)
        subject_id = int(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        subject_id = 0
    if not is_db_id(subject_id) or db.session.get(SubjectCategory, subject_id) is None:
        problems["subject_id"] = _("%(field)s: no such subject category.",
                                   field=label("subject_id"))
    return subject_id


def clean_filename(name: str | None) -> str:
    """A file's own name without folders or control characters, for showing only."""
    base = posixpath.basename((name or "").replace("\\", "/"))
    base = "".join(c for c in base if c.isprintable()).strip().lstrip(".")
    return base[-MAX_TEXT:] or "evidence"


def _evidence(files: Sequence, problems: dict, *, required: bool) -> list[EvidenceFile]:
    """Each upload's type from its first bytes and its size, without storing anything."""
    uploads = [f for f in files if f is not None and getattr(f, "filename", None)]
    if not uploads:
        if required:
            problems["evidence"] = _("%(field)s: attach at least one PDF or picture.",
                                     field=label("evidence"))
        return []
    if len(uploads) > MAX_EVIDENCE_FILES:
        problems["evidence"] = _("%(field)s: attach at most %(n)d files.",
                                 field=label("evidence"), n=MAX_EVIDENCE_FILES)
        return []
    limit, checked, wrong = evidence_limit(), [], []
    for upload in uploads:
        name, stream = clean_filename(upload.filename), upload.stream
        stream.seek(0)
        mime = media.sniff(stream.read(64))
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        if mime not in EVIDENCE_TYPES:
            wrong.append(_("%(name)s is not a PDF or a picture (its content was checked).",
                           name=name))
        elif size > limit:
            wrong.append(_("%(name)s is larger than %(mb)s MB.", name=name,
                           mb=evidence_limit_mb()))
        else:
            checked.append(EvidenceFile(name=name, mime=mime, size=size, stream=stream))
    if wrong:
        problems["evidence"] = _("%(field)s: %(problems)s", field=label("evidence"),
                                 problems=" ".join(wrong))
    return checked


def _within_period(started_on: date | None, ended_on: date, hours: float, days: float,
                   problems: dict) -> None:
    """Days no more than the days of the period (one day without a start date) and hours no
    more than 24 a day of it."""
    length = (ended_on - started_on).days + 1 if started_on else 1
    if "days" not in problems and days > length:
        problems["days"] = (
            _("%(field)s cannot exceed the %(n)d days from %(start)s to %(end)s.",
              field=label("days"), n=length, start=started_on.isoformat(),
              end=ended_on.isoformat()) if started_on else
            _("%(field)s cannot exceed 1 without a start date; give the start date of a "
              "longer period.", field=label("days")))
    if "hours" not in problems and hours > 24 * length:
        problems["hours"] = (
            _("%(field)s cannot exceed 24 a day: at most %(max)d for the %(n)d days from "
              "%(start)s to %(end)s.", field=label("hours"), max=24 * length, n=length,
              start=started_on.isoformat(), end=ended_on.isoformat()) if started_on else
            _("%(field)s cannot exceed 24 without a start date; give the start date of a "
              "longer period.", field=label("hours")))


def validate_entry(data: Mapping[str, Any], files: Sequence | None = None, *,
                   with_evidence: bool = False,
                   kind: str | None = None) -> tuple[EntryData, list[EvidenceFile]]:
    """Check an entry (or a claim, `with_evidence`) from a form or JSON: a form of learning
    entered by hand (or, for a corrected entry, exactly `kind`, the kind of the entry it
    corrects), a known subject, a title, dates not in the future and in order, hours
    0–2000 and days 0–366 with at least one above zero (an automatic kind may have neither:
    it counts by the entry), days within the period and hours at most 24 a day of it, a
    degree's facts, and for a claim one or more PDF or picture files within the size limit.
    Raises `Invalid` naming every field at fault; nothing is written or stored here."""
    problems: dict[str, str] = {}
    today = local_today()
    kind = _kind(data, problems, kind)
    subject_id = _subject(data, problems)
    title = _text(data, "title", problems, required=True)
    started_on = _date(data, "started_on", problems, today, required=kind == "degree")
    ended_on = _date(data, "ended_on", problems, today, required=True)
    if started_on and ended_on and ended_on < started_on:
        problems["ended_on"] = _("%(field)s cannot be before the start date.",
                                 field=label("ended_on"))
    hours = _number(data, "hours", MAX_HOURS, problems)
    days = _number(data, "days", MAX_DAYS, problems)
    if ("hours" not in problems and "days" not in problems and hours <= 0 and days <= 0
            and kind not in AUTOMATIC_KINDS):
        problems["hours"] = _("%(field)s: enter study hours or days; at least one must be "
                              "above zero.", field=label("hours"))
    if ended_on and not {"started_on", "ended_on"} & problems.keys():
        _within_period(started_on, ended_on, hours, days, problems)
    organiser = _text(data, "organiser", problems)
    result = _text(data, "result", problems)
    note = _text(data, "note", problems, limit=MAX_NOTE)
    details = {}
    if kind == "degree":
        details = {name: _text(data, name, problems, required=True) for name in DEGREE_FIELDS}
    checked = _evidence(files or [], problems, required=with_evidence) if with_evidence else []
    if problems:
        raise Invalid(problems)
    return EntryData(kind=kind, subject_id=subject_id, title=title, started_on=started_on,
                     ended_on=ended_on, hours=hours, days=days, organiser=organiser,
                     result=result, note=note, details=details), checked


def _reason(value: str | None) -> str:
    reason = (value or "").strip()
    if not reason:
        raise Invalid({"reason": _("%(field)s is required.", field=label("reason"))})
    if len(reason) > MAX_NOTE:
        raise Invalid({"reason": _("%(field)s must be at most %(n)d characters.",
                                   field=label("reason"), n=MAX_NOTE)})
    return reason


def _four_eyes(user_id: int, actor_id: int) -> None:
    """No one enters, corrects or verifies learning in their own record, nor in the record
    of anyone whose administrative scope holds their own (`permissions.may_credit`)."""
    why = credit.refusal(db.session.get(User, user_id), db.session.get(User, actor_id))
    if why:
        raise EntryError("own_record" if user_id == actor_id else "four_eyes", why)


# ---- entries and corrections ---------------------------------------------------------------

def reversal_of(entry_id: int) -> RecordEntry | None:
    """The entry that reverses `entry_id`, if any."""
    return db.session.scalar(select(RecordEntry).where(RecordEntry.reverses_id == entry_id))


def correction_of(entry_id: int) -> RecordEntry | None:
    """The corrected entry that follows the reversal of `entry_id`, if any (one at most)."""
    return db.session.scalar(select(RecordEntry).where(
        RecordEntry.dedupe_key == f"correction:{entry_id}"))


def correction_target(user_id: int, entry_id: Any) -> RecordEntry:
    """The entry of this cadre that a new entry corrects: reversed and not itself a
    reversal. Raises `Invalid` (no such entry of theirs) or `EntryError`. Whether it is
    corrected already is decided when the corrected entry is appended (`add_entry`)."""
    entry = None
    if is_db_id(entry_id):
        entry = db.session.get(RecordEntry, entry_id)
    if entry is None or entry.user_id != user_id:
        raise Invalid({"corrects": _("%(field)s: no such entry in this cadre's record.",
                                     field=label("corrects"))})
    if entry.reverses_id is not None:
        raise EntryError("is_reversal", _("Entry %(id)d is itself a reversal; correct the "
                                          "entry it reverses.", id=entry.id))
    if reversal_of(entry.id) is None:
        raise EntryError("not_reversed", _("Entry %(id)d has not been reversed; reverse it "
                                           "with a reason first.", id=entry.id))
    return entry


def already_corrected(entry: RecordEntry, corrected: RecordEntry) -> EntryError:
    """The refusal of a second corrected entry for `entry`."""
    return EntryError("already_corrected", _(
        "Entry %(id)d has already been corrected by entry %(new)d; a reversed entry has one "
        "corrected entry. Reverse entry %(new)d first if it is wrong.", id=entry.id,
        new=corrected.id))


def _same_facts(entry: RecordEntry, data: EntryData, corrects: RecordEntry | None) -> bool:
    """Whether `entry` holds exactly these facts (a repeated request, not another one)."""
    details = dict(entry.details or {})
    corrected = details.pop("corrects", None)
    return (entry.kind, entry.subject_id, entry.title, entry.started_on, entry.ended_on,
            entry.hours, entry.days, entry.organiser, entry.result, entry.note,
            {k: details[k] for k in DEGREE_FIELDS if k in details}, corrected) == (
        data.kind, data.subject_id, data.title, data.started_on, data.ended_on, data.hours,
        data.days, data.organiser, data.result, data.note, data.details,
        corrects.id if corrects is not None else None)


def add_entry(user_id: int, data: EntryData, *, actor_id: int,
              corrects: RecordEntry | None = None,
              key: str | None = None) -> tuple[RecordEntry, bool]:
    """Append an entry entered by an administrator (origin "entered") and commit.

    With `corrects` (a reversed entry, see `correction_target`) it is that entry's corrected
    entry: the same kind, any kind, and what the form cannot change (source, course,
    certificate number, score, other details) kept from it; one per reversed entry (dedupe
    key `correction:<id>`). With an idempotency `key`, a repeated request returns the entry
    of the first one. Returns (entry, created); a request repeated with the same facts gets
    (the first entry, False). Raises `EntryError` "key_reused" when the key was used for
    other facts, "already_corrected" when another entry corrects `corrects`."""
    _four_eyes(user_id, actor_id)
    details = dict(data.details)
    reason = data.note
    kept: dict[str, Any] = {}
    if corrects is not None:
        details = {**{k: v for k, v in (corrects.details or {}).items()
                      if k not in (*DEGREE_FIELDS, "corrects", "reversed_on")},
                   **details, "corrects": corrects.id}
        kept = {"source": corrects.source, "course_id": corrects.course_id,
                "reference": corrects.reference, "score": corrects.score}
        reversal = reversal_of(corrects.id)
        reason = reason or (reversal.note if reversal else "")
        dedupe_key = f"correction:{corrects.id}"
    elif key:
        dedupe_key = f"key:{user_id}:{actor_id}:{key}"
    else:
        dedupe_key = f"entered:{user_id}:{uuid.uuid4().hex}"
    entry = RecordEntry(
        user_id=user_id, kind=data.kind, subject_id=data.subject_id, title=data.title,
        hours=data.hours, days=data.days, occurred_on=data.ended_on,
        started_on=data.started_on, ended_on=data.ended_on, organiser=data.organiser,
        result=data.result, details=details, note=data.note, origin="entered",
        entered_by_id=actor_id, dedupe_key=dedupe_key, **kept)
    written = chain.append_entry(entry, actor_id=actor_id, reason=reason)
    if written is not None:
        db.session.commit()
        return written, True
    db.session.rollback()  # the dedupe key is taken: the same request again, or another
    first = db.session.scalar(select(RecordEntry).where(RecordEntry.dedupe_key == dedupe_key))
    if first.entered_by_id == actor_id and _same_facts(first, data, corrects):
        return first, False
    if corrects is not None:
        raise already_corrected(corrects, first)
    raise EntryError("key_reused", _("This idempotency key was already used for an entry "
                                     "with other facts (entry %(id)d); use a new key for a "
                                     "new entry.", id=first.id))


def reverse(entry: RecordEntry, *, actor_id: int, reason: str | None) -> RecordEntry:
    """Append the reversal of `entry` with its reason and commit. Both entries stay in the
    record. Raises `Invalid` without a reason, `EntryError` for a reversal or an entry
    already reversed."""
    _four_eyes(entry.user_id, actor_id)
    if entry.reverses_id is not None:
        raise EntryError("is_reversal", _("This entry is itself a correction; a reversal "
                                          "cannot be reversed."))
    if reversal_of(entry.id) is not None:
        raise EntryError("already_reversed", _("This entry has already been reversed."))
    text = _reason(reason)
    try:
        written = chain.reverse_entry(entry, actor_id=actor_id, reason=text, on=local_today())
    except ValueError as exc:  # reversed meanwhile by someone else
        db.session.rollback()
        raise EntryError("already_reversed",
                         _("This entry has already been reversed.")) from exc
    db.session.commit()
    return written


# ---- claims --------------------------------------------------------------------------------

def submit_claim(user_id: int, data: EntryData, files: Sequence[EvidenceFile]) -> Claim:
    """Store the checked evidence files and the cadre's claim (pending), audit it, commit."""
    limit = evidence_limit()
    claim = Claim(user_id=user_id, kind=data.kind, subject_id=data.subject_id,
                  title=data.title, hours=data.hours, days=data.days,
                  started_on=data.started_on, ended_on=data.ended_on,
                  organiser=data.organiser, result=data.result,
                  details={**data.details, **({"note": data.note} if data.note else {})},
                  status="pending")
    for upload in files:
        upload.stream.seek(0)
        try:
            sha, size = storage().store_stream(upload.stream, limit)
        except ValueError as exc:
            raise Invalid({"evidence": _("%(name)s is larger than %(mb)s MB.", name=upload.name,
                                         mb=evidence_limit_mb())}) from exc
        claim.evidence.append(Evidence(sha256=sha, filename=upload.name, mime=upload.mime,
                                       size=size))
    db.session.add(claim)
    db.session.flush()
    chain.audit("claim.submit", actor_id=user_id, user_id=user_id,
                detail={"claim": claim.id, "kind": claim.kind, "hours": claim.hours,
                        "days": claim.days, "files": [e.sha256 for e in claim.evidence]})
    db.session.commit()
    return claim


def _pending(claim_id: int) -> Claim:
    """The claim, locked for this transaction and read afresh; pending or EntryError."""
    claim = db.session.scalar(select(Claim).where(Claim.id == claim_id).with_for_update()
                              .execution_options(populate_existing=True))
    if claim is None or claim.status != "pending":
        db.session.rollback()  # let go of the lock
        raise EntryError("decided", _("This claim has already been decided."))
    return claim


def verify_claim(claim: Claim, *, actor_id: int) -> RecordEntry:
    """Verify a pending claim: append its entry (origin "verified") and commit."""
    _four_eyes(claim.user_id, actor_id)
    claim = _pending(claim.id)
    details = dict(claim.details or {})
    note = str(details.pop("note", ""))
    entry = chain.append_entry(RecordEntry(
        user_id=claim.user_id, kind=claim.kind, subject_id=claim.subject_id, title=claim.title,
        hours=claim.hours, days=claim.days, occurred_on=claim.ended_on,
        started_on=claim.started_on, ended_on=claim.ended_on, organiser=claim.organiser,
        result=claim.result, details=details, note=note, origin="verified",
        entered_by_id=claim.user_id, verified_by_id=actor_id, source=f"claim:{claim.id}",
        dedupe_key=f"claim:{claim.id}"), actor_id=actor_id, reason=f"claim:{claim.id}")
    if entry is None:
        db.session.rollback()
        raise EntryError("decided", _("This claim has already been decided."))
    claim.status, claim.entry_id = "verified", entry.id
    claim.reviewed_by_id, claim.reviewed_at = actor_id, utcnow()
    chain.audit("claim.verify", actor_id=actor_id, user_id=claim.user_id,
                detail={"claim": claim.id, "entry": entry.id})
    with force_locale("zh_CN"):  # notices are stored once, in the platform's language
        message = _("Your claim “%(t)s” was verified and now counts in your learning record.",
                    t=claim.title)
    _tell(claim, message, actor_id)
    db.session.commit()
    return entry


def reject_claim(claim: Claim, *, actor_id: int, reason: str | None) -> Claim:
    """Reject a pending claim with a reason the cadre will read; audit it and commit."""
    _four_eyes(claim.user_id, actor_id)
    text = _reason(reason)
    claim = _pending(claim.id)
    claim.status, claim.reason = "rejected", text
    claim.reviewed_by_id, claim.reviewed_at = actor_id, utcnow()
    chain.audit("claim.reject", actor_id=actor_id, user_id=claim.user_id, reason=text,
                detail={"claim": claim.id})
    with force_locale("zh_CN"):
        message = _("Your claim “%(t)s” was rejected: %(r)s", t=claim.title, r=text)
    _tell(claim, message, actor_id)
    db.session.commit()
    return claim


def _tell(claim: Claim, message: str, actor_id: int) -> None:
    """Notify the cadre of the decision on their claim (in this transaction)."""
    notices.notify([claim.user_id], "claim", message,
                   notices.link_to("record_entries.my_claims"), actor_id=actor_id)
