"""Study plans (学习计划) and written annual appraisals (写实性书面鉴定).

A cadre drafts a plan for a year (goals in Markdown, target 学时 and days, planned courses),
submits it, and the unit administrator comments, approves or returns it; a returned plan can
be changed and submitted again, an approved one is settled. An administrator over the cadre
writes the year's appraisal (strengths, shortcomings, requirements); the cadre reads and
acknowledges it (the very text they read: the form carries its fingerprint), after which it
is locked. Every decision goes into the record's audit chain with a fingerprint of the text
decided on.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core.timeutil import local_date, utcnow
from lms.extensions import db
from lms.org import credit, permissions
from lms.org.models import CadreProfile, Unit
from lms.org.queries import cadre_clauses
from lms.progress import notices
from lms.progress.models import Enrolment
from lms.records import chain, rules
from lms.records.entries import MAX_DAYS, MAX_HOURS
from lms.records.models import Appraisal, RecordTotal, StudyPlan
from lms.records.workflow import EDITABLE, fingerprint, lock_cadre

GOALS_MAX = 20_000
TEXT_MAX = 10_000  # characters of each part of an appraisal
MAX_COURSES = 50  # courses in one plan
SUGGESTED_MAX = 30  # courses offered on the plan form besides those already chosen
SEARCH_MAX = 20  # courses a search on the plan form adds


class PlanError(ValueError):
    """An action that the plan's or appraisal's state does not allow; the message is shown."""


# ---- plans ---------------------------------------------------------------------------------

def plan_of(user_id: int, year: int, *, lock: bool = False) -> StudyPlan | None:
    """The cadre's plan for a year (optionally re-read under a row lock)."""
    stmt = select(StudyPlan).where(StudyPlan.user_id == user_id, StudyPlan.year == year)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(stmt)


def plan_digest(plan: StudyPlan) -> str:
    """The fingerprint of a plan's goals, targets and courses, kept in the audit chain (the
    targets written as in `format(x, "g")`, the course ids joined by commas)."""
    return fingerprint(plan.goals or "", format(plan.target_hours or 0.0, "g"),
                       format(plan.target_days or 0.0, "g"),
                       ",".join(str(int(i)) for i in plan.course_ids or []))


@dataclass
class CourseChoice:
    """A course the plan form offers: `published` False for one that was chosen and has been
    withdrawn since (it stays in the plan, shown as such)."""

    id: int
    title: str
    published: bool


def required_course_ids(user_id: int, year: int) -> list[int]:
    """The courses the rule sets that apply to the cadre in `year` require (two queries)."""
    rule_sets = [rs for rs in rules.active_rule_sets() if rules.in_force_in(rs, year)
                 and rules.normalise(rs.config)["required_courses"]]
    member = rules.memberships(user_id, rule_sets)
    ids: list[int] = []
    for rs in rule_sets:
        if rs.id in member:
            ids.extend(rules.normalise(rs.config)["required_courses"])
    return list(dict.fromkeys(ids))


def course_choices(user_id: int, year: int, chosen: list[int],
                   q: str | None = None) -> list[CourseChoice]:
    """The courses the plan form offers, a bounded list: those `chosen` already (even if
    withdrawn since), then at most `SUGGESTED_MAX` published ones, first those required by
    the rule sets that apply to the cadre, then those marked required (必修), the cadre's own
    enrolments (assigned ones included), then others by title; then at most `SEARCH_MAX`
    more published courses whose title holds `q`. At most three queries, four with `q`."""
    chosen = list(dict.fromkeys(int(i) for i in chosen or []))
    required = required_course_ids(user_id, year)
    enrolled = (select(Enrolment.course_id).where(Enrolment.user_id == user_id)
                .order_by(Enrolment.enrolled_at.desc()).limit(SUGGESTED_MAX))
    rank = case((Course.id.in_(chosen), 0), (Course.id.in_(required), 1),
                (Course.required.is_(True), 2), (Course.id.in_(enrolled), 3), else_=4)
    rows = db.session.execute(
        select(Course.id, Course.title, Course.status)
        .where(or_(Course.id.in_(chosen), Course.status == "published"))
        .order_by(rank, Course.title, Course.id).limit(len(chosen) + SUGGESTED_MAX)).all()
    picked = {cid: CourseChoice(cid, title, status == "published")
              for cid, title, status in rows}
    if q:
        for cid, title in db.session.execute(
                select(Course.id, Course.title)
                .where(Course.status == "published", Course.title.contains(q, autoescape=True),
                       Course.id.not_in(list(picked) or [-1]))
                .order_by(Course.title, Course.id).limit(SEARCH_MAX)):
            picked[cid] = CourseChoice(cid, title, True)
    return list(picked.values())


