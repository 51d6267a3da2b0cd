"""Attempts at graded activities: start or resume, autosave, submit, score, grade, review.

Everything that decides a score happens here, on the server:

- An attempt's paper (its questions, the order of questions and options, its key) is fixed
  when it starts, so a reload or a later edit of the quiz never changes it. Options are sent
  by their position on the paper; which original answer a position means stays here.
- Answers are accepted only while the attempt is open and before its deadline (the time
  limit, or the activity's closing time, whichever comes first). A submission after the
  deadline is scored on the answers saved before it.
- Submitting moves the attempt out of `open` with one conditional UPDATE, in the same
  transaction that scores it: of two concurrent submits, one scores and the other finds it
  submitted. A save takes the same row first, so it lands before a submit's scoring or not
  at all.
- An attempt whose deadline passed is submitted as it stands by whoever next looks at it.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from lms.activities.base import SEALED, AssessmentSpec
from lms.activities.registry import registry
from lms.assessment import scoring
from lms.assessment.importer import as_parsed
from lms.assessment.models import (
    Attempt,
    AttemptAnswer,
    Question,
    QuestionCategory,
    Resit,
    ResultRelease,
)
from lms.assessment.option_order import option_order
from lms.audit import services as admin_audit
from lms.auth.models import User
from lms.catalog.models import Activity
from lms.core.markup import render_text
from lms.core.signals import exam_passed
from lms.core.timeutil import age_on, local_date, local_today, utcnow
from lms.extensions import db
from lms.org import credit, permissions
from lms.progress import services as progress

MAX_TEXT = 20_000  # characters in a typed answer
PASS_EPSILON = 1e-9


class AttemptError(ValueError):
    """A refused attempt action: `code` for the API, the message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def spec_for(activity: Activity) -> AssessmentSpec | None:
    """The activity's assessment rules, when its type is attempted online."""
    kind = registry().get(activity.type_key)
    if kind is None or not kind.supports("graded"):
        return None
    return kind.assessment(activity.config)


def _draws_shared(spec: AssessmentSpec | None) -> bool:
    return spec is not None and spec.shared_bank and bool(spec.draws)


def sealed(activity: Activity) -> bool:
    """Whether the activity's questions are secret to its authors (an exam)."""
    kind = registry().get(activity.type_key)
    return kind is not None and kind.supports(SEALED)


def reads_questions(activity: Activity, user: User) -> bool:
    """Whether the user may read the activity's questions: its file, the banks it draws
    from, its item analysis, the answers to grade (`permissions.can_read_questions`)."""
    return permissions.can_read_questions(activity.course, user, sealed=sealed(activity),
                                          shared_bank=_draws_shared(spec_for(activity)))


def authors_refusal(activity: Activity, spec: AssessmentSpec, user: User) -> str | None:
    """Why the user may not sit a sealed activity they author (a message), or None."""
    if sealed(activity) and permissions.authors_exam(activity.course, user,
                                                     shared_bank=_draws_shared(spec)):
        return _("You wrote or can read this exam's questions, so you cannot sit it.")
    return None


# ---- the paper -------------------------------------------------------------------------

def _slot(number: int, q: Any, qid: int | None, rng: random.Random,
          shuffle_answers: bool) -> dict[str, Any]:
    """One question on a paper: the public part (text, options) and the key (`body`,
    `order`)."""
    answers = [dict(vars(a)) for a in q.answers]  # copies: the parsed questions are shared
    body = {"answers": answers, "pairs": [list(p) for p in q.pairs]}
    slot: dict[str, Any] = {
        "slot": number, "qid": qid, "qtype": q.qtype, "name": q.name,
        "html": render_text(q.text, q.text_format),
        "mark": 0.0 if q.qtype in scoring.UNSCORED else 1.0, "body": body,
        "general_feedback": q.general_feedback,
        "general_feedback_format": q.general_feedback_format,
    }
    if q.qtype in ("multichoice", "multiresponse"):
        order = option_order([a["text"] for a in answers], rng, shuffle_answers)
        slot["order"] = order
        slot["options"] = [render_text(answers[i]["text"], answers[i]["text_format"])
                           for i in order]
    elif q.qtype == "matching":
        lefts = [(left, fmt) for (left, _right), fmt in
                 zip(q.pairs, q.pair_formats or ["moodle"] * len(q.pairs), strict=False)
                 if left]
        slot["lefts"] = [render_text(left, fmt) for left, fmt in lefts]
        rights = sorted({right for _left, right in q.pairs})
        rng.shuffle(rights)  # never in pair order: that would give the pairs away
        slot["rights"] = rights
    return slot


