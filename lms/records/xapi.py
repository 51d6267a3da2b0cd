"""A cadre's learning record as xAPI 1.0.3 statements (see docs/xapi.md).

Each entry is one statement: the cadre (an Agent identified by their account on this site)
completed, passed, attended or experienced an activity, with its 学时 and days as result
extensions. A reversal is a statement that voids the reversed entry's statement. Statement
ids are UUID v5 of the site and the entry id, so exporting twice gives the same ids.
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale

from lms.records.record_data import CadreRecord, EntryLine, Person
from lms.records.status import KIND_TEXT

VERSION = "1.0.3"
ADL_VERB = "http://adlnet.gov/expapi/verbs/"
ADL_TYPE = "http://adlnet.gov/expapi/activities/"

# Verbs: (IRI or a path under the site's xapi/verbs/, zh-CN, en-US).
VERBS = {
    "completed": (ADL_VERB + "completed", "完成", "completed"),
    "passed": (ADL_VERB + "passed", "通过", "passed"),
    "attended": (ADL_VERB + "attended", "参加", "attended"),
    "experienced": (ADL_VERB + "experienced", "经历", "experienced"),
    "voided": (ADL_VERB + "voided", "作废", "voided"),
    "note-approved": ("note-approved", "读书笔记审阅通过", "had a reading note approved"),
}
# Per kind of entry: its verb and activity type (an ADL IRI or a path under the site's
# xapi/activity-types/).
KIND_XAPI = {
    "online_course": ("completed", ADL_TYPE + "course"),
    "exam": ("passed", ADL_TYPE + "assessment"),
    "reading_note": ("note-approved", "reading-note"),
    "training_class": ("attended", "training-class"),
    "degree": ("completed", "degree-programme"),
    "off_job": ("attended", "off-job-training"),
    "rotation": ("attended", "rotation-training"),
    "secondment": ("experienced", "secondment"),
    "self_study": ("experienced", "self-study"),
    "collective_study": ("attended", ADL_TYPE + "meeting"),
    "lecture": ("attended", ADL_TYPE + "meeting"),
}
# Activity ids by what produced an entry; other entries are activities of their own.
SOURCE_PATHS = {"course": "course", "activity": "activity", "reading_note": "reading-note",
                "claim": "claim"}
EXTENSIONS = ("study-hours", "days", "kind", "subject", "origin", "entered-by", "verified-by",
              "source", "entry", "organiser", "reference", "reason", "period")


class Site:
    """IRIs under the site's root (e.g. "https://lms.example.gov.cn/")."""

    def __init__(self, root: str):
        self.root = root if root.endswith("/") else root + "/"
        self._kinds: dict[str, dict] = {}

    def kind_text(self, kind: str) -> dict:
        """A form of learning in Chinese and English (whatever the reader's language)."""
        if kind not in self._kinds:
            self._kinds[kind] = _kind_text(kind)
        return self._kinds[kind]

    def iri(self, path: str) -> str:
        return path if "://" in path else f"{self.root}xapi/{path}"

    def verb(self, key: str) -> dict:
        iri, zh, en = VERBS[key]
        return {"id": self.iri(iri if "://" in iri else f"verbs/{iri}"),
                "display": {"zh-CN": zh, "en-US": en}}

    def activity_type(self, path: str) -> str:
        return self.iri(path if "://" in path else f"activity-types/{path}")

    def extension(self, name: str) -> str:
        return self.iri(f"extensions/{name}")

    def statement_id(self, entry_id: int) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.root}record/entries/{entry_id}"))

    def agent(self, username: str, name: str) -> dict:
        return {"objectType": "Agent", "name": name,
                "account": {"homePage": self.root, "name": username}}


def duration(hours: float) -> str:
    """Hours as an ISO 8601 duration, e.g. 1.5 -> "PT1H30M", 0 -> "PT0S"."""
    seconds = round(abs(hours) * 3600)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    parts = (f"{h}H" if h else "") + (f"{m}M" if m else "") + (f"{s}S" if s else "")
    return "PT" + (parts or "0S")


