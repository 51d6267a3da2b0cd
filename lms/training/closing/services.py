"""Starting, closing and filing a class.

Closing decides each trainee's outcome by one rule (`OUTCOME_RULE`):

- withdrawn (leave over the limit) → withdrawn; excused (explanation accepted) → excused;
  a trainee whose granted leave passed the limit but was not yet withdrawn → withdrawn
  (closing applies the rule the organiser would have confirmed);
- otherwise a trainee expected at the class completes it when they attended at least one of
  its sessions (an online special class: when they completed every course of it,
  `online.services.cohort_completed`), and is absent when they attended none; a trainee
  whose explanation or release was still undecided is absent unless they attended.

Each completed trainee gets ONE `training_class` entry in their learning record with the
class's days and hours (dedupe key `training_class:<class>:<user>`, so closing twice or
concurrently writes it once), entered by the person who closes, under four eyes: whoever may
not credit a trainee (their own learning, a superior's) may not close the class.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from lms.audit import services as audit
from lms.auth.models import User
from lms.core.numbers import amount_text
from lms.core.timeutil import local_today, utcnow
from lms.extensions import db
from lms.org import credit
from lms.progress.notices import notify
from lms.records import chain
from lms.records.models import RecordEntry
from lms.training.attendance import people, rates
from lms.training.attendance.errors import Refused, refuse
from lms.training.labels import OUTCOME_LABELS, STATUS_LABELS
from lms.training.models import ClassEvent, ClassTrainee, TrainingClass
from lms.training.online import services as online

OUTCOME_RULE = _l("Withdrawn and excused trainees keep that outcome, and a trainee whose "
                  "granted leave passed the limit is withdrawn; every other trainee "
                  "completes the class when they attended at least one of its sessions (an "
                  "online special class: when they completed all its courses), and is absent "
                  "otherwise.")


@dataclass
class Outcome:
    """What closing decides for one trainee, and why."""

    trainee: ClassTrainee
    outcome: str
    attended_hours: float
    leave_hours: float


def entry_key(class_id: int, user_id: int) -> str:
    """The dedupe key of a trainee's record entry for a class (one per class and cadre)."""
    return f"training_class:{class_id}:{user_id}"


def _event(cls: TrainingClass, action: str, before: str, actor_id: int,
           comment: str = "") -> None:
    db.session.add(ClassEvent(class_id=cls.id, actor_id=actor_id, action=action,
                              from_status=before, to_status=cls.status, comment=comment))
    audit.log("class.change", actor=actor_id,
              detail={"class": cls.id, "step": action, "from": before, "to": cls.status})


def _claim(cls: TrainingClass, before: str, after: str, **values) -> TrainingClass:
    """Move the class from `before` to `after` with one conditional UPDATE, the first write
    of the transaction: of two people pressing the same button at once, the second finds
    the class moved already (PostgreSQL waits for the first's row lock; SQLite serialises
    writers) and is refused. Raises `Refused` ("status") when the class is not `before`."""
    moved = db.session.execute(
        update(TrainingClass).where(TrainingClass.id == cls.id, TrainingClass.status == before)
        .values(status=after, **values).execution_options(synchronize_session=False)).rowcount
    if not moved:
        db.session.rollback()
        db.session.refresh(cls)
        raise refuse(_("The class is %(status)s; this step needs it to be %(wanted)s.",
                       status=STATUS_LABELS.get(cls.status, cls.status),
                       wanted=STATUS_LABELS.get(before, before)), code="status")
    db.session.refresh(cls)
    return cls


def _link(cls: TrainingClass) -> str:
    return url_for("training.class_sessions", class_id=cls.id)


def trainees_of(cls: TrainingClass) -> list[ClassTrainee]:
    return list(db.session.scalars(select(ClassTrainee).where(
        ClassTrainee.class_id == cls.id).order_by(ClassTrainee.id)))


# ---- start ---------------------------------------------------------------------------------

def start(cls: TrainingClass, *, actor: User) -> TrainingClass:
    """Approved → running: attendance and leave open. The expected trainees, the class's
    organisers and the organisation department are told; an online class enrols its cohort
    in its courses. Audits and commits."""
    _claim(cls, "approved", "running")
    _event(cls, "start", "approved", actor.id)
    if cls.form == "online":
        online.enrol_cohort(cls)
    trainees = [t.user_id for t in trainees_of(cls) if t.status in rates.ATTENDING]
    with force_locale("zh_CN"):
        mine = _("The class “%(title)s” has started (%(first)s to %(last)s). Check in at each "
                 "session with its code; ask for leave on My classes.", title=cls.title,
                 first=cls.starts_on.isoformat(), last=cls.ends_on.isoformat())
        theirs = _("The class “%(title)s” has started.", title=cls.title)
    notify(trainees, "class_plan", mine, url_for("training.my_classes"), actor_id=actor.id)
    notify(set(people.organisers(cls) + people.department(cls)) - {actor.id}, "class_plan",
           theirs, _link(cls), actor_id=actor.id)
    db.session.commit()
    return cls


# ---- close ---------------------------------------------------------------------------------

def outcomes(cls: TrainingClass) -> list[Outcome]:
    """Each trainee's outcome if the class closed now (`OUTCOME_RULE`)."""
    trainees = trainees_of(cls)
    sheets = {s.trainee.id: s for s in rates.sheets(cls, trainees)}
    done = online.cohort_completed(cls) if cls.form == "online" else set()
    out = []
    for trainee in trainees:
        sheet = sheets[trainee.id]
        if trainee.status in ("withdrawn", "excused"):
            outcome = trainee.status
        elif trainee.status in rates.ATTENDING and sheet.over_limit:
            outcome = "withdrawn"
        elif cls.form == "online":
            outcome = "completed" if trainee.user_id in done else "absent"
        else:
            outcome = "completed" if sheet.attended else "absent"
        out.append(Outcome(trainee, outcome, sheet.attended_hours, sheet.leave_hours))
    return out