def _draw(course_id: int | None, draws: list[tuple[str, int]],
          rng: random.Random) -> list[Question]:
    """Questions drawn at random from a course's bank (None: the shared bank), per category
    (and its subcategories), never the same question twice."""
    taken: set[int] = set()
    picked: list[Question] = []
    for path, count in draws:
        ids = [i for i in db.session.scalars(
            select(Question.id).join(QuestionCategory, QuestionCategory.id == Question.category_id)
            .where(Question.course_id == course_id,  # None: IS NULL, the shared bank
                   Question.qtype != "description",
                   or_(QuestionCategory.path == path,
                       QuestionCategory.path.startswith(path + "/", autoescape=True)))
            .order_by(Question.id)) if i not in taken]
        if len(ids) < count:
            raise AttemptError("bank_short", _(
                "This quiz draws %(n)d questions from the category “%(c)s”, which holds "
                "%(m)d. Tell the course's lecturer.", n=count, c=path, m=len(ids)))
        chosen = rng.sample(ids, count)
        taken.update(chosen)
        rows = {q.id: q for q in db.session.scalars(select(Question).where(
            Question.id.in_(chosen)))}
        picked.extend(rows[i] for i in chosen)
    return picked


def build_paper(spec: AssessmentSpec, course_id: int, rng: random.Random) -> list[dict]:
    """A new attempt's slots: the fixed questions, then the draws; shuffled when asked."""
    items: list[tuple[Any, int | None]] = [(q, None) for q in spec.questions]
    bank = None if spec.shared_bank else course_id
    items += [(as_parsed(row), row.id) for row in _draw(bank, spec.draws, rng)]
    if spec.shuffle_questions:
        rng.shuffle(items)
    return [_slot(n, q, qid, rng, spec.shuffle_answers)
            for n, (q, qid) in enumerate(items, start=1)]


def question_key(slot: dict) -> str:
    """The same question across attempts: its bank id, or its name in the activity's file."""
    return f"bank:{slot['qid']}" if slot.get("qid") else f"quiz:{slot['name']}"


def paper_index(slots: list[dict]) -> list[list]:
    """[slot, question key, mark, name] of each scored slot (see `Attempt.items`)."""
    return [[s["slot"], question_key(s), s["mark"], s["name"]] for s in slots if s["mark"] > 0]


# ---- what the learner sees -----------------------------------------------------------------

def public_slot(slot: dict) -> dict[str, Any]:
    """A slot as the learner's page and the API see it before review: no key, no feedback,
    no bank id, options by position only."""
    out = {"id": slot["slot"], "type": slot["qtype"], "html": slot["html"],
           "mark": slot["mark"]}
    if "options" in slot:
        out["options"] = [{"value": i, "html": h} for i, h in enumerate(slot["options"])]
    if "lefts" in slot:
        out["lefts"] = [{"value": str(i), "html": h} for i, h in enumerate(slot["lefts"])]
        out["rights"] = list(slot["rights"])
    return out


