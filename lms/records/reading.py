"""The year's required reading list (必读书目) and reading notes (读书笔记).

The organisation department publishes the list; a cadre writes one note per item in
Markdown, saves drafts and submits; an administrator over the cadre's unit comments, approves
or returns it. An approved note appends a `reading_note` entry to the learning record (the
rule sets convert it to 学时) on the day the note was handed in. Administrators call in
(调阅) the notes of a unit subtree: the cadres get a notice and the call shows who submitted,
who was approved and who is missing. Every action on a note goes into the record's audit
chain with a fingerprint of the note's text.

When the entry of an approved note is reversed, the note reads "approved, then reversed"
with the reversal's reason, and the cadre may revise and submit it again; its next approval
appends a new entry with the same source ("reading_note:<id>"), which is what the rule sets
match, and a fresh dedupe key ("reading_note:<id>:<n>").
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, distinct, func, literal, or_, select
from sqlalchemy.orm import aliased, lazyload

from lms.audit import services as admin_audit
from lms.auth.models import User
from lms.core.markup import MarkupError, render_markdown, render_text
from lms.core.params import int_arg
from lms.core.timeutil import local_date, local_today, utcnow
from lms.extensions import db
from lms.org import credit, permissions
from lms.org.models import CadreProfile, Unit
from lms.org.queries import cadre_clauses
from lms.progress import notices
from lms.records import chain
from lms.records.models import ReadingCall, ReadingItem, ReadingNote, RecordEntry
from lms.records.workflow import EDITABLE, fingerprint, lock_cadre

TITLE_MAX = 200
BODY_MAX = 50_000  # characters of Markdown in one note
CALL_KIND = "reading_call"  # the kind of notice a call sends


class ReadingError(ValueError):
    """An action that the note's or the list's state does not allow; the message is shown."""


# ---- the list ------------------------------------------------------------------------------

def items_of(year: int, *, published_only: bool = True) -> list[ReadingItem]:
    """The items of a year's list in their order (published ones only, unless asked)."""
    stmt = select(ReadingItem).where(ReadingItem.year == year)
    if published_only:
        stmt = stmt.where(ReadingItem.published.is_(True))
    return list(db.session.scalars(stmt.order_by(ReadingItem.sort_order, ReadingItem.id)))


def published_years() -> list[int]:
    """Years that have a published list, newest first."""
    return list(db.session.scalars(
        select(ReadingItem.year).where(ReadingItem.published.is_(True)).distinct()
        .order_by(ReadingItem.year.desc())))


def add_item(year: int, *, title: str, author: str = "", publisher: str = "",
             description: str = "", required: bool = True, sort_order: int = 0) -> ReadingItem:
    """Add an unpublished item to a year's list (the caller commits)."""
    item = ReadingItem(year=year, title=title.strip()[:TITLE_MAX], author=author.strip(),
                       publisher=publisher.strip(), description=description.strip(),
                       required=required, sort_order=sort_order, published=False)
    db.session.add(item)
    db.session.flush()
    _log("add", item)
    return item


def _log(what: str, item: ReadingItem | None = None, **detail) -> None:
    """Note a change of the reading list in the administrative audit log."""
    if item is not None:
        detail.update(year=item.year, title=item.title)
    admin_audit.log("reading.change", detail={"what": what, **detail})


def update_item(item: ReadingItem, **fields) -> None:
    """Change an unpublished item; a published one is what cadres write about, so it stays."""
    if item.published:
        raise ReadingError(_("A published item can no longer be changed."))
    for name in ("title", "author", "publisher", "description"):
        if name in fields:
            setattr(item, name, (fields[name] or "").strip())
    for name in ("required", "sort_order"):
        if name in fields:
            setattr(item, name, fields[name])
    _log("edit", item, changes=sorted(fields))


def remove_item(item: ReadingItem) -> None:
    """Remove an unpublished item (the caller commits)."""
    if item.published:
        raise ReadingError(_("A published item can no longer be removed."))
    _log("remove", item)
    db.session.delete(item)


def publish_year(year: int, actor_id: int) -> int:
    """Publish every unpublished item of the year's list; the audit chain notes it.
    Returns how many items were published (the caller commits)."""
    items = [i for i in items_of(year, published_only=False) if not i.published]
    if not items:
        raise ReadingError(_("There is nothing new to publish for %(y)d.", y=year))
    for item in items:
        item.published = True
    chain.audit("reading.publish", actor_id=actor_id,
                detail={"year": year, "items": [i.id for i in items]})
    _log("publish", year=year, titles=[i.title for i in items])
    return len(items)


