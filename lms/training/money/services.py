"""A class's spending by heading: planned while the class plan is drafted, actual once it
is approved until it is filed; all-or-nothing, audited as `class.money`."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from lms.audit.services import log
from lms.auth.models import User
from lms.core.numbers import parse_yuan
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.training.labels import HEADING_LABELS
from lms.training.models import HEADINGS, ClassSpending, TrainingClass

# Which amounts the organiser writes in each status of the class; other statuses (submitted
# for review, filed) are read-only.
PLANNED_WHILE = ("draft", "returned")
ACTUAL_WHILE = ("approved", "running", "closed")
MAX_REASON = 500


def edit_mode(training_class: TrainingClass) -> str | None:
    """"planned", "actual" or None: which column the class's status lets the organiser edit."""
    if training_class.status in PLANNED_WHILE:
        return "planned"
    if training_class.status in ACTUAL_WHILE:
        return "actual"
    return None


def yuan_input(fen: int) -> str:
    """An amount as an input shows it: empty for nothing, yuan without separators."""
    if not fen:
        return ""
    whole, cents = divmod(fen, 100)
    return f"{whole}.{cents:02d}".rstrip("0").rstrip(".") if cents else str(whole)


def planned_label(heading: str) -> str:
    return _("%(heading)s (planned)", heading=HEADING_LABELS[heading])


def actual_label(heading: str) -> str:
    return _("%(heading)s (actual)", heading=HEADING_LABELS[heading])


def reason_label(heading: str) -> str:
    return _("%(heading)s (reason)", heading=HEADING_LABELS[heading])


@dataclass
class Row:
    """One heading's amounts (fen) and the reason for unplanned spending."""

    heading: str
    planned_fen: int = 0
    actual_fen: int = 0
    reason: str = ""

    @property
    def label(self) -> str:
        return str(HEADING_LABELS[self.heading])

    @property
    def unplanned(self) -> bool:
        """Spending under a heading with nothing planned."""
        return self.actual_fen > 0 and self.planned_fen == 0


@dataclass
class Table:
    """The class's six headings, the totals and, after a refused save, the typed values and
    the errors by field name (`planned_<heading>`, `actual_<heading>`, `reason_<heading>`)."""

    rows: list[Row]
    typed: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def planned_fen(self) -> int:
        return sum(r.planned_fen for r in self.rows)

    @property
    def actual_fen(self) -> int:
        return sum(r.actual_fen for r in self.rows)


def _stored(training_class: TrainingClass) -> dict[str, ClassSpending]:
    return {row.heading: row for row in db.session.scalars(
        select(ClassSpending).where(ClassSpending.class_id == training_class.id))}


def table(training_class: TrainingClass) -> Table:
    """The class's spending as stored (one query)."""
    stored = _stored(training_class)
    return Table([Row(h, s.planned_fen, s.actual_fen, s.reason) if (s := stored.get(h))
                  else Row(h) for h in HEADINGS])


class MoneyRefused(Exception):
    """The table was not saved: `table` carries the typed values and each field's error."""

    def __init__(self, refused: Table) -> None:
        super().__init__(_("Nothing was saved: correct the amounts marked below."))
        self.table = refused


def save(training_class: TrainingClass, form: Mapping[str, str], actor: User) -> int:
    """Save the column the class's status allows from `form`, all or nothing; returns how
    many headings changed. Raises `MoneyRefused` naming each bad field."""
    mode = edit_mode(training_class)
    if mode is None:
        raise ValueError("the class's money is read-only in its status")
    current = table(training_class)
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    wanted: list[Row] = []
    for row in current.rows:
        new = Row(row.heading, row.planned_fen, row.actual_fen, row.reason)
        name = f"{mode}_{row.heading}"
        text = (form.get(name) or "").strip()
        typed[name] = text
        fen = parse_yuan(text)
        if fen is None:
            label = planned_label(row.heading) if mode == "planned" else actual_label(row.heading)
            errors[name] = _("%(field)s is not a valid amount.", field=label)
        elif mode == "planned":
            new.planned_fen = fen
        else:
            new.actual_fen = fen
        if mode == "actual":
            reason_name = f"reason_{row.heading}"
            new.reason = (form.get(reason_name) or "").strip()
            typed[reason_name] = new.reason
            if len(new.reason) > MAX_REASON:
                errors[reason_name] = _("%(field)s is longer than %(n)d characters.",
                                        field=reason_label(row.heading), n=MAX_REASON)
            elif new.unplanned and not new.reason:
                errors[reason_name] = _(
                    "%(field)s: spending under a heading with nothing planned needs a reason.",
                    field=reason_label(row.heading))
        wanted.append(new)
    if errors:
        current.typed, current.errors = typed, errors
        raise MoneyRefused(current)
    stored = _stored(training_class)
    changes: dict[str, dict] = {}
    for old, new in zip(current.rows, wanted, strict=True):
        diff = {name: [getattr(old, attr), getattr(new, attr)]
                for name, attr in (("planned", "planned_fen"), ("actual", "actual_fen"),
                                   ("reason", "reason"))
                if getattr(old, attr) != getattr(new, attr)}
        if not diff:
            continue
        changes[new.heading] = diff
        row = stored.get(new.heading)
        if row is None:
            row = ClassSpending(class_id=training_class.id, heading=new.heading)
            db.session.add(row)
        row.planned_fen, row.actual_fen, row.reason = new.planned_fen, new.actual_fen, new.reason
        row.updated_by, row.updated_at = actor.id, utcnow()
    if changes:
        log("class.money", detail={"class_id": training_class.id, "title": training_class.title,
                                   "column": mode, "changes": changes})
        db.session.flush()
    return len(changes)