def review_allowed(attempt: Attempt, spec: AssessmentSpec | None,
                   now: datetime | None = None) -> bool:
    """Whether the learner may now see the correct answers of a finished attempt."""
    if attempt.status == "open" or spec is None or spec.review == "never":
        return False
    if spec.held_results and not released(attempt.activity_id):
        return False
    if spec.review == "after_close":
        return spec.closes_at is not None and (now or utcnow()) >= spec.closes_at
    return True


def review_slot(slot: dict, answer: AttemptAnswer | None) -> dict[str, Any]:
    """A finished slot for review: the learner's response, its grade, the correct response
    and the feedback. Only for attempts whose review is allowed."""
    out = public_slot(slot)
    response = answer.response if answer else None
    correct = _to_paper(slot, scoring.correct_response(slot["qtype"], slot["body"]))
    out.update(response=response, fraction=answer.fraction if answer else 0.0,
               correct=correct,
               feedback=_feedback(slot.get("general_feedback"),
                                  slot.get("general_feedback_format")),
               response_feedback="")
    answers = slot["body"]["answers"]
    if "options" in out:  # each option: chosen or not, right or not, its own feedback
        chosen = set(response) if isinstance(response, list) else {response}
        right = set(correct) if isinstance(correct, list) else {correct}
        for option in out["options"]:
            key = answers[slot["order"][option["value"]]]
            option.update(chosen=option["value"] in chosen, right=option["value"] in right,
                          credit=key["fraction"] > 0,  # a single choice's partly right option
                          feedback=_feedback(key.get("feedback"), key.get("feedback_format")))
    else:
        met = scoring.matched_answer(slot["qtype"], slot["body"], response)
        if met is not None:
            out["response_feedback"] = _feedback(met.get("feedback"),
                                                 met.get("feedback_format"))
    return out


def _feedback(text: str | None, text_format: str | None) -> str:
    """Feedback written in the question's source, as sanitised HTML ('' when none)."""
    return render_text(text, text_format or "moodle") if text else ""


def _to_paper(slot: dict, response: Any) -> Any:
    """A response in the key's terms (original answer indices) as paper positions."""
    order = slot.get("order")
    if order is None or response is None:
        return response
    if isinstance(response, list):
        return sorted(order.index(i) for i in response)
    return order.index(response)


def _from_paper(slot: dict, response: Any) -> Any:
    """A response given by paper positions, in the key's terms."""
    order = slot.get("order")
    if order is None:
        return response

    def valid(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < len(order)

    if isinstance(response, list):
        return [order[v] for v in response if valid(v)]
    return order[response] if valid(response) else None


# ---- starting and resuming -------------------------------------------------------------------

def attempts_of(user_id: int, activity_id: int) -> list[Attempt]:
    """A learner's attempts at an activity, newest first."""
    return list(db.session.scalars(select(Attempt).where(
        Attempt.user_id == user_id, Attempt.activity_id == activity_id)
        .order_by(Attempt.number.desc())))


def open_attempt(user_id: int, activity_id: int) -> Attempt | None:
    return db.session.scalar(select(Attempt).where(
        Attempt.user_id == user_id, Attempt.activity_id == activity_id,
        Attempt.status == "open"))


def resits_granted(user_id: int, activity_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Resit).where(
        Resit.user_id == user_id, Resit.activity_id == activity_id)) or 0


def eligibility(user: User, spec: AssessmentSpec) -> str | None:
    """Why the user is not in the activity's audience (a message), or None when they are."""
    audience = spec.audience or {}
    profile = getattr(user, "profile", None)
    ranks = audience.get("ranks") or []
    if ranks and (profile is None or profile.rank not in ranks):
        return _("This exam is for cadres of another rank.")
    limit = audience.get("max_age")
    if limit:
        age = age_on(profile.birth_date if profile else None, local_today())
        if age is None:
            return _("This exam has an age limit and your date of birth is not on record. "
                     "Ask your unit's administrator.")
        if age >= limit:
            return _("This exam is for cadres under %(n)d.", n=limit)
    return None