# ---- a cadre's notes -----------------------------------------------------------------------

def note_of(user_id: int, item_id: int) -> ReadingNote | None:
    """The cadre's note on an item (one per cadre and item)."""
    return db.session.scalar(select(ReadingNote).where(
        ReadingNote.user_id == user_id, ReadingNote.item_id == item_id)
        .order_by(ReadingNote.id).limit(1))


def note_digest(note: ReadingNote) -> str:
    """The fingerprint of a note's title and body, kept in the audit chain."""
    return fingerprint(note.title or "", note.body or "")


# The entry that reverses a note's entry: joined on `ReadingNote.entry_id`, its `note` is the
# reason of the reversal.
Reversal = aliased(RecordEntry, name="note_reversal")


def _reversal_join():
    return Reversal.reverses_id == ReadingNote.entry_id


@dataclass
class NoteView:
    """A note with the reason its entry was reversed (None when it was not)."""

    note: ReadingNote
    reversal: str | None = None

    @property
    def reversed(self) -> bool:
        """Approved, and its entry reversed since: it no longer counts."""
        return self.note.status == "approved" and self.reversal is not None

    @property
    def status(self) -> str:
        """The status to show: "reversed" for an approved note whose entry was reversed."""
        return "reversed" if self.reversed else self.note.status

    @property
    def editable(self) -> bool:
        """Whether the cadre may still change the note."""
        return self.note.status in EDITABLE or self.reversed


def _views(stmt: Select) -> list[NoteView]:
    rows = db.session.execute(stmt.add_columns(Reversal.note)
                              .outerjoin(Reversal, _reversal_join()))
    return [NoteView(note, reason) for note, reason in rows]


def note_view(note: ReadingNote | None) -> NoteView | None:
    """The note with its reversal (one query when it has an entry, none otherwise)."""
    if note is None:
        return None
    reason = None
    if note.entry_id is not None:
        reason = db.session.scalar(select(RecordEntry.note).where(
            RecordEntry.reverses_id == note.entry_id))
    return NoteView(note, reason)


def notes_of_user(user_id: int) -> list[NoteView]:
    """All the cadre's notes with their reversals, newest list year first (one query)."""
    return _views(select(ReadingNote).where(ReadingNote.user_id == user_id)
                  .order_by(ReadingNote.year.desc(), ReadingNote.id))


def statuses(user_id: int, item_ids: list[int]) -> dict[int, NoteView]:
    """The cadre's notes on these items with their reversals, by item id (one query)."""
    if not item_ids:
        return {}
    views = _views(select(ReadingNote).where(
        ReadingNote.user_id == user_id, ReadingNote.item_id.in_(item_ids))
        .order_by(ReadingNote.id.desc()))
    return {view.note.item_id: view for view in views}


def save_note(user: User, item: ReadingItem, *, title: str, body: str,
              submit: bool = False) -> ReadingNote:
    """Create or change the cadre's draft (or returned, or reversed) note on a published
    item; with `submit`, hand it in for review. The caller commits."""
    if not item.published:
        raise ReadingError(_("This item is not on a published list."))
    lock_cadre(user.id)  # a double-clicked first save writes one note, not two
    view = note_view(note_of(user.id, item.id))
    if view is not None and not view.editable:
        raise ReadingError(_("A submitted or approved note can no longer be changed."))
    body = (body or "").replace("\r\n", "\n")
    if len(body) > BODY_MAX:
        raise ReadingError(_("The note is too long (at most %(n)d characters).", n=BODY_MAX))
    if submit and not body.strip():
        raise ReadingError(_("Write the note before you submit it."))
    if submit and (problem := markup_problem(body)):
        raise ReadingError(_("The note cannot be shown: %(p)s", p=problem))
    note = view.note if view is not None else None
    if note is None:
        note = ReadingNote(user_id=user.id, item_id=item.id, year=item.year, status="draft",
                           title="", body="")
        db.session.add(note)
    note.title = (title or "").strip()[:TITLE_MAX] or item.title
    note.body = body
    note.updated_at = utcnow()
    if view is None:
        db.session.flush()
        _check_single(user.id, item.id)
    again = view is not None and view.reversed
    if again and not submit:
        note.status = "draft"  # the approved text is being revised: it is a draft again
    if submit:
        note.status = "submitted"
        note.submitted_at = utcnow()
        db.session.flush()
        chain.audit("note.submit", actor_id=user.id, user_id=user.id,
                    detail={"note_id": note.id, "item_id": item.id, "year": item.year,
                            "digest": note_digest(note),
                            **({"after_reversal": note.entry_id} if again else {})})
    db.session.flush()
    return note