def save_plan(user: User, year: int, *, goals: str, target_hours: float, target_days: float,
              course_ids: list[int], submit: bool = False) -> StudyPlan:
    """Create or change the cadre's draft (or returned) plan; with `submit`, hand it to the
    unit administrator. New courses must be published; one already in the plan stays even
    if it was withdrawn since. The caller commits."""
    lock_cadre(user.id)  # two first saves at once write one plan, not a constraint error
    plan = plan_of(user.id, year, lock=True)
    if plan is not None and plan.status not in EDITABLE:
        raise PlanError(_("A submitted or approved plan can no longer be changed."))
    goals = (goals or "").replace("\r\n", "\n")
    if len(goals) > GOALS_MAX:
        raise PlanError(_("The goals are too long (at most %(n)d characters).", n=GOALS_MAX))
    if not 0 <= (target_hours or 0) <= MAX_HOURS or not 0 <= (target_days or 0) <= MAX_DAYS:
        raise PlanError(_("Targets must be between 0 and %(h)d study hours and 0 and %(d)d "
                          "days.", h=int(MAX_HOURS), d=int(MAX_DAYS)))
    wanted = list(dict.fromkeys(int(i) for i in course_ids or []))
    if len(wanted) > MAX_COURSES:
        raise PlanError(_("Choose at most %(n)d courses.", n=MAX_COURSES))
    kept = {int(i) for i in plan.course_ids or []} if plan is not None else set()
    known = set(db.session.scalars(select(Course.id).where(
        Course.id.in_(wanted), or_(Course.status == "published", Course.id.in_(kept or [-1])))
    )) if wanted else set()
    if set(wanted) - known:
        raise PlanError(_("Choose published courses only."))
    if submit and not goals.strip():
        raise PlanError(_("Write your goals before you submit the plan."))
    if plan is None:
        plan = StudyPlan(user_id=user.id, year=year, status="draft")
        db.session.add(plan)
    plan.goals = goals
    plan.target_hours = float(target_hours or 0)
    plan.target_days = float(target_days or 0)
    plan.course_ids = wanted
    plan.updated_at = utcnow()
    if submit:
        plan.status = "submitted"
        plan.submitted_at = utcnow()
        db.session.flush()
        chain.audit("plan.submit", actor_id=user.id, user_id=user.id,
                    detail={"plan_id": plan.id, "year": year, "target_hours": plan.target_hours,
                            "target_days": plan.target_days, "courses": wanted,
                            "digest": plan_digest(plan)})
    db.session.flush()
    return plan


def _reviewable(user_id: int, year: int, reviewer: User) -> StudyPlan:
    plan = plan_of(user_id, year, lock=True)
    if plan is None or plan.status != "submitted":
        raise PlanError(_("Only a submitted plan can be reviewed."))
    why = credit.refusal(db.session.get(User, user_id), reviewer)
    if why:  # four eyes: nobody reviews their own plan, a peer's or a superior's
        raise PlanError(why)
    return plan


def _decide(plan: StudyPlan, reviewer: User, status: str, comment: str, action: str) -> None:
    plan.status = status
    if comment.strip():
        plan.comment = comment.strip()
    plan.reviewed_by_id, plan.reviewed_at = reviewer.id, utcnow()
    chain.audit(action, actor_id=reviewer.id, user_id=plan.user_id, reason=comment.strip(),
                detail={"plan_id": plan.id, "year": plan.year, "digest": plan_digest(plan)})


def _tell(user_id: int, message: str, endpoint: str, actor: User, **values) -> None:
    """Notify the cadre of a step on their plan or appraisal (in this transaction)."""
    notices.notify([user_id], "study_plan", message, notices.link_to(endpoint, **values),
                   actor_id=actor.id)


def approve_plan(user_id: int, year: int, reviewer: User, comment: str = "") -> StudyPlan:
    """Approve a submitted plan (the caller commits)."""
    plan = _reviewable(user_id, year, reviewer)
    _decide(plan, reviewer, "approved", comment or "", "plan.approve")
    with force_locale("zh_CN"):  # notices are stored once, in the platform's language
        message = _("Your study plan for %(y)d was approved.", y=year)
    if (comment or "").strip():
        message = f"{message}{comment.strip()}"
    _tell(user_id, message, "plans.my_plan", reviewer, year=year)
    return plan


