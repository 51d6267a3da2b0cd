"""Call-ups (调训) of a class and the units' answers.

A trainee's status (see `models.TRAINEE_STATUSES`):
- `awaiting_release`: named by an organiser from outside its authority (a cadre of a unit
  outside the class unit's subtree, named by someone without `training.manage` over that
  cadre's unit); the cadre's unit releases (→ `assigned`) or declines (the row is removed,
  with an audit row and a notice to the organiser);
- `assigned`: called up; the cadre's unit confirms (→ `confirmed`) or files an explanation;
- `confirmed`: the unit confirmed, or nominated the cadre on its own quota, or the assigning
  authority refused the unit's explanation (the cadre must attend, else is absent);
- `explained`: an explanation awaits the assigning authority;
- `excused`: the explanation was accepted.
Seats counted against capacity and quotas: every status but `excused` and `withdrawn`.
Each function checks authority and state, writes everything or nothing, and commits.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, select

from lms.audit.services import log
from lms.auth.models import User
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org import permissions
from lms.org.models import CadreProfile, Unit
from lms.progress.notices import notify
from lms.training.classes import people
from lms.training.classes.services import ClassError
from lms.training.classes.validation import Invalid
from lms.training.models import ClassQuota, ClassTrainee, Explanation, TrainingClass
from lms.training.online.services import enrol_trainees

OPEN = ("approved", "running")  # classes that take call-ups
SEATED = ("awaiting_release", "assigned", "confirmed", "explained")
MAX_NAMES = 500
MAX_TEXT = 4000


# ---- who may --------------------------------------------------------------------------------

def can_call_up(training_class: TrainingClass, user=None) -> bool:
    """The organiser (`training.run` over the class's unit, the department included) while
    the class is approved or running."""
    return (training_class.status in OPEN
            and permissions.can("training.run", training_class.unit, user))


def can_give_quota(training_class: TrainingClass, unit: Unit, user=None) -> bool:
    """The department over `unit`, or the organiser for a unit of its own subtree."""
    return training_class.status in OPEN and (
        permissions.can("training.manage", unit, user)
        or (permissions.can("training.run", training_class.unit, user)
            and unit.path.startswith(training_class.unit.path)))


def decision_refusal(explanation: Explanation, training_class: TrainingClass,
                     user=None) -> str | None:
    """Why the user may not decide the explanation (None: they may): the assigning authority
    (the organiser or the department over the class's unit) decides, never whoever filed it."""
    user = user or current_user
    if not permissions.can("training.run", training_class.unit, user):
        return _("Only the class's organiser or the organisation department decides "
                 "explanations.")
    if explanation.decision is not None:
        return _("This explanation was decided already.")
    if explanation.filed_by == user.id:
        return _("You filed this explanation: another administrator of the authority that "
                 "called the cadre up decides it (four eyes).")
    return None


# ---- helpers --------------------------------------------------------------------------------

def _district_path(unit: Unit) -> str:
    """The path of the top unit of `unit`'s tree (call-ups stay inside one district)."""
    parts = [p for p in unit.path.split("/") if p]
    return f"/{parts[0]}/" if parts else unit.path


def seats_taken(training_class: TrainingClass, quota_id: int | None = None) -> int:
    stmt = select(func.count()).select_from(ClassTrainee).where(
        ClassTrainee.class_id == training_class.id, ClassTrainee.status.in_(SEATED))
    if quota_id is not None:
        stmt = stmt.where(ClassTrainee.quota_id == quota_id)
    return db.session.scalar(stmt) or 0


def _names(usernames: Iterable) -> list[str]:
    names: list[str] = []
    for name in usernames:
        if isinstance(name, str) and name.strip() and name.strip() not in names:
            names.append(name.strip())
    return names


def _text(value: object, field: str, label: str, *, required: bool) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise Invalid({field: _("%(field)s is required.", field=label)})
    if len(text) > MAX_TEXT:
        raise Invalid({field: _("%(field)s must be at most %(n)d characters.", field=label,
                                n=MAX_TEXT)})
    return text


def _cadres(training_class: TrainingClass, usernames: list[str],
            inside: Unit | None = None) -> dict[str, CadreProfile]:
    """The active cadres named, each checked (one query); raises `Invalid` naming every
    username at fault: unknown, not a cadre of the district (or of `inside`), already on
    the class."""
    label = _("Usernames")
    if not usernames:
        raise Invalid({"usernames": _("%(field)s: name at least one cadre.", field=label)})
    if len(usernames) > MAX_NAMES:
        raise Invalid({"usernames": _("%(field)s: at most %(n)d at a time.", field=label,
                                      n=MAX_NAMES)})
    rows = db.session.execute(
        select(User.username, CadreProfile).join(CadreProfile, CadreProfile.user_id == User.id)
        .where(User.username.in_(usernames), User.is_active_flag.is_(True))).all()
    found = {username: profile for username, profile in rows}
    present = set(db.session.scalars(select(ClassTrainee.user_id).where(
        ClassTrainee.class_id == training_class.id)))
    district = _district_path(training_class.unit)
    wrong: list[str] = []
    for name in usernames:
        profile = found.get(name)
        if profile is None or not profile.unit.path.startswith(district):
            wrong.append(_("%(u)s: no active cadre of the district has this username.", u=name))
        elif inside is not None and not profile.unit.path.startswith(inside.path):
            wrong.append(_("%(u)s is not a cadre of %(unit)s.", u=name, unit=inside.name))
        elif profile.user_id in present:
            wrong.append(_("%(u)s is already on this class.", u=name))
    if wrong:
        raise Invalid({"usernames": _("%(field)s: %(problems)s", field=label,
                                      problems=" ".join(wrong))})
    return {name: found[name] for name in usernames}


def _check_capacity(training_class: TrainingClass, adding: int) -> None:
    if training_class.capacity and seats_taken(training_class) + adding > training_class.capacity:
        raise Invalid({"usernames": _(
            "%(field)s: the class takes %(n)d trainees and %(taken)d seats are taken; "
            "%(adding)d more do not fit.", field=_("Usernames"), n=training_class.capacity,
            taken=seats_taken(training_class), adding=adding)})


def _class_link(training_class: TrainingClass) -> str:
    return url_for("training.class_detail", class_id=training_class.id)


def _my_unit_link() -> str:
    return url_for("training.my_unit")


def _trainees_link(training_class: TrainingClass) -> str:
    return url_for("training.class_trainees", class_id=training_class.id)


def _audit(action: str, training_class: TrainingClass, kind: str = "class.trainees",
           **detail) -> None:
    log(kind, detail={"class": training_class.id, "action": action, **detail})


def _tell_units(by_unit: dict[int, list[str]], units: dict[int, Unit], message_of,
                actor: User, kind: str = "class_trainee") -> None:
    """One notice per unit administrator, listing their unit's cadres concerned."""
    for unit_id, names in by_unit.items():
        with force_locale("zh_CN"):
            message = message_of("、".join(names))
        notify(people.runners(units[unit_id]) - {actor.id}, kind, message, _my_unit_link(),
               actor_id=actor.id)


# ---- calling up by name ---------------------------------------------------------------------

def call_up(training_class: TrainingClass, usernames: Iterable, actor: User,
            note: object = "") -> list[ClassTrainee]:
    """Call up named cadres (all or none). Inside the class unit's subtree, or named by the
    department over the cadre's unit: `assigned`, and the cadre and their unit are told;
    otherwise `awaiting_release`, and the cadre's unit is asked to release them."""
    if not can_call_up(training_class, actor):
        raise ClassError("forbidden", _("Cadres are called up by the class's organiser once "
                                        "the class is approved."))
    note_text = _text(note, "note", _("Note"), required=False)
    names = _names(usernames if isinstance(usernames, list | tuple) else [])
    cadres = _cadres(training_class, names)
    _check_capacity(training_class, len(cadres))
    now, rows = utcnow(), []
    for profile in cadres.values():
        inside = profile.unit.path.startswith(training_class.unit.path) \
            or permissions.can("training.manage", profile.unit, actor)
        rows.append(ClassTrainee(
            class_id=training_class.id, user_id=profile.user_id, unit_id=profile.unit_id,
            status="assigned" if inside else "awaiting_release", note=note_text,
            assigned_by=actor.id, assigned_at=now))
    db.session.add_all(rows)
    db.session.flush()
    _audit("call_up", training_class, users=[p.user_id for p in cadres.values()],
           statuses=[r.status for r in rows], note=note_text)
    profiles = {p.user_id: p for p in cadres.values()}
    units = {p.unit_id: p.unit for p in cadres.values()}
    assigned, asked = defaultdict(list), defaultdict(list)
    for row in rows:
        (assigned if row.status == "assigned" else asked)[row.unit_id].append(
            profiles[row.user_id].user.name)
    t = training_class.title
    with force_locale("zh_CN"):
        message = _("You are called up to the class “%(t)s” (%(start)s to %(end)s).", t=t,
                    start=training_class.starts_on.isoformat(),
                    end=training_class.ends_on.isoformat())
        if note_text:
            message += _(" Note: %(note)s", note=note_text)
    notify([r.user_id for r in rows if r.status == "assigned"], "class_trainee", message,
           _class_link(training_class), actor_id=actor.id)
    _tell_units(assigned, units, lambda names: _(
        "%(names)s of your unit called up to the class “%(t)s”: confirm, or file an "
        "explanation for a cadre who cannot attend.", names=names, t=t), actor)
    _tell_units(asked, units, lambda names: _(
        "%(org)s asks to call up %(names)s of your unit to the class “%(t)s”: release or "
        "decline.", org=training_class.unit.name, names=names, t=t), actor)
    enrol_trainees(training_class, [r.user_id for r in rows if r.status == "assigned"])
    db.session.commit()
    return rows


# ---- quotas ---------------------------------------------------------------------------------

def give_quota(training_class: TrainingClass, unit: Unit | None, seats: object, actor: User,
               note: object = "") -> ClassQuota:
    """Give (or change) a unit's seats on the class; tells the unit's administrators."""
    if unit is None:
        raise Invalid({"unit": _("%(field)s: choose a unit in your scope.", field=_("Unit"))})
    if not can_give_quota(training_class, unit, actor):
        raise ClassError("forbidden", _("Seats are given by the organisation department, or "
                                        "by the organiser to units of its own subtree."))
    number = seats if isinstance(seats, int) and not isinstance(seats, bool) else None
    if isinstance(seats, str) and seats.strip().isdigit() and len(seats.strip()) < 7:
        number = int(seats.strip())
    limit = training_class.capacity or 10_000
    if number is None or not 1 <= number <= limit:
        raise Invalid({"seats": _("%(field)s must be between %(low)s and %(high)s.",
                                  field=_("Seats"), low=1, high=limit)})
    note_text = _text(note, "note", _("Note"), required=False)
    quota = db.session.scalar(select(ClassQuota).where(
        ClassQuota.class_id == training_class.id, ClassQuota.unit_id == unit.id))
    if quota is not None:
        filled = seats_taken(training_class, quota.id)
        if number < filled:
            raise Invalid({"seats": _("%(field)s: %(n)d cadres are nominated already.",
                                      field=_("Seats"), n=filled)})
        quota.seats, quota.note = number, note_text or quota.note
    else:
        quota = ClassQuota(class_id=training_class.id, unit_id=unit.id, seats=number,
                           note=note_text, created_by=actor.id)
        db.session.add(quota)
    db.session.flush()
    _audit("quota", training_class, unit=unit.id, seats=number)
    with force_locale("zh_CN"):
        message = _("Your unit has %(n)d seats on the class “%(t)s”: nominate your cadres.",
                    n=number, t=training_class.title)
    notify(people.runners(unit) - {actor.id}, "class_trainee", message, _my_unit_link(),
           actor_id=actor.id)
    db.session.commit()
    return quota


def nominate(quota: ClassQuota, usernames: Iterable, actor: User,
             note: object = "") -> list[ClassTrainee]:
    """The quota's unit nominates its cadres (all or none), up to its seats; they stand
    confirmed (their unit chose them). Tells the cadres and the class's organiser."""
    training_class = db.session.get(TrainingClass, quota.class_id)
    if training_class.status not in OPEN or not permissions.can("training.run", quota.unit,
                                                                  actor):
        raise ClassError("forbidden", _("The unit given the seats nominates its cadres while "
                                        "the class is approved or running."))
    note_text = _text(note, "note", _("Note"), required=False)
    names = _names(usernames if isinstance(usernames, list | tuple) else [])
    cadres = _cadres(training_class, names, inside=quota.unit)
    filled = seats_taken(training_class, quota.id)
    if filled + len(cadres) > quota.seats:
        raise Invalid({"usernames": _(
            "%(field)s: the quota of %(unit)s is %(n)d seats and %(filled)d are filled.",
            field=_("Usernames"), unit=quota.unit.name, n=quota.seats, filled=filled)})
    _check_capacity(training_class, len(cadres))
    now = utcnow()
    rows = [ClassTrainee(class_id=training_class.id, user_id=p.user_id, unit_id=p.unit_id,
                         quota_id=quota.id, status="confirmed", note=note_text,
                         assigned_by=actor.id, assigned_at=now, confirmed_by=actor.id,
                         confirmed_at=now) for p in cadres.values()]
    db.session.add_all(rows)
    db.session.flush()
    _audit("nominate", training_class, quota=quota.id, users=[r.user_id for r in rows])
    with force_locale("zh_CN"):
        message = _("You are called up to the class “%(t)s” (%(start)s to %(end)s).",
                    t=training_class.title, start=training_class.starts_on.isoformat(),
                    end=training_class.ends_on.isoformat())
        told = _("%(unit)s nominated %(names)s to the class “%(t)s”.", unit=quota.unit.name,
                 names="、".join(p.user.name for p in cadres.values()), t=training_class.title)
    notify([r.user_id for r in rows], "class_trainee", message, _class_link(training_class),
           actor_id=actor.id)
    notify(people.runners(training_class.unit) - {actor.id}, "class_trainee", told,
           _trainees_link(training_class), actor_id=actor.id)
    enrol_trainees(training_class, [r.user_id for r in rows])
    db.session.commit()
    return rows


# ---- the cadre's unit answers ---------------------------------------------------------------

def _unit_answers(trainee: ClassTrainee, actor: User, statuses: tuple[str, ...],
                  wrong: str) -> TrainingClass:
    training_class = db.session.get(TrainingClass, trainee.class_id)
    if not permissions.can("training.run", trainee.unit, actor):
        raise ClassError("forbidden", _("Only the cadre's unit answers a call-up."))
    if trainee.status not in statuses or training_class.status not in OPEN:
        raise ClassError("wrong_status", wrong)
    return training_class


def _organisers(training_class: TrainingClass, trainee: ClassTrainee) -> set[int]:
    told = people.runners(training_class.unit)
    if trainee.assigned_by:
        told.add(trainee.assigned_by)
    return told


def release(trainee: ClassTrainee, actor: User) -> None:
    """The cadre's unit lets the organiser call its cadre up (→ `assigned`)."""
    training_class = _unit_answers(trainee, actor, ("awaiting_release",),
                                   _("Only a call-up awaiting your approval can be "
                                     "released."))
    trainee.status, trainee.released_by, trainee.released_at = "assigned", actor.id, utcnow()
    _audit("release", training_class, user=trainee.user_id)
    with force_locale("zh_CN"):
        called = _("You are called up to the class “%(t)s” (%(start)s to %(end)s).",
                   t=training_class.title, start=training_class.starts_on.isoformat(),
                   end=training_class.ends_on.isoformat())
        released = _("%(unit)s released %(name)s to the class “%(t)s”.",
                     unit=trainee.unit.name, name=trainee.user.name, t=training_class.title)
    notify([trainee.user_id], "class_trainee", called, _class_link(training_class),
           actor_id=actor.id)
    notify(_organisers(training_class, trainee) - {actor.id}, "class_trainee", released,
           _trainees_link(training_class), actor_id=actor.id)
    enrol_trainees(training_class, [trainee.user_id])
    db.session.commit()


def decline(trainee: ClassTrainee, actor: User, reason: object = "") -> None:
    """The cadre's unit declines to release its cadre: the call-up is removed (the audit
    log keeps it) and the organiser is told why."""
    training_class = _unit_answers(trainee, actor, ("awaiting_release",),
                                   _("Only a call-up awaiting your approval can be "
                                     "declined."))
    text = _text(reason, "reason", _("Reason"), required=True)
    told = _organisers(training_class, trainee) - {actor.id}
    _audit("decline", training_class, user=trainee.user_id, reason=text)
    with force_locale("zh_CN"):
        message = _("%(unit)s declined to release %(name)s to the class “%(t)s”: %(why)s",
                    unit=trainee.unit.name, name=trainee.user.name, t=training_class.title,
                    why=text)
    notify(told, "class_trainee", message, _trainees_link(training_class), actor_id=actor.id)
    db.session.delete(trainee)
    db.session.commit()


def confirm(trainee: ClassTrainee, actor: User) -> None:
    """The cadre's unit confirms the cadre attends (→ `confirmed`)."""
    training_class = _unit_answers(trainee, actor, ("assigned",),
                                   _("Only a call-up awaiting confirmation can be "
                                     "confirmed."))
    trainee.status, trainee.confirmed_by, trainee.confirmed_at = "confirmed", actor.id, utcnow()
    _audit("confirm", training_class, user=trainee.user_id)
    with force_locale("zh_CN"):
        message = _("%(unit)s confirmed %(name)s attends the class “%(t)s”.",
                    unit=trainee.unit.name, name=trainee.user.name, t=training_class.title)
    notify({trainee.user_id} | ({trainee.assigned_by} if trainee.assigned_by else set())
           - {actor.id}, "class_trainee", message, _class_link(training_class),
           actor_id=actor.id)
    db.session.commit()


def explain(trainee: ClassTrainee, actor: User, text: object) -> Explanation:
    """The cadre's unit files a written explanation why the cadre cannot attend
    (→ `explained`); tells the assigning authority. Once refused, not again."""
    training_class = _unit_answers(trainee, actor, ("assigned", "confirmed"),
                                   _("An explanation is filed for a called-up cadre before "
                                     "any other explanation is decided."))
    refused = db.session.scalar(select(Explanation.id).where(
        Explanation.trainee_id == trainee.id, Explanation.decision == "refused").limit(1))
    if refused:
        raise ClassError("wrong_status", _("An explanation for this cadre was refused: the "
                                           "cadre must attend."))
    body = _text(text, "text", _("Explanation"), required=True)
    row = Explanation(trainee_id=trainee.id, text=body, filed_by=actor.id, filed_at=utcnow())
    trainee.status = "explained"
    db.session.add(row)
    db.session.flush()
    _audit("explain", training_class, kind="class.explanation", user=trainee.user_id,
           explanation=row.id)
    with force_locale("zh_CN"):
        message = _("%(unit)s explains why %(name)s cannot attend the class “%(t)s”: %(text)s",
                    unit=trainee.unit.name, name=trainee.user.name, t=training_class.title,
                    text=body)
    told = _organisers(training_class, trainee) - {actor.id}
    if not people.runners(training_class.unit) - {actor.id}:
        # The organiser explains for their own cadre and may not decide it (four eyes): the
        # department above decides, so it is told.
        told |= people.reviewers(training_class.unit) - {actor.id}
    notify(told, "explanation", message, _trainees_link(training_class), actor_id=actor.id)
    db.session.commit()
    return row


def decide(explanation: Explanation, actor: User, accept: bool, reply: object = "") -> None:
    """Accept (the cadre is excused) or refuse (the cadre must attend: `confirmed`) an
    explanation; a refusal needs a reply. Tells the cadre and their unit."""
    trainee = explanation.trainee
    training_class = db.session.get(TrainingClass, trainee.class_id)
    refusal = decision_refusal(explanation, training_class, actor)
    if refusal:
        raise ClassError("four_eyes" if explanation.filed_by == actor.id else "forbidden",
                         refusal)
    text = _text(reply, "reply", _("Reply"), required=not accept)
    explanation.decision = "accepted" if accept else "refused"
    explanation.reply, explanation.decided_by, explanation.decided_at = text, actor.id, utcnow()
    trainee.status = "excused" if accept else "confirmed"
    _audit("decide", training_class, kind="class.explanation", user=trainee.user_id,
           explanation=explanation.id, decision=explanation.decision)
    with force_locale("zh_CN"):
        if accept:
            message = _("The explanation for %(name)s was accepted: excused from the class "
                        "“%(t)s”.", name=trainee.user.name, t=training_class.title)
        else:
            message = _("The explanation for %(name)s was refused: %(name)s must attend the "
                        "class “%(t)s”, else counts as absent. %(reply)s",
                        name=trainee.user.name, t=training_class.title, reply=text)
    told = people.runners(trainee.unit) | {trainee.user_id}
    if explanation.filed_by:
        told.add(explanation.filed_by)
    notify(told - {actor.id}, "explanation", message, _class_link(training_class),
           actor_id=actor.id)
    if not accept:  # must attend: an online class's courses are theirs now
        enrol_trainees(training_class, [trainee.user_id])
    db.session.commit()


# ---- reading --------------------------------------------------------------------------------

def trainees(training_class: TrainingClass) -> list[ClassTrainee]:
    """The class's trainees with their status, cadre and unit, by unit and name (one query).
    For the other parts of training: attendance, leave and closing read this list."""
    return list(db.session.scalars(
        select(ClassTrainee).join(Unit, Unit.id == ClassTrainee.unit_id)
        .where(ClassTrainee.class_id == training_class.id)
        .order_by(Unit.path, ClassTrainee.id)))


# Trainees expected at the sessions: called up and not excused (an explanation still
# waiting does not excuse anyone yet).
EXPECTED = ("assigned", "confirmed", "explained")


def expected_trainees(training_class: TrainingClass) -> list[ClassTrainee]:
    """The trainees expected to attend (see `EXPECTED`), for attendance and closing."""
    return [t for t in trainees(training_class) if t.status in EXPECTED]


def explanations(trainee_ids: list[int]) -> dict[int, list[Explanation]]:
    """The explanations of these trainees, oldest first (one query)."""
    found: dict[int, list[Explanation]] = defaultdict(list)
    if trainee_ids:
        for row in db.session.scalars(select(Explanation).where(
                Explanation.trainee_id.in_(trainee_ids)).order_by(Explanation.id)):
            found[row.trainee_id].append(row)
    return found


def quotas(training_class: TrainingClass) -> list[tuple[ClassQuota, int]]:
    """The class's quotas with the seats filled (two queries)."""
    rows = list(db.session.scalars(select(ClassQuota).where(
        ClassQuota.class_id == training_class.id).order_by(ClassQuota.id)))
    filled = dict(db.session.execute(
        select(ClassTrainee.quota_id, func.count()).where(
            ClassTrainee.class_id == training_class.id, ClassTrainee.status.in_(SEATED),
            ClassTrainee.quota_id.is_not(None)).group_by(ClassTrainee.quota_id)).all())
    return [(q, filled.get(q.id, 0)) for q in rows]


def my_unit_callups() -> Select:
    """Call-ups of cadres of units the user runs training for, on classes still open, those
    waiting for an answer first (paginate it)."""
    order = func.coalesce(func.nullif(ClassTrainee.status, "awaiting_release"), "0")
    return (select(ClassTrainee).join(Unit, Unit.id == ClassTrainee.unit_id)
            .join(TrainingClass, TrainingClass.id == ClassTrainee.class_id)
            .where(permissions.unit_clause("training.run"), TrainingClass.status.in_(OPEN),
                   ClassTrainee.status.in_(SEATED + ("excused",)))
            .order_by(order, TrainingClass.starts_on, ClassTrainee.id))


def my_unit_quotas() -> list[tuple[ClassQuota, TrainingClass, int]]:
    """Seats given to units the user runs training for, on open classes, with those filled."""
    rows = db.session.execute(
        select(ClassQuota, TrainingClass).join(Unit, Unit.id == ClassQuota.unit_id)
        .join(TrainingClass, TrainingClass.id == ClassQuota.class_id)
        .where(permissions.unit_clause("training.run"), TrainingClass.status.in_(OPEN))
        .order_by(TrainingClass.starts_on, ClassQuota.id).limit(200)).all()
    ids = [q.id for q, _c in rows]
    filled = dict(db.session.execute(
        select(ClassTrainee.quota_id, func.count()).where(
            ClassTrainee.quota_id.in_(ids), ClassTrainee.status.in_(SEATED))
        .group_by(ClassTrainee.quota_id)).all()) if ids else {}
    return [(q, c, filled.get(q.id, 0)) for q, c in rows]
