"""Training administration (干部教育培训管理): the year's plan by category, training classes
from proposal to filing, trainees assigned (调训) by name or quota with written explanations,
sessions with check-in codes, leave and attendance, money per heading, unit budgets, online
special classes and class evaluations.

Money is stored in fen (分, integers) so sums are exact on every database; `|yuan` shows it.
Times are naive UTC, days are local dates, as everywhere else.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.catalog.models import Course
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org.models import Unit

# Training categories of the year's plan (the source report's rows); labels in `labels.py`.
CATEGORIES = ("section_level", "young", "party_activist", "mass_org", "grassroots",
              "professional", "org_personnel", "informant", "talent", "lecture_series",
              "online", "other")
# Forms of a class.
FORMS = ("party_school", "university", "abroad", "short_off_job", "rotation", "secondment",
         "online", "lecture")
# A class's lifecycle: draft → submitted → returned (→ submitted again) | approved → running
# → closed → filed (备案).
CLASS_STATUSES = ("draft", "submitted", "returned", "approved", "running", "closed", "filed")
# Who organises: a unit of ours, or an outside body the district sends cadres to (选调).
ORGANISER_KINDS = ("unit", "outside")
# Spending headings.
HEADINGS = ("tuition", "accommodation", "materials", "lecturer_fees", "travel", "other")
# A trainee's standing while the class is prepared and runs:
#   awaiting_release — drawn from outside the organiser's authority; that authority decides;
#   assigned — named (or nominated on a quota); the cadre's unit confirms or explains;
#   confirmed — the unit confirmed attendance;
#   explained — the unit filed a written explanation (说明), awaiting the assigning authority;
#   excused — the explanation was accepted; refused explanations return to `confirmed`
#   (the cadre must attend, else is absent);
#   withdrawn — leave passed the limit (退学): no credit.
TRAINEE_STATUSES = ("awaiting_release", "assigned", "confirmed", "explained", "excused",
                    "withdrawn")
# What closing the class decided for each trainee.
OUTCOMES = ("completed", "absent", "excused", "withdrawn")
LEAVE_STATUSES = ("pending", "approved", "refused")
EXPLANATION_DECISIONS = ("accepted", "refused")
# How a trainee's presence at a session was taken.
ATTENDANCE_METHODS = ("code", "roster")


class TrainingPlan(db.Model):
    """The year's training plan of a unit (the district's, published by the organisation
    department): items by category with planned classes, trainee-times and budget."""

    __tablename__ = "training_plans"
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_training_plan_unit_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft | published
    published_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", order_by="PlanItem.position", cascade="all, delete-orphan")


class PlanItem(db.Model):
    """One line of the plan: a category's planned classes, trainee-times (人次) and budget."""

    __tablename__ = "training_plan_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("training_plans.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    category: Mapped[str] = mapped_column(String(32))  # one of CATEGORIES
    title: Mapped[str] = mapped_column(String(200))
    planned_classes: Mapped[int] = mapped_column(default=0)
    planned_trainees: Mapped[int] = mapped_column(default=0)
    budget_fen: Mapped[int] = mapped_column(default=0)
    note: Mapped[str] = mapped_column(Text, default="")

    plan: Mapped[TrainingPlan] = relationship(back_populates="items")


class UnitBudget(db.Model):
    """A unit's training budget for a year (the district's is its top unit's)."""

    __tablename__ = "training_budgets"
    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_training_budget_unit_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    year: Mapped[int]
    budget_fen: Mapped[int] = mapped_column(default=0)
    set_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")


class TrainingClass(db.Model):
    """A training class (培训班): proposed by a unit for its own subtree, or run by an outside
    body that the district sends cadres to; reviewed and filed by the organisation department.

    `unit_id` is the unit that proposes and administers the class (for an outside organiser,
    the unit that sends its cadres); `organiser_name` names an outside organiser.
    """

    __tablename__ = "training_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    title: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    organiser_kind: Mapped[str] = mapped_column(String(16), default="unit")
    organiser_name: Mapped[str] = mapped_column(String(200), default="")
    plan_item_id: Mapped[int | None] = mapped_column(ForeignKey("training_plan_items.id"),
                                                     index=True)
    category: Mapped[str] = mapped_column(String(32))  # one of CATEGORIES
    form: Mapped[str] = mapped_column(String(32))  # one of FORMS
    audience: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    days: Mapped[float] = mapped_column(default=0.0)
    hours: Mapped[float] = mapped_column(default=0.0)
    venue: Mapped[str] = mapped_column(String(200), default="")
    lecturers: Mapped[list] = mapped_column(JSON, default=list)  # names
    capacity: Mapped[int] = mapped_column(default=0)  # 0: no limit
    plan_text: Mapped[str] = mapped_column(Text, default="")  # 办班方案, Markdown
    plan_html: Mapped[str] = mapped_column(Text, default="")  # sanitised, rendered when saved
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    # Leave beyond this share of the class's hours withdraws a trainee (default 1/7).
    leave_limit: Mapped[float] = mapped_column(default=1 / 7)
    # The evaluation questionnaire (a survey type's config) and whether it is open.
    evaluation: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime | None]
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    unit: Mapped[Unit] = relationship(lazy="joined")
    plan_item: Mapped[PlanItem | None] = relationship()
    sessions: Mapped[list[ClassSession]] = relationship(
        back_populates="training_class", order_by="ClassSession.starts_at",
        cascade="all, delete-orphan")