def _check_single(user_id: int, item_id: int) -> None:
    """Refuse a second note on the same item written at the same moment (where the profile
    lock does not hold, as on SQLite): the later writer's transaction is rolled back."""
    count = db.session.scalar(select(func.count()).select_from(ReadingNote).where(
        ReadingNote.user_id == user_id, ReadingNote.item_id == item_id))
    if count > 1:
        raise ReadingError(_("The note was saved twice at the same moment. Open it again "
                             "and check what it holds."))


def markup_problem(body: str) -> str | None:
    """What keeps the Markdown from rendering (e.g. a malformed media line), or None."""
    try:
        render_markdown(body or "")
    except MarkupError as exc:
        return str(exc)
    return None


def render(body: str) -> str:
    """Markdown (a note, a plan's goals) as sanitised HTML (pictures from outside are
    dropped); text that does not render as Markdown is shown as plain text."""
    try:
        return render_markdown(body or "")
    except MarkupError:
        return render_text(body or "", "plain")


# ---- review --------------------------------------------------------------------------------

def _locked(note_id: int) -> ReadingNote:
    """The note, re-read under a row lock so two reviewers cannot both act on it."""
    note = db.session.scalar(select(ReadingNote).where(ReadingNote.id == note_id)
                             .options(lazyload(ReadingNote.item))  # no outer join to lock
                             .with_for_update().execution_options(populate_existing=True))
    if note is None:
        raise ReadingError(_("No such note."))
    return note


def _check_reviewer(note: ReadingNote, reviewer: User) -> None:
    """Four eyes: nobody reviews their own note, a peer's or a superior's."""
    why = credit.refusal(db.session.get(User, note.user_id), reviewer)
    if why:
        raise ReadingError(why)
    if note.status != "submitted":
        raise ReadingError(_("Only a submitted note can be reviewed."))


def _dedupe_key(note: ReadingNote) -> str:
    """`reading_note:<id>` for a note's first entry; `reading_note:<id>:<n>` for the n-th,
    after the earlier ones were reversed."""
    earlier = db.session.scalar(select(func.count()).select_from(RecordEntry).where(
        RecordEntry.source == f"reading_note:{note.id}", RecordEntry.reverses_id.is_(None)))
    return f"reading_note:{note.id}" if not earlier else f"reading_note:{note.id}:{earlier + 1}"


def approve(note_id: int, reviewer: User, comment: str = "") -> RecordEntry:
    """Approve a submitted note: it appends a `reading_note` entry dated the (local) day the
    note was handed in, and an audit event. The caller commits."""
    note = _locked(note_id)
    _check_reviewer(note, reviewer)
    handed_in = local_date(note.submitted_at) if note.submitted_at else local_today()
    entry = chain.append_entry(RecordEntry(
        user_id=note.user_id, kind="reading_note", title=note.item.title[:TITLE_MAX],
        hours=0.0, occurred_on=handed_in, source=f"reading_note:{note.id}",
        dedupe_key=_dedupe_key(note), origin="automatic",
        details={"item_id": note.item_id, "list_year": note.year}), actor_id=reviewer.id)
    if entry is None:
        raise ReadingError(_("This note is already approved."))
    note.status = "approved"
    note.entry_id = entry.id
    note.comment = (comment or "").strip() or note.comment
    note.reviewed_by_id, note.reviewed_at = reviewer.id, utcnow()
    chain.audit("note.approve", actor_id=reviewer.id, user_id=note.user_id,
                reason=(comment or "").strip(), entry=entry,
                detail={"note_id": note.id, "item_id": note.item_id, "year": note.year,
                        "digest": note_digest(note)})
    with force_locale("zh_CN"):  # notices are stored once, in the platform's language
        message = _("Your reading note on “%(t)s” was approved.", t=note.item.title)
    if (comment or "").strip():
        message = f"{message}{comment.strip()}"
    _tell(note, message, reviewer)
    return entry


