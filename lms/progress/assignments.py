"""Assignment (调训): administrators make a course compulsory for people, a unit subtree or
an audience, with a due date. Every covered cadre gets an enrolment whose due date is the
earliest of the assignments covering them; an audience also reaches cadres who join it later.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, and_, case, or_, select, update
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core.timeutil import end_of_local_day, local_day, local_today, utcnow
from lms.extensions import db
from lms.org import permissions
from lms.org.models import RANKS, CadreProfile, Category, Unit, cadre_categories
from lms.progress import notices
from lms.progress.models import Assignment, AssignmentTarget, Enrolment


class AssignmentError(ValueError):
    """A refused assignment, with a message for the administrator."""


@dataclass
class Audience:
    """Who an audience assignment covers, inside `unit`'s subtree."""

    unit: Unit
    categories: list[str] = field(default_factory=list)  # category codes (any of them)
    ranks: list[str] = field(default_factory=list)
    age_min: int | None = None
    age_max: int | None = None

    def as_json(self) -> dict:
        return {"categories": self.categories, "ranks": self.ranks,
                "age_min": self.age_min, "age_max": self.age_max}


def audience_clause(unit_path: str, audience: dict, today: date | None = None
                    ) -> ColumnElement[bool]:
    """A WHERE clause over cadre profiles (joined with users and units) for an audience."""
    today = today or local_today()
    clauses = [Unit.path.startswith(unit_path, autoescape=True),
               User.is_active_flag.is_(True)]
    if audience.get("ranks"):
        clauses.append(CadreProfile.rank.in_(audience["ranks"]))
    if audience.get("categories"):
        clauses.append(CadreProfile.user_id.in_(
            select(cadre_categories.c.cadre_id).join(
                Category, Category.id == cadre_categories.c.category_id)
            .where(Category.code.in_(audience["categories"]))))
    # Age in whole years: under `age_max + 1` and at least `age_min` on `today`.
    if audience.get("age_max") is not None:
        born_after = _years_before(today, audience["age_max"] + 1)
        clauses.append(CadreProfile.birth_date > born_after)
    if audience.get("age_min") is not None:
        born_by = _years_before(today, audience["age_min"])
        clauses.append(CadreProfile.birth_date <= born_by)
    return and_(*clauses)


def _members(assignment: Assignment):
    """The ids of the cadres in an audience assignment's audience today."""
    return (select(CadreProfile.user_id).join(User, User.id == CadreProfile.user_id)
            .join(Unit, Unit.id == CadreProfile.unit_id)
            .where(audience_clause(assignment.unit.path, assignment.audience)))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _check(course: Course, due_on: date) -> None:
    if course.status != "published":
        raise AssignmentError(_("Only a published course can be assigned."))
    if due_on < local_today():
        raise AssignmentError(_("The due date has passed."))


def assign_audience(course: Course, audience: Audience, due_on: date, actor: User,
                    note: str = "") -> tuple[Assignment, int]:
    """Assign `course` to everyone in the audience; returns it and how many it reached."""
    _check(course, due_on)
    if not permissions.can("course.assign", audience.unit, actor):
        raise AssignmentError(_("You may assign courses only inside your own units."))
    if any(r not in RANKS for r in audience.ranks):
        raise AssignmentError(_("Unknown rank."))
    if audience.age_min is not None and audience.age_max is not None \
            and audience.age_min > audience.age_max:
        raise AssignmentError(_("The lowest age is above the highest age."))
    row = Assignment(course_id=course.id, unit_id=audience.unit.id, kind="audience",
                     audience=audience.as_json(), due_at=end_of_local_day(due_on),
                     note=note, created_by=actor.id)
    db.session.add(row)
    db.session.commit()
    reached = _cover(row, list(db.session.scalars(_members(row))))
    return row, reached


def assign_people(course: Course, usernames: list[str], due_on: date, actor: User,
                  note: str = "") -> tuple[Assignment, int]:
    """Assign `course` to named cadres, every one inside the actor's scope."""
    _check(course, due_on)
    wanted = sorted({u.strip() for u in usernames if u.strip()})
    if not wanted:
        raise AssignmentError(_("Name at least one cadre."))
    rows = db.session.execute(
        select(User.username, CadreProfile.user_id, Unit.path).join(
            CadreProfile, CadreProfile.user_id == User.id)
        .join(Unit, Unit.id == CadreProfile.unit_id)
        .where(User.username.in_(wanted), User.is_active_flag.is_(True),
               permissions.unit_clause("course.assign", actor))).all()
    found = {username: uid for username, uid, _path in rows}
    missing = [u for u in wanted if u not in found]
    if missing:
        raise AssignmentError(_("Not found among the active cadres of your units: %(u)s",
                                u="、".join(missing)))
    row = Assignment(course_id=course.id, unit_id=_common_unit([p for *_x, p in rows], actor),
                     kind="people", audience={"usernames": wanted},
                     due_at=end_of_local_day(due_on), note=note, created_by=actor.id)
    db.session.add(row)
    db.session.commit()
    return row, _cover(row, list(found.values()))