def close_refusals(cls: TrainingClass, found: Sequence[Outcome], actor: User) -> dict[str, str]:
    """Why `actor` may not close the class now ({} when they may): a class held in a
    classroom without sessions, or completed trainees the actor may not credit."""
    problems: dict[str, str] = {}
    if cls.form != "online" and not cls.sessions:
        problems["sessions"] = _("The class has no sessions: add its sessions and take "
                                 "attendance before closing it, since credit follows "
                                 "attendance.")
    completed = [o.trainee for o in found if o.outcome == "completed"]
    refused = credit.refusals([t.user_id for t in completed], actor)
    if refused:
        names = _(", ").join(t.user.name for t in completed if t.user_id in refused)
        problems["trainees"] = _(
            "You may not credit %(names)s (your own learning, or that of an administrator "
            "over your unit), so you may not close this class: an administrator of the unit "
            "above closes it.", names=names)
    return problems


def _entry(cls: TrainingClass, user_id: int, actor_id: int) -> int:
    """The trainee's record entry for the class: written now, or the one written before."""
    ended = min(cls.ends_on, local_today())
    entry = chain.append_entry(RecordEntry(
        user_id=user_id, kind="training_class", subject_id=None, title=cls.title[:200],
        hours=cls.hours, days=cls.days, occurred_on=ended,
        started_on=min(cls.starts_on, ended), ended_on=ended,
        organiser=(cls.organiser_name or cls.unit.name)[:200],
        details={"class": cls.id, "form": cls.form, "category": cls.category},
        origin="entered", entered_by_id=actor_id, source=f"class:{cls.id}",
        dedupe_key=entry_key(cls.id, user_id)), actor_id=actor_id,
        reason=f"class:{cls.id}")
    if entry is not None:
        return entry.id
    return db.session.scalar(select(RecordEntry.id).where(
        RecordEntry.dedupe_key == entry_key(cls.id, user_id)))


def close(cls: TrainingClass, *, actor: User) -> list[Outcome]:
    """Running → closed: store each trainee's outcome, write each completed trainee's record
    entry once, tell every trainee their outcome and hours, the trainees' units and the
    organisation department. Raises `Refused` (nothing written) when the class is not
    running, has no sessions (a classroom class), or holds trainees the actor may not
    credit. Audits and commits."""
    _claim(cls, "running", "closed", closed_at=utcnow(), closed_by=actor.id)
    found = outcomes(cls)
    problems = close_refusals(cls, found, actor)
    if problems:
        db.session.rollback()
        raise Refused(problems, "four_eyes" if "trainees" in problems else "invalid")
    for row in found:
        row.trainee.outcome = row.outcome
        if row.outcome == "withdrawn" and row.trainee.status != "withdrawn":
            row.trainee.status, row.trainee.withdrawn_at = "withdrawn", utcnow()
        if row.outcome == "completed":
            row.trainee.entry_id = _entry(cls, row.trainee.user_id, actor.id)
    _event(cls, "close", "running", actor.id)
    _tell_outcomes(cls, found, actor)
    db.session.commit()
    return found


def _tell_outcomes(cls: TrainingClass, found: Sequence[Outcome], actor: User) -> None:
    completed = sum(1 for o in found if o.outcome == "completed")
    with force_locale("zh_CN"):
        for row in found:
            outcome = str(OUTCOME_LABELS[row.outcome])
            if row.outcome == "completed":
                message = _("The class “%(title)s” closed: completed; %(hours)s hours and "
                            "%(days)s days were added to your learning record.",
                            title=cls.title, hours=amount_text(cls.hours),
                            days=amount_text(cls.days))
            else:
                message = _("The class “%(title)s” closed: %(outcome)s; nothing was added to "
                            "your learning record.", title=cls.title, outcome=outcome)
            notify([row.trainee.user_id], "record", message, url_for("training.my_classes"),
                   actor_id=actor.id)
        summary = _("The class “%(title)s” closed: %(completed)d of %(all)d trainees "
                    "completed it.", title=cls.title, completed=completed, all=len(found))
    units = {o.trainee.unit_id for o in found}
    told = set(people.unit_admins(units) + people.organisers(cls) + people.department(cls))
    notify(told - {actor.id}, "class_plan", summary, _link(cls), actor_id=actor.id)


# ---- file ----------------------------------------------------------------------------------

def file(cls: TrainingClass, *, actor: User) -> TrainingClass:
    """Closed → filed (备案) by the organisation department; four eyes: not by whoever
    closed it. The class's organisers are told. Audits and commits."""
    if cls.closed_by == actor.id:
        raise refuse(_("You closed this class; another administrator of the organisation "
                       "department files it."), code="four_eyes")
    _claim(cls, "closed", "filed", filed_at=utcnow(), filed_by=actor.id)
    _event(cls, "file", "closed", actor.id)
    with force_locale("zh_CN"):
        message = _("The class “%(title)s” was filed by the organisation department.",
                    title=cls.title)
    told = set(people.organisers(cls)) | ({cls.closed_by} if cls.closed_by else set())
    notify(told - {actor.id}, "class_plan", message, _link(cls), actor_id=actor.id)
    db.session.commit()
    return cls


def may_file(cls: TrainingClass, user: User) -> bool:
    """Whether the button to file shows (the service decides again)."""
    from lms.org import permissions

    return (cls.status == "closed" and cls.closed_by != user.id
            and permissions.can("training.manage", cls.unit, user))


__all__ = ["OUTCOME_RULE", "Outcome", "close", "close_refusals", "entry_key", "file",
           "may_file", "outcomes", "start"]