def _tell(note: ReadingNote, message: str, reviewer: User) -> None:
    """Notify the cadre of a step in the review of their note (in this transaction)."""
    notices.notify([note.user_id], "reading_note", message,
                   notices.link_to("reading.note_edit", item_id=note.item_id),
                   actor_id=reviewer.id)


def return_note(note_id: int, reviewer: User, comment: str) -> ReadingNote:
    """Return a submitted note to the cadre with a comment saying what to change."""
    if not (comment or "").strip():
        raise ReadingError(_("Say why the note is returned."))
    note = _locked(note_id)
    _check_reviewer(note, reviewer)
    note.status = "returned"
    note.comment = comment.strip()
    note.reviewed_by_id, note.reviewed_at = reviewer.id, utcnow()
    chain.audit("note.return", actor_id=reviewer.id, user_id=note.user_id,
                reason=note.comment,
                detail={"note_id": note.id, "item_id": note.item_id, "year": note.year,
                        "digest": note_digest(note)})
    with force_locale("zh_CN"):
        message = _("Your reading note on “%(t)s” was returned for changes: %(c)s",
                    t=note.item.title, c=note.comment)
    _tell(note, message, reviewer)
    return note


def comment_on(note_id: int, reviewer: User, comment: str) -> ReadingNote:
    """Leave a comment on a submitted note without deciding on it yet."""
    if not (comment or "").strip():
        raise ReadingError(_("Write a comment first."))
    note = _locked(note_id)
    _check_reviewer(note, reviewer)
    note.comment = comment.strip()
    chain.audit("note.comment", actor_id=reviewer.id, user_id=note.user_id,
                reason=note.comment,
                detail={"note_id": note.id, "item_id": note.item_id, "year": note.year})
    with force_locale("zh_CN"):
        message = _("A comment on your reading note on “%(t)s”: %(c)s", t=note.item.title,
                    c=note.comment)
    _tell(note, message, reviewer)
    return note


# ---- the review queue ----------------------------------------------------------------------

QUEUE_STATUSES = ("submitted", "returned", "approved", "reversed", "all")


@dataclass
class QueueFilter:
    """Filters of the notes queue: unit subtree (code), status, item, list year."""

    unit: Unit | None = None
    status: str = "submitted"  # one of QUEUE_STATUSES (drafts never)
    item_id: int | None = None
    year: int | None = None
    q: str | None = None  # part of the cadre's name or username

    @classmethod
    def from_args(cls, args) -> QueueFilter:
        code = (args.get("unit") or "").strip()
        unit = db.session.scalar(select(Unit).where(Unit.code == code)) if code else None
        status = args.get("status") or "submitted"
        return cls(unit=unit, status=status if status in QUEUE_STATUSES else "submitted",
                   item_id=int_arg("item", args=args),
                   year=int_arg("year", low=1, high=9999, args=args),
                   q=(args.get("q") or "").strip()[:64] or None)


def queue_select(f: QueueFilter) -> Select:
    """Notes handed in by cadres in the current user's `record.manage` scope, as rows of
    (note id, title, status, submitted_at, reviewed_at, item title, list year, cadre's
    username, name, unit name, reversal: the reason the note's entry was reversed or None,
    cadre's user id), oldest submission first. Drafts are the cadre's own."""
    stmt = (select(ReadingNote.id, ReadingNote.title, ReadingNote.status,
                   ReadingNote.submitted_at, ReadingNote.reviewed_at,
                   ReadingItem.title.label("item_title"), ReadingNote.year,
                   User.username, User.name, Unit.name.label("unit_name"),
                   Reversal.note.label("reversal"), ReadingNote.user_id)
            .select_from(ReadingNote)
            .join(ReadingItem, ReadingItem.id == ReadingNote.item_id)
            .join(User, User.id == ReadingNote.user_id)
            .join(CadreProfile, CadreProfile.user_id == ReadingNote.user_id)
            .join(Unit, Unit.id == CadreProfile.unit_id)
            .outerjoin(Reversal, _reversal_join())
            .where(permissions.unit_clause("record.manage"), ReadingNote.status != "draft",
                   *cadre_clauses(unit=f.unit, q=f.q)))
    if f.status == "reversed":
        stmt = stmt.where(ReadingNote.status == "approved", Reversal.id.is_not(None))
    elif f.status == "approved":
        stmt = stmt.where(ReadingNote.status == "approved", Reversal.id.is_(None))
    elif f.status != "all":
        stmt = stmt.where(ReadingNote.status == f.status)
    if f.item_id:
        stmt = stmt.where(ReadingNote.item_id == f.item_id)
    if f.year:
        stmt = stmt.where(ReadingNote.year == f.year)
    return stmt.order_by(ReadingNote.submitted_at, ReadingNote.id)


