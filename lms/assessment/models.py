"""The question bank: categories and questions, per course or shared by the district."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.timeutil import utcnow
from lms.extensions import db

QUESTION_TYPES = ("multichoice", "multiresponse", "truefalse", "shortanswer", "numerical",
                  "matching", "essay", "description")


class QuestionCategory(db.Model):
    """A category of questions (GIFT's `$CATEGORY:` path); `course_id` None is shared."""

    __tablename__ = "question_categories"
    __table_args__ = (UniqueConstraint("course_id", "path", name="uq_question_category_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    path: Mapped[str] = mapped_column(String(255))  # "公文写作/格式", "/"-separated
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Question(db.Model):
    """One question in the bank. `body` holds what the type needs (answers with their
    fractions and feedback, matching pairs, tolerances): the answer key, which never leaves
    the server before an attempt is submitted."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("question_categories.id"), index=True)
    qtype: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(255))
    text: Mapped[str] = mapped_column(Text)
    text_format: Mapped[str] = mapped_column(String(16), default="moodle")
    body: Mapped[dict] = mapped_column(JSON, default=dict)
    tags: Mapped[list] = mapped_column(JSON, default=list)
    idnumber: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(16))  # gift | aiken
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    category: Mapped[QuestionCategory] = relationship(lazy="joined")


class Attempt(db.Model):
    """One learner's attempt at a graded activity.

    `slots` is the attempt's paper, fixed when it starts: each question as rendered for the
    learner, its options in the order shown, its mark, and its key (`body`). The key is read
    only by scoring and by a review that the activity's policy allows; serialisers pick the
    public fields explicitly. `deadline_at` is when answers stop being accepted (the time
    limit or the activity's close, whichever is first); None means no limit.
    Status: `open` → `submitted` (a person still grades some answer) → `graded`.
    """

    __tablename__ = "attempts"
    __table_args__ = (UniqueConstraint("activity_id", "user_id", "number",
                                       name="uq_attempt_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    graded_at: Mapped[datetime | None]
    slots: Mapped[list] = mapped_column(JSON, default=list)
    # The paper's index for statistics, fixed with it: [slot, question key, mark, name] of
    # each scored slot, so results read a few bytes per attempt rather than whole papers.
    items: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    score: Mapped[float | None]
    max_score: Mapped[float] = mapped_column(default=0.0)
    passed: Mapped[bool | None]


class AttemptAnswer(db.Model):
    """The saved response to one slot of an attempt (the latest save wins), its grade and,
    for answers a person grades, the grader's comment that the learner sees. `flagged` is the
    learner's own "mark for review" while answering (a row may hold a flag and no response)."""

    __tablename__ = "attempt_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "slot", name="uq_answer_slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    slot: Mapped[int]
    response: Mapped[Any] = mapped_column(JSON, nullable=True)
    flagged: Mapped[bool] = mapped_column(default=False, server_default=false())
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)
    fraction: Mapped[float | None]
    comment: Mapped[str | None] = mapped_column(Text)
    graded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    graded_at: Mapped[datetime | None]


class ResultRelease(db.Model):
    """An administrator released the held results of a graded activity (an exam)."""

    __tablename__ = "result_releases"

    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), primary_key=True)
    released_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Resit(db.Model):
    """A re-sit granted to one learner: one more attempt beyond the limit, used by the next
    attempt they start (`attempt_id`)."""

    __tablename__ = "resits"

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    granted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"))