class ClassEvent(db.Model):
    """One step of a class's lifecycle (who, when, from which status to which, comments):
    the history shown on the class and the review comments of a return."""

    __tablename__ = "training_class_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))  # submit, return, approve, start, close, file…
    from_status: Mapped[str] = mapped_column(String(16), default="")
    to_status: Mapped[str] = mapped_column(String(16), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()


class ClassAttachment(db.Model):
    """A file attached to a class plan (stored like record evidence, checked by content)."""

    __tablename__ = "training_class_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClassQuota(db.Model):
    """Seats of a class given to a unit (调训名额), which fills them by nominating cadres."""

    __tablename__ = "training_class_quotas"
    __table_args__ = (UniqueConstraint("class_id", "unit_id", name="uq_class_quota_unit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    seats: Mapped[int]
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship(lazy="joined")


class ClassTrainee(db.Model):
    """A cadre assigned to a class (by name, or nominated on a unit's quota).

    `unit_id` is the cadre's unit when assigned (the unit that confirms or explains);
    `outcome` and `entry_id` are written when the class closes.
    """

    __tablename__ = "training_class_trainees"
    __table_args__ = (UniqueConstraint("class_id", "user_id", name="uq_class_trainee_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    quota_id: Mapped[int | None] = mapped_column(ForeignKey("training_class_quotas.id"))
    status: Mapped[str] = mapped_column(String(20), default="assigned", index=True)
    note: Mapped[str] = mapped_column(Text, default="")  # why named (说明 of the assignment)
    assigned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None]
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None]
    withdrawn_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))  # one of OUTCOMES, at closing
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("record_entries.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    unit: Mapped[Unit] = relationship(lazy="joined")
    training_class: Mapped[TrainingClass] = relationship()


class Explanation(db.Model):
    """A unit's written explanation (说明) why an assigned cadre cannot attend, and the
    assigning authority's decision."""

    __tablename__ = "training_explanations"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("training_class_trainees.id"),
                                            index=True)
    text: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decision: Mapped[str | None] = mapped_column(String(16))  # one of EXPLANATION_DECISIONS
    reply: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]

    trainee: Mapped[ClassTrainee] = relationship()


class ClassSession(db.Model):
    """One session (课次) of a class, with its hours and its current check-in code."""

    __tablename__ = "training_class_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    hours: Mapped[float] = mapped_column(default=0.0)
    venue: Mapped[str] = mapped_column(String(200), default="")
    lecturer: Mapped[str] = mapped_column(String(100), default="")
    checkin_code: Mapped[str | None] = mapped_column(String(16))
    code_expires_at: Mapped[datetime | None]

    training_class: Mapped[TrainingClass] = relationship(back_populates="sessions")


class SessionAttendance(db.Model):
    """A trainee present at a session: by check-in code or marked on the roster."""

    __tablename__ = "training_attendance"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_attendance_session_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_class_sessions.id"),
                                            index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))  # one of ATTENDANCE_METHODS
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class LeaveRequest(db.Model):
    """A trainee's request for leave from one session, decided by the class's organiser."""

    __tablename__ = "training_leave"
    __table_args__ = (UniqueConstraint("session_id", "user_id", name="uq_leave_session_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_class_sessions.id"),
                                            index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # LEAVE_STATUSES
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    reply: Mapped[str] = mapped_column(Text, default="")

    session: Mapped[ClassSession] = relationship()


class ClassSpending(db.Model):
    """Planned and actual spending of a class under one heading (fen). Actual spending under
    a heading with nothing planned carries its reason."""

    __tablename__ = "training_class_spending"
    __table_args__ = (UniqueConstraint("class_id", "heading", name="uq_class_spending_heading"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    heading: Mapped[str] = mapped_column(String(32))  # one of HEADINGS
    planned_fen: Mapped[int] = mapped_column(default=0)
    actual_fen: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClassCourse(db.Model):
    """A published course bundled in an online special class (网络专题班)."""

    __tablename__ = "training_class_courses"

    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)

    course: Mapped[Course] = relationship(lazy="joined")


class EvaluationResponse(db.Model):
    """One trainee's answers to a class's evaluation questionnaire (kept once per trainee)."""

    __tablename__ = "training_evaluation_responses"
    __table_args__ = (UniqueConstraint("class_id", "user_id", name="uq_evaluation_class_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("training_classes.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