def can_start(activity: Activity, spec: AssessmentSpec, used: int, now: datetime,
              user: User | None = None, resits: int | None = None) -> str | None:
    """Why a new attempt cannot start now (a message), or None when it can. `resits` is the
    user's re-sits granted at the activity when the caller has counted them already."""
    if activity.retired or activity.course.status != "published":
        return _("This quiz is not open.")
    if user is not None:
        refusal = authors_refusal(activity, spec, user)
        if refusal:
            return refusal
    if user is not None and spec.audience:
        refusal = eligibility(user, spec)
        if refusal:
            return refusal
    if spec.opens_at and now < spec.opens_at:
        return _("This quiz opens at a later time.")
    if spec.closes_at and now >= spec.closes_at:
        return _("This quiz has closed.")
    if spec.attempts and used >= spec.attempts:
        if resits is None:
            resits = resits_granted(user.id, activity.id) if user is not None else 0
        if used >= spec.attempts + resits:
            return _("You have used all your attempts at this quiz.")
    return None


def start_or_resume(user: User, activity: Activity, now: datetime | None = None,
                    rng: random.Random | None = None) -> Attempt:
    """The learner's open attempt, or a new one when the rules allow (AttemptError if not)."""
    now = now or utcnow()
    spec = spec_for(activity)
    if spec is None:
        raise AttemptError("not_graded", _("This activity has no online attempts."))
    refusal = authors_refusal(activity, spec, user)
    if refusal:  # an author never sits, nor goes on with an attempt begun before
        raise AttemptError("author", refusal)
    current = open_attempt(user.id, activity.id)
    if current is not None:
        if not expired(current, now):
            return current
        finish(current, now)
    used = db.session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.user_id == user.id, Attempt.activity_id == activity.id)) or 0
    refusal = can_start(activity, spec, used, now, user)
    if refusal:
        raise AttemptError("not_allowed", refusal)
    progress.ensure_state(user, activity)
    slots = build_paper(spec, activity.course_id, rng or random.SystemRandom())
    deadline = now + timedelta(minutes=spec.time_limit_minutes) \
        if spec.time_limit_minutes else None
    if spec.closes_at and (deadline is None or spec.closes_at < deadline):
        deadline = spec.closes_at
    attempt = Attempt(activity_id=activity.id, user_id=user.id, number=used + 1,
                      status="open", started_at=now, deadline_at=deadline, slots=slots,
                      items=paper_index(slots), max_score=sum(s["mark"] for s in slots))
    db.session.add(attempt)
    try:
        db.session.flush()
        if spec.attempts and used >= spec.attempts:  # beyond the limit: a re-sit is used
            resit = db.session.scalar(select(Resit).where(
                Resit.user_id == user.id, Resit.activity_id == activity.id,
                Resit.attempt_id.is_(None)).order_by(Resit.id).limit(1))
            if resit is not None:
                resit.attempt_id = attempt.id
        db.session.commit()
    except IntegrityError:  # a concurrent start won: resume that one
        db.session.rollback()
        current = open_attempt(user.id, activity.id)
        if current is None:
            raise AttemptError("conflict", _("Please try again.")) from None
        return current
    return attempt


def expired(attempt: Attempt, now: datetime | None = None) -> bool:
    """An open attempt whose deadline has passed."""
    return (attempt.status == "open" and attempt.deadline_at is not None
            and (now or utcnow()) > attempt.deadline_at)


def seconds_left(attempt: Attempt, now: datetime | None = None) -> int | None:
    if attempt.deadline_at is None:
        return None
    return max(0, int((attempt.deadline_at - (now or utcnow())).total_seconds()))


# ---- answers ------------------------------------------------------------------------------