# ---- calls (调阅) --------------------------------------------------------------------------

def create_call(unit: Unit, year: int, *, item: ReadingItem | None, due_on: date | None,
                message: str, actor: User, link: str) -> tuple[ReadingCall, int]:
    """Call in the notes of `unit`'s subtree for a year (optionally one item): every active
    cadre there gets a notice pointing at `link`. Returns the call and how many cadres were
    told. The caller commits."""
    if item is not None and (item.year != year or not item.published):
        raise ReadingError(_("Choose an item of the published list of %(y)d.", y=year))
    if item is None and not items_of(year):
        raise ReadingError(_("There is no published list for %(y)d.", y=year))
    if due_on is not None and due_on < local_today():
        raise ReadingError(_("The due date cannot be in the past."))
    call = ReadingCall(unit_id=unit.id, year=year, item_id=item.id if item else None,
                       due_on=due_on, message=(message or "").strip(), created_by_id=actor.id,
                       created_at=utcnow())
    db.session.add(call)
    db.session.flush()
    with force_locale("zh_CN"):  # notices are stored once, in the platform's language
        what = (_("your reading note on “%(t)s”", t=item.title) if item
                else _("your reading notes of %(y)d", y=year))
        text = (_("%(unit)s calls in %(what)s by %(d)s.", unit=unit.name, what=what,
                  d=due_on.isoformat()) if due_on
                else _("%(unit)s calls in %(what)s.", unit=unit.name, what=what))
    if call.message:
        text = f"{text} {call.message}"
    cadres = db.session.scalars(
        select(CadreProfile.user_id).join(User, User.id == CadreProfile.user_id)
        .join(Unit, Unit.id == CadreProfile.unit_id)
        .where(Unit.path.startswith(unit.path, autoescape=True), User.is_active_flag.is_(True)))
    told = notices.notify(list(cadres), CALL_KIND, text, link, actor_id=actor.id)
    chain.audit("reading.call", actor_id=actor.id, reason=call.message,
                detail={"call_id": call.id, "unit": unit.code, "year": year,
                        "item_id": call.item_id, "due_on": due_on.isoformat() if due_on
                        else None, "cadres": told})
    return call, told


def calls_select() -> Select:
    """Calls over units in, above or below the current user's `record.manage` scope (a
    district-wide call concerns a unit administrator's own cadres too), newest first."""
    return (select(ReadingCall, Unit, ReadingItem.title)
            .join(Unit, Unit.id == ReadingCall.unit_id)
            .outerjoin(ReadingItem, ReadingItem.id == ReadingCall.item_id)
            .where(permissions.overlap_clause("record.manage"))
            .order_by(ReadingCall.created_at.desc(), ReadingCall.id.desc()))


def open_calls_for(profile: CadreProfile) -> list[tuple[ReadingCall, str | None]]:
    """Calls that concern a cadre (over their unit or above it) and are not past due."""
    return list(db.session.execute(
        select(ReadingCall, ReadingItem.title)
        .join(Unit, Unit.id == ReadingCall.unit_id)
        .outerjoin(ReadingItem, ReadingItem.id == ReadingCall.item_id)
        .where(literal(profile.unit.path).startswith(Unit.path),
               or_(ReadingCall.due_on.is_(None), ReadingCall.due_on >= local_today()))
        .order_by(ReadingCall.created_at.desc()).limit(20)).all())


@dataclass
class CallTotals:
    cadres: int
    complete: int  # cadres with nothing missing
    submitted: int  # notes waiting for review
    approved: int
    missing: int  # notes not handed in (none, draft or returned)


def _call_items(call: ReadingCall) -> list[int]:
    if call.item_id is not None:
        return [call.item_id]
    return list(db.session.scalars(select(ReadingItem.id).where(
        ReadingItem.year == call.year, ReadingItem.published.is_(True),
        ReadingItem.required.is_(True))))