def return_plan(user_id: int, year: int, reviewer: User, comment: str) -> StudyPlan:
    """Return a submitted plan to the cadre with a comment saying what to change."""
    if not (comment or "").strip():
        raise PlanError(_("Say why the plan is returned."))
    plan = _reviewable(user_id, year, reviewer)
    _decide(plan, reviewer, "returned", comment, "plan.return")
    with force_locale("zh_CN"):
        message = _("Your study plan for %(y)d was returned for changes: %(c)s", y=year,
                    c=comment.strip())
    _tell(user_id, message, "plans.my_plan", reviewer, year=year)
    return plan


def comment_plan(user_id: int, year: int, reviewer: User, comment: str) -> StudyPlan:
    """Comment on a submitted plan without deciding on it yet."""
    if not (comment or "").strip():
        raise PlanError(_("Write a comment first."))
    plan = _reviewable(user_id, year, reviewer)
    plan.comment = comment.strip()
    chain.audit("plan.comment", actor_id=reviewer.id, user_id=plan.user_id,
                reason=plan.comment, detail={"plan_id": plan.id, "year": plan.year})
    with force_locale("zh_CN"):
        message = _("A comment on your study plan for %(y)d: %(c)s", y=year, c=plan.comment)
    _tell(user_id, message, "plans.my_plan", reviewer, year=year)
    return plan


def plans_select(*, year: int | None, status: str, unit: Unit | None,
                 q: str | None = None) -> Select:
    """Plans handed in by cadres in the current user's `record.manage` scope (of `unit`'s
    subtree, with `q` in the cadre's name or username), as rows of (plan, username, name,
    unit name), oldest submission first. Drafts stay the cadre's."""
    stmt = (select(StudyPlan, User.username, User.name, Unit.name.label("unit_name"))
            .join(User, User.id == StudyPlan.user_id)
            .join(CadreProfile, CadreProfile.user_id == StudyPlan.user_id)
            .join(Unit, Unit.id == CadreProfile.unit_id)
            .where(permissions.unit_clause("record.manage"), StudyPlan.status != "draft",
                   *cadre_clauses(unit=unit, q=q)))
    if year:
        stmt = stmt.where(StudyPlan.year == year)
    if status != "all":
        stmt = stmt.where(StudyPlan.status == status)
    return stmt.order_by(StudyPlan.submitted_at, StudyPlan.id)


# ---- progress against a plan (for the record page) -----------------------------------------

@dataclass
class PlannedCourse:
    id: int
    title: str
    slug: str
    completed: bool
    completed_on: date | None


@dataclass
class PlanSummary:
    """A plan beside the record: targets, what the record holds this year, the courses."""

    plan_id: int
    year: int
    status: str
    comment: str
    target_hours: float
    target_days: float
    hours: float  # recorded this year, all kinds (before any rule set's conversion)
    days: float
    hours_percent: int | None  # None when there is no target
    days_percent: int | None
    courses: list[PlannedCourse]

    @property
    def percent(self) -> int | None:
        """The least share reached over the targets set (None when none is set)."""
        shares = [p for p in (self.hours_percent, self.days_percent) if p is not None]
        return min(shares) if shares else None

    @property
    def courses_completed(self) -> int:
        return sum(1 for c in self.courses if c.completed)


def _share(have: float, target: float) -> int | None:
    if target <= 0:
        return None
    return min(100, int(have / target * 100))


def plan_summary(user_id: int, year: int) -> PlanSummary | None:
    """The cadre's plan for a year with the record's hours and days this year and the
    planned courses, completed or not (three queries); None when there is no plan."""
    plan = plan_of(user_id, year)
    if plan is None:
        return None
    hours, days = db.session.execute(
        select(func.coalesce(func.sum(RecordTotal.hours), 0.0),
               func.coalesce(func.sum(RecordTotal.days), 0.0))
        .where(RecordTotal.user_id == user_id, RecordTotal.year == year)).one()
    courses: list[PlannedCourse] = []
    ids = [int(i) for i in plan.course_ids or []]
    if ids:
        rows = {cid: (title, slug, done) for cid, title, slug, done in db.session.execute(
            select(Course.id, Course.title, Course.slug, Enrolment.completed_at)
            .outerjoin(Enrolment, and_(Enrolment.course_id == Course.id,
                                       Enrolment.user_id == user_id))
            .where(Course.id.in_(ids)))}
        for cid in ids:  # in the cadre's order
            if cid in rows:
                title, slug, done = rows[cid]
                courses.append(PlannedCourse(cid, title, slug, done is not None,
                                             local_date(done) if done else None))
    hours, days = round(float(hours), 2), round(float(days), 2)
    return PlanSummary(plan.id, year, plan.status, plan.comment, plan.target_hours,
                       plan.target_days, hours, days, _share(hours, plan.target_hours),
                       _share(days, plan.target_days), courses)


