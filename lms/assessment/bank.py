"""The question bank in the browser: lecturers browse, import, export and delete the questions
of the courses they edit or teach; the organisation department manages the shared bank, which
exams draw from.

Only a bank's owners reach its pages (a preview shows which answers are correct): the shared
bank is read only by those who manage it, who count as authors of every exam drawing from it
and so never sit one (`permissions.authors_exam`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from markupsafe import Markup
from sqlalchemy import Select, Text, cast, or_, select
from werkzeug.wrappers import Response
from wtforms import SelectField, SubmitField

from lms.assessment.importer import (
    QuestionImportError,
    bank_select,
    export_gift,
    format_for,
)
from lms.assessment.models import Question, QuestionCategory
from lms.assessment.xlsx import template_bytes
from lms.auth.forms import ConfirmForm
from lms.catalog.models import Course
from lms.core.forms import select_choices
from lms.core.markup import render_text
from lms.core.pagination import paginate
from lms.core.params import int_arg
from lms.core.urls import safe_local_path
from lms.extensions import db
from lms.jobs import enqueue, uploads
from lms.org import permissions
from lms.org.tabular import XLSX, download, read_upload

bp = Blueprint("bank", __name__, url_prefix="/teach/questions")

MAX_BYTES = 2 * 1024 * 1024
SUFFIXES = ["gift", "txt", "aiken", "xlsx", "csv"]
TYPE_LABELS = {
    "multichoice": _l("Single choice"),
    "multiresponse": _l("Multiple choice"),
    "truefalse": _l("True or false"),
    "shortanswer": _l("Fill in the blank"),
    "numerical": _l("Numerical"),
    "matching": _l("Matching"),
    "essay": _l("Essay"),
    "description": _l("Description"),
}


class QuestionImportForm(FlaskForm):
    """Upload a question file into the bank shown."""

    file = FileField(_l("Question file"), validators=[
        FileRequired(),
        FileAllowed(SUFFIXES, _l("Use a .gift, .txt, .aiken, .xlsx or .csv file."))])
    format = SelectField(_l("Format"), default="auto")
    submit = SubmitField(_l("Import"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.format.choices = select_choices([
            ("auto", _("From the file name")), ("gift", "GIFT"), ("aiken", "Aiken"),
            ("xlsx", _("Spreadsheet (.xlsx or .csv)"))])


@dataclass
class Bank:
    """A course's bank, or the shared one (`course` None), and whether the user manages it."""

    course: Course | None
    may_manage: bool

    @property
    def course_id(self) -> int | None:
        return self.course.id if self.course else None

    def url(self, **args) -> str:
        """The bank's page, with query arguments."""
        if self.course is None:
            return url_for("bank.shared", **args)
        return url_for("bank.course", course_id=self.course.id, **args)

    def export_url(self) -> str:
        """Where the bank downloads as GIFT."""
        if self.course is None:
            return url_for("bank.shared_export")
        return url_for("bank.course_export", course_id=self.course.id)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here needs a signed-in user; each view then checks its bank."""


@bp.app_template_global()
def question_bank_allowed(course: Course) -> bool:
    """Whether the user may open a course's question bank: its editors and its lecturers."""
    return permissions.can_edit_course(course) or permissions.teaches(course)


def _course_bank(course_id: int) -> Bank:
    course = db.session.get(Course, course_id)
    if course is None or not question_bank_allowed(course):
        abort(404)
    return Bank(course, may_manage=True)


@bp.app_template_global()
def shared_bank_allowed() -> bool:
    """Whether the user may open the shared question bank: only those who manage it."""
    return permissions.reads_shared_bank()


def _shared_bank() -> Bank:
    permissions.require(shared_bank_allowed())
    return Bank(None, may_manage=True)


@bp.route("/course/<int:course_id>", methods=["GET", "POST"])
def course(course_id: int):
    """A course's bank: browse and, for its authors, import."""
    return _bank_page(_course_bank(course_id))


@bp.route("/shared", methods=["GET", "POST"])
def shared():
    """The district's shared bank, which only the organisation department reads and manages."""
    return _bank_page(_shared_bank())


@bp.route("/course/<int:course_id>/export.gift")
def course_export(course_id: int):
    """A course's bank as a GIFT file."""
    return _export(_course_bank(course_id))


@bp.route("/shared/export.gift")
def shared_export():
    """The shared bank as a GIFT file."""
    return _export(_shared_bank())


@bp.route("/template.xlsx")
def template():
    """The spreadsheet template for importing questions."""
    if not permissions.can_anywhere("course.author"):
        abort(404)
    return download(template_bytes(), "questions-template.xlsx", XLSX)


