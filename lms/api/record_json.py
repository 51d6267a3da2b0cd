"""One learning-record entry as JSON, and its OpenAPI schema: the same for every answer that
holds entries (`GET /users/{username}/record`, adding an entry, reversing one)."""
from __future__ import annotations

from datetime import date

from lms.records.models import KINDS, ORIGINS
from lms.records.record_data import EntryLine, Person


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _person(person: Person | None) -> dict | None:
    return {"username": person.username, "name": person.name} if person else None


def entry_json(line: EntryLine, username: str) -> dict:
    """An entry of `username`'s record with the names it refers to (`ENTRY_SCHEMA`)."""
    e = line.entry
    return {
        "id": e.id, "username": username, "year": e.year, "kind": e.kind,
        "subject_id": e.subject_id, "subject": line.subject, "title": e.title,
        "hours": e.hours, "days": e.days or 0.0, "occurred_on": _day(e.occurred_on),
        "started_on": _day(e.started_on), "ended_on": _day(e.ended_on),
        "organiser": e.organiser, "result": e.result, "details": e.details or {},
        "origin": e.origin, "entered_by": _person(line.entered_by),
        "verified_by": _person(line.verified_by), "source": e.source,
        "reference": e.reference, "score": e.score, "reverses_id": e.reverses_id,
        "reason": e.note if e.reverses_id is not None else None, "note": e.note,
        "reversed_by_entry_id": line.reversal.id if line.reversal else None,
        "created_at": e.created_at.isoformat() + "Z",
    }


_DATE = {"type": "string", "format": "date"}
PERSON_SCHEMA = {"type": "object", "nullable": True, "properties": {
    "username": {"type": "string"}, "name": {"type": "string"}}}

ENTRY_SCHEMA = {
    "type": "object",
    "description": "One entry of a cadre's learning record. Entries are append-only: a "
                   "correction is a reversal (`reverses_id` set, hours and days negated) plus "
                   "a corrected entry (`details.corrects`), all kept.",
    "required": ["id", "username", "year", "kind", "title", "hours", "days", "occurred_on",
                 "origin", "details", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string", "description": "The cadre."},
        "year": {"type": "integer", "description": "The year it counts in."},
        "kind": {"type": "string", "enum": list(KINDS), "description": "Form of learning."},
        "subject_id": {"type": "integer", "nullable": True},
        "subject": {"type": "string", "nullable": True, "description": "Subject category."},
        "title": {"type": "string"},
        "hours": {"type": "number", "description": "Study hours (学时); negative on a "
                                                   "reversal."},
        "days": {"type": "number", "description": "Days; negative on a reversal."},
        "occurred_on": {**_DATE, "description": "The day it counts on (end of the period)."},
        "started_on": {**_DATE, "nullable": True},
        "ended_on": {**_DATE, "nullable": True},
        "organiser": {"type": "string"}, "result": {"type": "string"},
        "details": {"type": "object", "description": "Kind-specific facts: a degree's "
                    "`institution`, `programme`, `degree`; `corrects` (on a corrected entry: "
                    "the id of the reversed entry it corrects); a reversal's `reversed_on`; "
                    "an approved reading note's `item_id` and `list_year`."},
        "origin": {"type": "string", "enum": list(ORIGINS),
                   "description": "automatic (written by the platform), entered (by an "
                                  "administrator, reversals and corrected entries included) or "
                                  "verified (reported by the cadre and verified by an "
                                  "administrator)."},
        "entered_by": {**PERSON_SCHEMA, "description": "Who entered it (the cadre, for a "
                                                       "verified claim); null when "
                                                       "automatic."},
        "verified_by": {**PERSON_SCHEMA, "description": "Who verified the cadre's claim."},
        "source": {"type": "string", "nullable": True,
                   "description": "What produced it: course:ID, activity:ID, "
                                  "reading_note:ID, claim:ID (kept on its reversal and its "
                                  "corrected entry)."},
        "reference": {"type": "string", "nullable": True,
                      "description": "A certificate number (an exam passed)."},
        "score": {"type": "number", "nullable": True, "description": "Percent."},
        "reverses_id": {"type": "integer", "nullable": True,
                        "description": "On a reversal: the entry it reverses."},
        "reason": {"type": "string", "nullable": True,
                   "description": "On a reversal: why (the same text as `note`)."},
        "note": {"type": "string", "description": "A note; on a reversal, its reason."},
        "reversed_by_entry_id": {"type": "integer", "nullable": True,
                                 "description": "The reversal of this entry, if reversed."},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