def _checked(slot: dict, response: Any) -> Any:
    """The response if its shape fits the question; AttemptError otherwise."""
    qtype = slot["qtype"]
    ok = response is None
    if qtype == "multichoice":
        ok = ok or (isinstance(response, int) and not isinstance(response, bool))
    elif qtype == "multiresponse":
        ok = ok or (isinstance(response, list) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in response)
            and len(response) <= len(slot.get("options", [])))
    elif qtype == "truefalse":
        ok = ok or isinstance(response, bool)
    elif qtype in ("shortanswer", "numerical", "essay"):
        ok = ok or (isinstance(response, str) and len(response) <= MAX_TEXT)
    elif qtype == "matching":
        ok = ok or (isinstance(response, dict) and len(response) <= len(slot["lefts"])
                    and all(isinstance(v, str) and len(v) <= MAX_TEXT
                            for v in response.values()))
    if not ok:
        raise AttemptError("bad_answer", _("This answer does not fit the question."))
    return response


def _slot_of(attempt: Attempt, number: int) -> dict:
    for slot in attempt.slots:
        if slot["slot"] == number:
            return slot
    raise AttemptError("no_question", _("There is no such question in this attempt."))


def save_answers(attempt: Attempt, responses: dict[int, Any],
                 now: datetime | None = None, flags: dict[int, bool] | None = None) -> None:
    """Save responses ({slot: response}) and the learner's flags ({slot: marked for review})
    to an open attempt before its deadline, unless its learner has since become an author of
    the exam. A flag alone leaves the slot's response as it was.

    The attempt's row is taken first with a conditional UPDATE, so a concurrent submit
    either scores after these answers are in or refuses them (AttemptError `closed`).
    """
    now = now or utcnow()
    activity = db.session.get(Activity, attempt.activity_id)
    refusal = authors_refusal(activity, spec_for(activity), db.session.get(User, attempt.user_id))
    if refusal:  # named an author while sitting: no answer counts from now on
        raise AttemptError("author", refusal)
    checked = {n: _checked(_slot_of(attempt, n), r) for n, r in responses.items()}
    flags = {_slot_of(attempt, n)["slot"]: bool(f) for n, f in (flags or {}).items()}
    taken = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.status == "open",
                              or_(Attempt.deadline_at.is_(None), Attempt.deadline_at >= now))
        .values(status="open").execution_options(synchronize_session=False)).rowcount
    if taken != 1:
        db.session.rollback()
        raise AttemptError("closed", _("Time is up or the attempt was submitted: this answer "
                                       "was not saved."))
    rows = {a.slot: a for a in db.session.scalars(select(AttemptAnswer).where(
        AttemptAnswer.attempt_id == attempt.id,
        AttemptAnswer.slot.in_(list(checked.keys() | flags.keys()))))}
    for number in sorted(checked.keys() | flags.keys()):
        row = rows.get(number)
        if row is None:
            if number not in checked and not flags[number]:
                continue  # nothing saved and nothing marked: no row needed
            row = AttemptAnswer(attempt_id=attempt.id, slot=number, response=None,
                                flagged=False, saved_at=now)
            db.session.add(row)
        if number in checked:
            row.response, row.saved_at = checked[number], now
        if number in flags:
            row.flagged = flags[number]
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent first save of the same slot: the latest wins
        db.session.rollback()
        save_answers(attempt, responses, now, flags)


def answers_of(attempt_id: int) -> dict[int, AttemptAnswer]:
    return {a.slot: a for a in db.session.scalars(select(AttemptAnswer).where(
        AttemptAnswer.attempt_id == attempt_id))}


# ---- submitting and scoring ------------------------------------------------------------------

@dataclass
class Result:
    """An attempt's result; `scored` is True for the one call that submitted and scored it."""

    score: float | None
    max_score: float
    passed: bool | None
    status: str
    scored: bool = False


def result_of(attempt: Attempt, scored: bool = False) -> Result:
    return Result(attempt.score, attempt.max_score, attempt.passed, attempt.status, scored)


def percent(attempt: Attempt) -> float | None:
    if attempt.score is None:
        return None
    return 100.0 * attempt.score / attempt.max_score if attempt.max_score else 0.0