def call_select(call: ReadingCall, unit: Unit, *,
                missing_only: bool = False) -> tuple[Select, int]:
    """Per cadre of the call's subtree (and of the viewer's scope): (user id, username,
    name, unit name, submitted, approved, missing), with the number of items called in. A note
    approved and then reversed is missing."""
    item_ids = _call_items(call)
    wanted = len(item_ids)
    counted = and_(ReadingNote.status == "approved", Reversal.id.is_(None))  # still counts
    counts = (select(ReadingNote.user_id.label("user_id"),
                     func.count(distinct(case((ReadingNote.status == "submitted",
                                               ReadingNote.item_id)))).label("submitted"),
                     func.count(distinct(case((counted, ReadingNote.item_id)))).label("approved"))
              .outerjoin(Reversal, _reversal_join())
              .where(ReadingNote.item_id.in_(item_ids or [-1]))
              .group_by(ReadingNote.user_id).subquery())
    submitted = func.coalesce(counts.c.submitted, 0)
    approved = func.coalesce(counts.c.approved, 0)
    missing = literal(wanted) - submitted - approved
    stmt = (select(User.id, User.username, User.name, Unit.name.label("unit_name"),
                   submitted.label("submitted"), approved.label("approved"),
                   missing.label("missing"))
            .select_from(CadreProfile)
            .join(User, User.id == CadreProfile.user_id)
            .join(Unit, Unit.id == CadreProfile.unit_id)
            .outerjoin(counts, counts.c.user_id == CadreProfile.user_id)
            .where(Unit.path.startswith(unit.path, autoescape=True),
                   permissions.unit_clause("record.manage"),
                   User.is_active_flag.is_(True)))
    if missing_only:
        stmt = stmt.where(missing > 0)
    return stmt.order_by(Unit.path, User.username), wanted


def call_totals(stmt: Select) -> CallTotals:
    """Totals over every row of a `call_select` (one aggregate query)."""
    rows = stmt.order_by(None).subquery()
    cadres, complete, submitted, approved, missing = db.session.execute(select(
        func.count(), func.coalesce(func.sum(case((rows.c.missing <= 0, 1), else_=0)), 0),
        func.coalesce(func.sum(rows.c.submitted), 0),
        func.coalesce(func.sum(rows.c.approved), 0),
        func.coalesce(func.sum(rows.c.missing), 0))).one()
    return CallTotals(int(cadres), int(complete), int(submitted), int(approved), int(missing))


# ---- for the record page -------------------------------------------------------------------

@dataclass
class NoteLine:
    """One required item of a year's list with the cadre's note on it."""

    item_id: int
    title: str
    author: str
    status: str  # "missing" when there is no note, else one of NOTE_STATUSES
    note_id: int | None
    submitted_at: datetime | None
    reviewed_at: datetime | None
    comment: str
    reversal: str | None = None  # why the approved note's entry was reversed, if it was

    @property
    def reversed(self) -> bool:
        """Approved, and its entry reversed since: it no longer counts."""
        return self.status == "approved" and self.reversal is not None


def notes_summary(user_id: int, year: int) -> list[NoteLine]:
    """Each required item of the year's published list with the cadre's note status and the
    reason its entry was reversed, if it was (one query)."""
    rows = db.session.execute(
        select(ReadingItem.id, ReadingItem.title, ReadingItem.author, ReadingNote.id,
               ReadingNote.status, ReadingNote.submitted_at, ReadingNote.reviewed_at,
               ReadingNote.comment, Reversal.note)
        .outerjoin(ReadingNote, and_(ReadingNote.item_id == ReadingItem.id,
                                     ReadingNote.user_id == user_id))
        .outerjoin(Reversal, _reversal_join())
        .where(ReadingItem.year == year, ReadingItem.published.is_(True),
               ReadingItem.required.is_(True))
        .order_by(ReadingItem.sort_order, ReadingItem.id, ReadingNote.id)).all()
    lines: dict[int, NoteLine] = {}
    for item_id, title, author, note_id, status, sub, rev, comment, reversal in rows:
        if item_id not in lines:  # the first note per item (one per cadre and item)
            lines[item_id] = NoteLine(item_id, title, author, status or "missing", note_id,
                                      sub, rev, comment or "", reversal)
    return list(lines.values())