def _rfc3339(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _timestamp(line: EntryLine) -> str:
    """When it happened: the start of its day in the platform's time zone."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return _rfc3339(datetime.combine(line.entry.occurred_on, time(0), tzinfo=zone))


def _stored(line: EntryLine) -> str:
    return _rfc3339(line.entry.created_at.replace(tzinfo=UTC))


def _object(site: Site, line: EntryLine) -> dict:
    entry = line.entry
    _verb, kind_type = KIND_XAPI.get(entry.kind, ("experienced", entry.kind))
    source = line.source
    if source and source[0] in SOURCE_PATHS:
        path = f"activities/{SOURCE_PATHS[source[0]]}/{source[1]}"
    else:
        path = f"activities/entry/{entry.id}"
    return {"objectType": "Activity", "id": site.iri(path), "definition": {
        "name": {"zh-CN": entry.title}, "description": site.kind_text(entry.kind),
        "type": site.activity_type(kind_type)}}


def _kind_text(kind: str) -> dict:
    """The form of learning in Chinese and English, whatever the reader's language."""
    text = {}
    for tag, locale in (("zh-CN", "zh_CN"), ("en-US", "en")):
        with force_locale(locale):
            text[tag] = str(KIND_TEXT.get(kind, kind))
    return text


def _result(site: Site, line: EntryLine) -> dict:
    entry = line.entry
    result: dict = {"completion": True, "success": True,
                    "extensions": {site.extension("study-hours"): entry.hours,
                                   site.extension("days"): entry.days}}
    if entry.hours:
        result["duration"] = duration(entry.hours)
    if entry.score is not None:
        score = max(0.0, min(float(entry.score), 100.0))
        result["score"] = {"scaled": round(score / 100, 4), "raw": score, "min": 0, "max": 100}
    if entry.result:
        result["response"] = entry.result
    return result


def _context(site: Site, line: EntryLine, extra: dict | None = None) -> dict:
    entry = line.entry
    ext = {site.extension("entry"): entry.id, site.extension("kind"): entry.kind,
           site.extension("origin"): entry.origin}
    values = {"subject": line.subject, "source": entry.source, "organiser": entry.organiser,
              "reference": entry.reference,
              "entered-by": line.entered_by.username if line.entered_by else None,
              "verified-by": line.verified_by.username if line.verified_by else None}
    if entry.started_on and entry.ended_on:
        values["period"] = f"{entry.started_on.isoformat()}/{entry.ended_on.isoformat()}"
    values.update(extra or {})
    ext.update({site.extension(k): v for k, v in values.items() if v not in (None, "")})
    return {"platform": site.root, "language": "zh-CN", "extensions": ext}


def statement(site: Site, record: CadreRecord, line: EntryLine) -> dict:
    """The statement of one entry (a voiding statement for a reversal)."""
    entry, user = line.entry, record.user
    base = {"id": site.statement_id(entry.id), "version": VERSION,
            "timestamp": _timestamp(line), "stored": _stored(line)}
    if line.is_reversal:
        # Voided by whoever reversed it (the cadre, when that is not known).
        by: Person = line.entered_by or Person(user.username, user.name)
        return {**base, "actor": site.agent(by.username, by.name),
                "verb": site.verb("voided"),
                "object": {"objectType": "StatementRef",
                           "id": site.statement_id(entry.reverses_id)},
                "context": _context(site, line, {"reason": entry.note})}
    verb, _type = KIND_XAPI.get(entry.kind, ("experienced", ""))
    return {**base, "actor": site.agent(user.username, user.name), "verb": site.verb(verb),
            "object": _object(site, line), "result": _result(site, line),
            "context": _context(site, line)}


def statements(record: CadreRecord, root: str) -> list[dict]:
    """The statements of the record's entries, oldest first (a voided statement before the
    statement that voids it)."""
    site = Site(root)
    return [statement(site, record, line) for line in record.entries]