def finish(attempt: Attempt, now: datetime | None = None) -> Result:
    """Submit an open attempt and score it (once); a finished attempt returns its result."""
    now = now or utcnow()
    moved = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.status == "open")
        .values(status="submitted", submitted_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if moved != 1:
        db.session.rollback()
        db.session.refresh(attempt)
        return result_of(attempt)
    deadline = attempt.deadline_at
    answers = {a.slot: a for a in db.session.scalars(select(AttemptAnswer).where(
        AttemptAnswer.attempt_id == attempt.id))
        if deadline is None or a.saved_at <= deadline}
    for slot in attempt.slots:
        answer = answers.get(slot["slot"])
        if answer is None:
            continue
        if slot["qtype"] not in scoring.MANUAL:
            answer.fraction = scoring.grade(slot["qtype"], slot["body"],
                                            _from_paper(slot, answer.response))
        elif not (answer.response or "").strip():
            answer.fraction = 0.0  # nothing written: nothing for a person to grade
    db.session.flush()
    db.session.refresh(attempt)
    _total(attempt, answers, final=not needs_grading(attempt, answers), now=now)
    db.session.commit()
    if attempt.status == "graded":
        _report(attempt, now)
    return result_of(attempt, scored=True)


def _total(attempt: Attempt, answers: dict[int, AttemptAnswer], *, final: bool,
           now: datetime) -> None:
    attempt.score = round(sum(slot["mark"] * (answers[slot["slot"]].fraction or 0.0)
                              for slot in attempt.slots if slot["slot"] in answers), 4)
    if final:
        spec = spec_for(db.session.get(Activity, attempt.activity_id))
        pass_score = spec.pass_score if spec else 60.0
        attempt.status, attempt.graded_at = "graded", now
        attempt.passed = (percent(attempt) or 0.0) + PASS_EPSILON >= pass_score
    else:
        attempt.passed = None


def released(activity_id: int) -> bool:
    return db.session.get(ResultRelease, activity_id) is not None


def results_visible(attempt: Attempt, spec: AssessmentSpec | None) -> bool:
    """Whether the attempt's score may be shown to its learner: held results wait for their
    release by an administrator."""
    return attempt.status == "graded" and (
        spec is None or not spec.held_results or released(attempt.activity_id))


def certificate_number(attempt: Attempt) -> str:
    """The certificate-style result's number: year, activity and attempt."""
    return f"{local_date(attempt.submitted_at or utcnow()).year}-{attempt.activity_id:04d}-" \
           f"{attempt.id:06d}"


def _report(attempt: Attempt, now: datetime) -> None:
    """A final, visible result goes to the learner's state in the activity (completing it on
    a pass) and, for an exam passed, to the learning record as a certificate."""
    activity = db.session.get(Activity, attempt.activity_id)
    spec = spec_for(activity)
    if not results_visible(attempt, spec):
        return
    user = db.session.get(User, attempt.user_id)
    progress.record_result(user, activity, percent(attempt) or 0.0, bool(attempt.passed), now)
    if spec is not None and spec.certificate and attempt.passed:
        exam_passed.send(current_app._get_current_object(), user_id=user.id,
                         activity_id=activity.id, title=activity.title,
                         score=percent(attempt) or 0.0, number=certificate_number(attempt),
                         passed_on=local_date(attempt.submitted_at or now))
        db.session.commit()


def release_results(activity: Activity, actor: User, now: datetime | None = None) -> int:
    """Release an activity's held results: each graded attempt reaches its learner, their
    state and record. Returns how many attempts were released (0 when already released)."""
    now = now or utcnow()
    if released(activity.id):
        return 0
    db.session.add(ResultRelease(activity_id=activity.id, released_at=now, released_by=actor.id))
    admin_audit.log("exam.release", actor=actor,
                    detail={"what": "release", "activity": activity.id, "title": activity.title})
    try:
        db.session.commit()
    except IntegrityError:  # released concurrently
        db.session.rollback()
        return 0
    close_expired(activity.id, now=now)
    graded = list(db.session.scalars(select(Attempt).where(
        Attempt.activity_id == activity.id, Attempt.status == "graded").order_by(Attempt.id)))
    for attempt in graded:
        _report(attempt, now)
    return len(graded)


def grant_resit(activity: Activity, user: User, actor: User, reason: str = "") -> Resit:
    """One more attempt for a learner beyond the activity's limit; never by the learner
    themselves, nor by a peer or subordinate administrator (four eyes)."""
    _four_eyes(user, actor)
    row = Resit(activity_id=activity.id, user_id=user.id, granted_by=actor.id,
                reason=reason.strip())
    db.session.add(row)
    admin_audit.log("exam.release", actor=actor, target=user, detail={
        "what": "resit", "activity": activity.id, "title": activity.title,
        "reason": reason.strip()})
    db.session.commit()
    return row


def close_expired(activity_id: int | None = None, user_id: int | None = None,
                  now: datetime | None = None) -> int:
    """Submit, as they stand, the open attempts whose deadline has passed."""
    now = now or utcnow()
    stmt = select(Attempt).where(Attempt.status == "open", Attempt.deadline_at < now)
    if activity_id is not None:
        stmt = stmt.where(Attempt.activity_id == activity_id)
    if user_id is not None:
        stmt = stmt.where(Attempt.user_id == user_id)
    closed = 0
    for attempt in db.session.scalars(stmt.limit(500)).all():
        finish(attempt, now)
        closed += 1
    return closed


# ---- grading by a person -------------------------------------------------------------------

def own_attempt_text() -> str:
    """Why a lecturer holding no administrative role does not grade their own attempt."""
    return _("This is your own attempt: another lecturer of the course grades it.")


def _four_eyes(learner: User, actor: User) -> None:
    """Nobody grades or re-opens their own attempt, a peer's or a superior's
    (`permissions.may_credit`)."""
    why = credit.refusal(learner, actor, own=own_attempt_text())
    if why:
        raise AttemptError("own_attempt" if learner.id == actor.id else "four_eyes", why)


def grade_answer(attempt: Attempt, slot_number: int, fraction: float, comment: str,
                 grader: User, now: datetime | None = None) -> None:
    """A person's grade (0..1 of the mark) and comment on one answer of a submitted attempt;
    when no answer is left to grade, the attempt's result is final. Never the learner's own
    attempt, a peer's or a superior's (AttemptError `own_attempt`, `four_eyes`)."""
    now = now or utcnow()
    _four_eyes(db.session.get(User, attempt.user_id), grader)
    if attempt.status != "submitted":
        raise AttemptError("not_submitted", _("This attempt is not waiting for grading."))
    slot = _slot_of(attempt, slot_number)
    if slot["qtype"] not in scoring.MANUAL:
        raise AttemptError("not_manual", _("This question is scored automatically."))
    if not 0.0 <= fraction <= 1.0:
        raise AttemptError("bad_grade", _("The grade must be between 0 and the mark."))
    answers = answers_of(attempt.id)
    answer = answers.get(slot_number)
    if answer is None:
        raise AttemptError("no_answer", _("There is no answer to grade."))
    answer.fraction, answer.comment = fraction, comment.strip() or None
    answer.graded_by, answer.graded_at = grader.id, now
    _total(attempt, answers, final=not needs_grading(attempt, answers), now=now)
    db.session.commit()
    if attempt.status == "graded":
        _report(attempt, now)


def needs_grading(attempt: Attempt, answers: dict[int, AttemptAnswer]) -> list[dict]:
    """The slots of an attempt that a person still has to grade."""
    return [s for s in attempt.slots if s["qtype"] in scoring.MANUAL
            and s["slot"] in answers and answers[s["slot"]].fraction is None]
