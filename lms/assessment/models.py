"""The question bank: categories and questions, per course or shared by the district."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
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