def _common_unit(paths: list[str], actor: User) -> int:
    """The deepest unit above all `paths` where the actor may assign (for listing)."""
    parts = [p.strip("/").split("/") for p in paths]
    common: list[str] = []
    for level in zip(*parts, strict=False):
        if len(set(level)) != 1:
            break
        common.append(level[0])
    while common:
        unit = db.session.get(Unit, int(common[-1]))
        if unit is not None and permissions.can("course.assign", unit, actor):
            return unit.id
        common.pop()
    return int(parts[0][-1])


def _cover(assignment: Assignment, user_ids: list[int], attempts: int = 3) -> int:
    """Add targets and enrolments for `user_ids` (those not yet covered); commit them.
    With nothing to add it writes nothing (its callers have committed what they wrote)."""
    if not user_ids:
        return 0
    covered = set(db.session.scalars(select(AssignmentTarget.user_id).where(
        AssignmentTarget.assignment_id == assignment.id,
        AssignmentTarget.user_id.in_(user_ids))))
    new = [uid for uid in dict.fromkeys(user_ids) if uid not in covered]
    if not new:
        return 0
    now = utcnow()
    db.session.execute(AssignmentTarget.__table__.insert(), [
        {"assignment_id": assignment.id, "user_id": uid, "added_at": now} for uid in new])
    enrolled = set(db.session.scalars(select(Enrolment.user_id).where(
        Enrolment.course_id == assignment.course_id, Enrolment.user_id.in_(new))))
    fresh = [uid for uid in new if uid not in enrolled]
    if fresh:
        db.session.execute(Enrolment.__table__.insert(), [
            {"user_id": uid, "course_id": assignment.course_id, "source": "assigned",
             "due_at": assignment.due_at, "enrolled_at": now} for uid in fresh])
    if enrolled:
        # Already enrolled (by themselves or another assignment): now compulsory, due at the
        # earliest of the dates.
        later = or_(Enrolment.due_at.is_(None), Enrolment.due_at > assignment.due_at)
        db.session.execute(
            update(Enrolment).where(Enrolment.course_id == assignment.course_id,
                                    Enrolment.user_id.in_(enrolled))
            .values(source="assigned",
                    due_at=case((later, assignment.due_at), else_=Enrolment.due_at))
            .execution_options(synchronize_session=False))
    _tell(assignment, new)
    try:
        db.session.commit()
    except IntegrityError:  # a learner enrolled themselves at this moment: cover them again
        db.session.rollback()
        if attempts <= 1:
            raise
        return _cover(assignment, user_ids, attempts - 1)
    return len(new)


def _tell(assignment: Assignment, user_ids: list[int]) -> None:
    """Notify the newly covered cadres of the course assigned to them and its due date."""
    course = assignment.course
    with force_locale("zh_CN"):  # notices are stored once, in the platform's language
        message = _("The course “%(t)s” has been assigned to you; please complete it by %(d)s.",
                    t=course.title, d=local_day(assignment.due_at))
    if assignment.note:
        message = f"{message} {assignment.note}"
    notices.notify(user_ids, "assignment", message,
                   notices.link_to("catalog.course", slug=course.slug),
                   actor_id=assignment.created_by)


def reach_new_members(user_ids: list[int] | None = None, unit_path: str | None = None) -> int:
    """Give open audience assignments to cadres who now belong to them; returns how many."""
    open_ = list(db.session.scalars(
        select(Assignment).join(Course, Course.id == Assignment.course_id)
        .where(Assignment.kind == "audience", Assignment.due_at >= utcnow(),
               Course.status == "published")))
    reached = 0
    for assignment in open_:
        stmt = _members(assignment).where(CadreProfile.user_id.not_in(
            select(AssignmentTarget.user_id).where(
                AssignmentTarget.assignment_id == assignment.id)))
        if user_ids is not None:
            stmt = stmt.where(CadreProfile.user_id.in_(user_ids))
        if unit_path is not None:
            stmt = stmt.where(Unit.path.startswith(unit_path, autoescape=True))
        reached += _cover(assignment, list(db.session.scalars(stmt)))
    return reached


def assignments_select():
    """Assignments over the current user's units or above them (a district-wide assignment
    concerns every unit administrator), newest first."""
    return (select(Assignment).join(Unit, Unit.id == Assignment.unit_id)
            .where(permissions.overlap_clause("completion.view")).order_by(Assignment.created_at.desc(),
                                                                Assignment.id.desc()))