# ---- appraisals ----------------------------------------------------------------------------

def appraisal_for(user_id: int, year: int) -> Appraisal | None:
    """The cadre's written appraisal for a year, if one was written."""
    return db.session.scalar(select(Appraisal).where(Appraisal.user_id == user_id,
                                                     Appraisal.year == year))


def appraisals_of(user_id: int) -> list[Appraisal]:
    """All the cadre's appraisals, newest year first."""
    return list(db.session.scalars(select(Appraisal).where(Appraisal.user_id == user_id)
                                   .options(joinedload(Appraisal.author))
                                   .order_by(Appraisal.year.desc())))


def digest(appraisal: Appraisal) -> str:
    """A fingerprint of an appraisal's text, kept in the audit chain with each action and
    carried by the cadre's acknowledgement form."""
    return fingerprint(appraisal.strengths or "", appraisal.shortcomings or "",
                       appraisal.requirements or "")


def write_appraisal(user_id: int, year: int, author: User, *, strengths: str,
                    shortcomings: str, requirements: str) -> Appraisal:
    """Write or change the cadre's appraisal for a year; an acknowledged one is locked.
    The audit chain keeps each version's text. The caller commits."""
    why = credit.refusal(db.session.get(User, user_id), author)
    if why:  # four eyes: nobody appraises themselves, a peer or a superior
        raise PlanError(why)
    parts = [(t or "").replace("\r\n", "\n").strip()
             for t in (strengths, shortcomings, requirements)]
    if not all(parts):
        raise PlanError(_("Write the strengths, the shortcomings and the requirements."))
    if any(len(p) > TEXT_MAX for p in parts):
        raise PlanError(_("Each part may have at most %(n)d characters.", n=TEXT_MAX))
    lock_cadre(user_id)  # two first appraisals at once: the second changes the first
    appraisal = db.session.scalar(select(Appraisal).where(
        Appraisal.user_id == user_id, Appraisal.year == year).with_for_update()
        .execution_options(populate_existing=True))
    if appraisal is not None and appraisal.acknowledged_at is not None:
        raise PlanError(_("The cadre has acknowledged this appraisal; it is locked."))
    action = "appraisal.change" if appraisal else "appraisal.write"
    if appraisal is None:
        appraisal = Appraisal(user_id=user_id, year=year, author_id=author.id)
        db.session.add(appraisal)
    elif (appraisal.strengths, appraisal.shortcomings, appraisal.requirements) == tuple(parts):
        return appraisal  # nothing changed: nothing to record
    appraisal.strengths, appraisal.shortcomings, appraisal.requirements = parts
    appraisal.author_id = author.id
    appraisal.written_at = utcnow()
    db.session.flush()
    chain.audit(action, actor_id=author.id, user_id=user_id,
                detail={"appraisal_id": appraisal.id, "year": year,
                        "digest": digest(appraisal), "strengths": parts[0],
                        "shortcomings": parts[1], "requirements": parts[2]})
    with force_locale("zh_CN"):
        message = (_("Your appraisal for %(y)d was written; please read and acknowledge it.",
                     y=year) if action == "appraisal.write" else
                   _("Your appraisal for %(y)d was changed; please read it again and "
                     "acknowledge it.", y=year))
    _tell(user_id, message, "plans.my_appraisals", author)
    return appraisal


def acknowledge(appraisal: Appraisal, user: User, seen: str) -> None:
    """The cadre acknowledges having read their appraisal, whose `digest` they were shown as
    `seen`; from then on it is locked. Refused when the text changed since they read it."""
    if appraisal.user_id != user.id:
        raise PlanError(_("Only the cadre may acknowledge the appraisal."))
    locked = db.session.scalar(select(Appraisal).where(Appraisal.id == appraisal.id)
                               .with_for_update().execution_options(populate_existing=True))
    if locked.acknowledged_at is not None:
        raise PlanError(_("You have already acknowledged this appraisal."))
    if seen != digest(locked):
        raise PlanError(_("The appraisal has changed since you opened it. Read it again "
                          "before you acknowledge it."))
    locked.acknowledged_at = utcnow()
    chain.audit("appraisal.acknowledge", actor_id=user.id, user_id=user.id,
                detail={"appraisal_id": locked.id, "year": locked.year,
                        "digest": digest(locked)})