@bp.route("/<int:question_id>/delete", methods=["POST"])
def delete(question_id: int):
    """Delete one question of a bank the user manages."""
    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    bank = _course_bank(question.course_id) if question.course_id else _shared_bank()
    permissions.require(bank.may_manage)
    if ConfirmForm().validate_on_submit():
        db.session.delete(question)
        db.session.commit()
        flash(_("Question deleted."), "success")
    return redirect(safe_local_path(request.form.get("next"), bank.url()))


def _export(bank: Bank) -> Response:
    try:
        text = export_gift(bank.course_id)
    except ValueError as exc:
        flash(_("The bank cannot be written as GIFT: %(e)s", e=str(exc)), "error")
        return redirect(bank.url())
    name = f"{bank.course.slug}-questions.gift" if bank.course else "shared-questions.gift"
    return download(text.encode("utf-8"), name, "text/plain; charset=utf-8")


@dataclass
class Filters:
    """The list's filters, read from the query string."""

    category_id: int | None
    qtype: str
    tag: str
    q: str


def _filters() -> Filters:
    qtype = request.args.get("type", "")
    return Filters(category_id=int_arg("category"),
                   qtype=qtype if qtype in TYPE_LABELS else "",
                   tag=request.args.get("tag", "").strip()[:64],
                   q=request.args.get("q", "").strip()[:200])


def _questions(bank: Bank, f: Filters, categories: list[QuestionCategory]) -> Select:
    stmt = bank_select(bank.course_id)
    chosen = next((c for c in categories if c.id == f.category_id), None)
    if chosen is not None:  # the category and those below it
        stmt = stmt.where(or_(QuestionCategory.id == chosen.id,
                              QuestionCategory.path.startswith(chosen.path + "/",
                                                               autoescape=True)))
    if f.qtype:
        stmt = stmt.where(Question.qtype == f.qtype)
    if f.tag:  # tags are a JSON list of strings: look for the tag as a JSON string
        stmt = stmt.where(cast(Question.tags, Text).contains(json.dumps(f.tag), autoescape=True))
    if f.q:
        stmt = stmt.where(or_(Question.name.icontains(f.q, autoescape=True),
                              Question.text.icontains(f.q, autoescape=True)))
    return stmt


def _bank_page(bank: Bank):
    status = 200
    form = QuestionImportForm()
    problems: list[tuple[int | None, str, str]] = []
    sheet = False
    if request.method == "POST":
        if not bank.may_manage:
            abort(404)
        if form.validate_on_submit():
            data, name = read_upload(form.file, MAX_BYTES)
            if data is not None:
                try:
                    fmt = format_for(name, None if form.format.data == "auto"
                                     else form.format.data)
                except QuestionImportError as exc:
                    problems = exc.rows
                else:  # stored, then parsed and written by a job (see lms.assessment.jobs)
                    job = enqueue("assessment.import_questions", {
                        "sha": uploads.keep(data), "filename": name[:200], "format": fmt,
                        "course": bank.course_id}, owner=current_user)
                    return redirect(url_for("jobs.page", job_id=job.id))
        status = 400
    categories = list(db.session.scalars(
        select(QuestionCategory).where(QuestionCategory.course_id == bank.course_id)
        .order_by(QuestionCategory.path)))
    f = _filters()
    page = paginate(_questions(bank, f, categories))
    return render_template(
        "assessment/bank.html", bank=bank, page=page, categories=categories, f=f,
        types=TYPE_LABELS, form=form, problems=problems, sheet=sheet,
        previews={q.id: _preview(q) for q in page.items},
    ), status


def _html(text: str, text_format: str) -> Markup:
    return Markup(render_text(text, text_format))  # noqa: S704 - render_text sanitises


@dataclass
class Choice:
    """One answer as the preview shows it."""

    html: Markup
    fraction: float
    feedback: Markup | None
    tolerance: float | None = None


def _preview(q: Question) -> dict:
    """What the read-only preview shows: text, answers with their weights, pairs, feedback."""
    body = q.body or {}
    truth = {"true": _("True"), "false": _("False")} if q.qtype == "truefalse" else {}
    answers = [Choice(Markup.escape(truth[a.get("text")]) if a.get("text") in truth
                      else _html(a.get("text", ""), a.get("text_format", q.text_format)),
                      float(a.get("fraction", 0.0)),
                      _html(a["feedback"], a.get("feedback_format", q.text_format))
                      if a.get("feedback") else None, a.get("tolerance"))
               for a in body.get("answers", [])]
    formats = body.get("pair_formats") or [q.text_format] * len(body.get("pairs", []))
    pairs = [(_html(left, fmt) if left else None, right)
             for (left, right), fmt in zip(body.get("pairs", []), formats, strict=False)]
    feedback = body.get("general_feedback") or ""
    return {"text": _html(q.text, q.text_format), "answers": answers, "pairs": pairs,
            "feedback": _html(feedback, body.get("general_feedback_format", q.text_format))
            if feedback else None}
