"""State changes on courses: authoring in the browser, media uploads and the review workflow."""
from __future__ import annotations

import posixpath
import re
from typing import Any, BinaryIO

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from lms.activities.base import ActivityType, Problem
from lms.audit import services as audit
from lms.auth.models import User
from lms.catalog import media as media_store
from lms.catalog.models import (
    Activity,
    Course,
    CourseReview,
    MediaFile,
    ReviewComment,
    SubjectCategory,
)
from lms.catalog.package_files import MAX_FILE, MAX_MEDIA_FILE, clean_path
from lms.catalog.packages import SLUG_RE, completion_count_problem, dropped_authors
from lms.catalog.queries import activity_counts
from lms.catalog.search import search_text
from lms.catalog.slugs import slug_from_title, unique_slug
from lms.core.markup import MarkupError, MediaRef, render_markdown
from lms.core.signals import course_rules_changed
from lms.core.storage import storage
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org import permissions
from lms.org.models import RoleGrant

_UNSAFE_IN_NAME = re.compile(r"[\s()\[\]]+")


class CourseError(ValueError):
    """A refused change, with the problems to show."""

    def __init__(self, problems: list[Problem] | list[str]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = [p if isinstance(p, Problem) else Problem(p) for p in problems]


class CourseContext:
    """The authoring context in the browser: Markdown and media resolve to the course's files."""

    in_form = True  # problems name the form's fields, not a package's keys

    def __init__(self, course: Course) -> None:
        self.course = course
        self.problems: list[Problem] = []
        self.files = {m.path: m for m in db.session.scalars(
            select(MediaFile).where(MediaFile.course_id == course.id))} if course.id else {}

    def problem(self, message: str, *, file: str | None = None, line: int | None = None):
        self.problems.append(Problem(message, file, line))

    def read_text(self, path: str, *, origin: str | None = None) -> str | None:
        self.problem(_("Files can only be read from a package."), file=origin)
        return None

    def media(self, path: str, kinds: set[str], *, origin: str | None = None) -> str | None:
        row = self.files.get(clean_path(path) or "")
        if row is None or row.kind not in kinds:
            self.problem(_("Media file not found in the course: %(p)s", p=path), file=origin)
            return None
        return row.path

    def markdown(self, text: str, *, file: str | None = None) -> str:
        def resolve(path: str) -> MediaRef | None:
            row = self.files.get(clean_path(posixpath.normpath(path)) or "")
            return MediaRef(row.url, row.kind, row.mime) if row else None

        try:
            return render_markdown(text or "", resolve)
        except MarkupError as exc:
            self.problem(exc.message, file=file, line=exc.line)
            return ""


class SlugError(CourseError):
    """The web address name typed is refused (shown beside its field)."""


def rules_changed(course: Course) -> None:
    """Announce that `course`'s completion rule may have changed (study tracking rechecks)."""
    course_rules_changed.send(current_app._get_current_object(), course_id=course.id)


def category_choices() -> list[SubjectCategory]:
    return list(db.session.scalars(select(SubjectCategory).order_by(SubjectCategory.sort_order,
                                                                    SubjectCategory.id)))


def _log_rule_change(course: Course, before: tuple) -> None:
    """Audit a change of a published course's hours, completion count or required flag: it
    recomputes every enrolment's completion, its editor's included."""
    after = (course.hours, course.completion_count, course.required)
    if course.status != "published" or after == before:
        return
    names = ("hours", "completion_count", "required")
    changes = ", ".join(f"{n}: {b} → {a}" for n, b, a in zip(names, before, after, strict=True)
                        if a != b)
    audit.log("course.change", detail={"code": course.slug, "changes": changes})


def _slug_taken(slug: str, course: Course | None = None) -> bool:
    stmt = select(Course.id).where(Course.slug == slug)
    if course is not None and course.id:
        stmt = stmt.where(Course.id != course.id)
    return db.session.scalar(stmt) is not None


def slug_editable(course: Course | None) -> bool:
    """Whether the course's web address name may still change: only before it is first
    published (learners' links and packages find it by that name afterwards)."""
    return course is None or (course.status == "draft" and course.published_at is None)


def _checked_slug(course: Course | None, slug: str | None, title: str) -> str:
    """The slug to store: the one typed, checked; or, left empty, one made from the title."""
    slug = (slug or "").strip().lower()
    if not slug:
        if course is not None:
            return course.slug
        return suggested_slug(title)
    if course is not None and slug == course.slug:
        return slug
    if not SLUG_RE.match(slug):
        raise SlugError([_("The web address name must be 3 to 64 lowercase letters, digits "
                             "or hyphens, e.g. gongwen-xiezuo.")])
    if _slug_taken(slug, course):
        raise SlugError([_("Another course already uses the web address name %(s)s.",
                             s=slug)])
    return slug


def suggested_slug(title: str) -> str:
    """The web address name a new course of this title gets when none is typed."""
    return unique_slug(slug_from_title(title), _slug_taken)


def save_course(course: Course | None, *, slug: str | None, title: str, summary: str,
                category: SubjectCategory, required: bool, hours: float,
                owner: User, cover_media_id: int | None = None,
                lecturers: list[User] | None = None,
                completion_count: int | None = None) -> Course:
    """Create a draft course (owned by `owner`) or update one's catalogue data.

    An empty `slug` on a new course is made from the title (pinyin); on an existing course
    it keeps the one it has, and a new one is taken only while `slug_editable`."""
    if course is not None and not slug_editable(course):
        slug = course.slug
    slug = _checked_slug(course, slug, title)
    if course is None:
        course = Course(slug=slug, status="draft", owner_id=owner.id, version=1,
                        lecturers=[owner], title=title.strip(), category=category)
        db.session.add(course)
        db.session.flush()
    course.slug = slug
    ctx = CourseContext(course)
    html = ctx.markdown(summary)
    if ctx.problems:
        db.session.rollback()
        raise CourseError(ctx.problems)
    problem = completion_count_problem(
        completion_count, activity_counts([course.id]).get(course.id, 0)
        if completion_count else 0)
    if not problem and lecturers is not None:
        problem = dropped_authors(course, lecturers)
    if problem:
        db.session.rollback()
        raise CourseError([problem])
    before = (course.hours, course.completion_count, course.required)
    course.title, course.summary, course.summary_html = title.strip(), summary, html
    course.category, course.required, course.hours = category, required, hours
    course.completion_count = completion_count or None
    _log_rule_change(course, before)
    if lecturers is not None:
        course.lecturers = lecturers
    cover = db.session.get(MediaFile, cover_media_id) if cover_media_id else None
    course.cover_media_id = cover.id if cover and cover.course_id == course.id and \
        cover.kind == "image" else None
    course.search_text = search_text(course.title, summary, category.name)
    db.session.commit()
    rules_changed(course)
    return course


def save_activity(course: Course, kind: ActivityType, activity: Activity | None, *,
                  title: str, hours: float, fields: dict[str, Any],
                  optional: bool = False) -> Activity:
    """Validate the type's fields through the same path as packages, render and store."""
    ctx = CourseContext(course)
    config = kind.validate_config(fields, ctx, _("form"))
    if ctx.problems:
        raise CourseError(ctx.problems)
    html = kind.render(config, ctx)
    if activity is None:
        last = db.session.scalar(select(func.max(Activity.position)).where(
            Activity.course_id == course.id, Activity.retired.is_(False)))
        activity = Activity(course=course, type_key=kind.key, key=_new_key(course, kind.key),
                            position=(last if last is not None else -1) + 1)
        db.session.add(activity)
    activity.title, activity.hours, activity.config, activity.html = title, hours, config, html
    activity.optional = optional
    activity.changed_in_version = course.version
    course.updated_at = utcnow()  # the outline snapshot is keyed on it
    db.session.commit()
    rules_changed(course)
    return activity


def preview_activity(course: Course, kind: ActivityType, fields: dict[str, Any]
                     ) -> tuple[str, list[Problem]]:
    """Render without saving (the editor's preview)."""
    ctx = CourseContext(course)
    config = kind.validate_config(fields, ctx, _("form"))
    return (kind.render(config, ctx) if not ctx.problems else ""), ctx.problems


def _new_key(course: Course, type_key: str) -> str:
    taken = set(db.session.scalars(select(Activity.key).where(Activity.course_id == course.id)))
    n = 1
    while f"{type_key}-{n}" in taken:
        n += 1
    return f"{type_key}-{n}"


def move_activity(activity: Activity, delta: int) -> None:
    """Move an activity up (-1) or down (+1) in the outline."""
    live = [a for a in activity.course.activities if not a.retired]
    i = live.index(activity)
    j = i + delta
    if 0 <= j < len(live):
        live[i], live[j] = live[j], live[i]
        for position, a in enumerate(live):
            a.position = position
        activity.course.updated_at = utcnow()
        db.session.commit()


def retire_activity(activity: Activity) -> None:
    """Take an activity out of the outline; learners' records of it stay."""
    activity.retired = True
    activity.course.updated_at = utcnow()
    if activity.course.status == "published":  # it may complete enrolments: audited
        audit.log("course.change", detail={"code": activity.course.slug,
                                           "changes": f"retired: {activity.title}"})
    db.session.commit()
    rules_changed(activity.course)


MAX_MEDIA_NAME = 120  # characters of a stored file name (the path column holds 255)


def _shortened(name: str) -> str:
    """`name` cut to `MAX_MEDIA_NAME` characters, keeping its extension."""
    if len(name) <= MAX_MEDIA_NAME:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 10:
        return name[:MAX_MEDIA_NAME]
    return stem[:MAX_MEDIA_NAME - len(ext) - 1].rstrip("-") + "." + ext


def upload_media(course: Course, filename: str, stream: BinaryIO) -> MediaFile:
    """Store an uploaded file after checking its type from its content and its size."""
    # Blanks, brackets and parentheses would end the file's address inside Markdown.
    name = clean_path(_UNSAFE_IN_NAME.sub("-", posixpath.basename(filename.replace("\\", "/"))
                                          ).strip("-") or "")
    if not name:
        raise CourseError([_("The file needs a name.")])
    name = _shortened(name)
    head = stream.read(32)
    mime = media_store.sniff(head)
    if mime is None:
        raise CourseError([_("%(f)s is not an accepted picture, video, audio or PDF file "
                             "(its content was checked).", f=name)])
    kind = media_store.KINDS[mime]
    limit = MAX_MEDIA_FILE if kind in ("video", "audio") else MAX_FILE
    stream.seek(0)
    try:
        sha, size = storage().store_stream(stream, limit)
    except ValueError as exc:
        raise CourseError([_("%(file)s is larger than allowed.", file=name)]) from exc
    path = f"media/{name}"
    row = db.session.scalar(select(MediaFile).where(MediaFile.course_id == course.id,
                                                    MediaFile.path == path))
    if row is None:
        row = MediaFile(course_id=course.id, path=path)
        db.session.add(row)
    media_store.describe(row, sha, size, kind, mime)  # the duration from the file itself
    db.session.commit()
    return row


# ---- review workflow ---------------------------------------------------------------------

def _log(course: Course, actor: User | None, action: str, comment: str = "") -> None:
    db.session.add(CourseReview(course_id=course.id, actor_id=getattr(actor, "id", None),
                                action=action, comment=comment, version=course.version))


def submit_for_review(course: Course, actor: User) -> None:
    live = [a for a in course.activities if not a.retired]
    if not live:
        raise CourseError([_("Add at least one activity before submitting.")])
    if course.status != "draft":
        raise CourseError([_("Only a draft can be submitted.")])
    course.status = "review"
    _log(course, actor, "submitted")
    db.session.commit()


def own_course_refusal(course: Course, actor: User | None) -> str | None:
    """Why `actor` may not publish or return `course` (four eyes), or None: nobody decides on
    a course they own or lecture; another reviewer does."""
    if actor is not None and permissions.teaches(course, actor):
        return _("You are the owner or a lecturer of this course: another reviewer of the "
                 "organisation department publishes or returns it.")
    return None


def review_round(course: Course) -> int:
    """The course's review round: how many times it has been submitted (at least 1)."""
    return max(1, db.session.scalar(select(func.count()).select_from(CourseReview).where(
        CourseReview.course_id == course.id, CourseReview.action == "submitted")) or 0)


def add_review_comment(course: Course, activity: Activity | None, author: User,
                       text: str) -> ReviewComment:
    """A reviewer's comment on one activity of `course` (or, `activity` None, on the whole
    course) in the current review round."""
    text = (text or "").strip()
    if not text:
        raise CourseError([_("Write the comment first.")])
    if course.status not in ("review", "published"):
        raise CourseError([_("Comments are written while the course is in review or "
                             "published.")])
    why = own_course_refusal(course, author)
    if why:
        raise CourseError([why])
    if activity is not None and (activity.course_id != course.id or activity.retired):
        raise CourseError([_("The activity is not part of this course.")])
    row = ReviewComment(course_id=course.id, activity_id=activity.id if activity else None,
                        author_id=author.id, text=text, round=review_round(course))
    db.session.add(row)
    db.session.commit()
    return row


def review_comments(course: Course, activity: Activity | None = None
                    ) -> dict[int | None, list[ReviewComment]]:
    """The course's review comments by activity id (None: on the whole course), the latest
    round first; only `activity`'s when given."""
    out: dict[int | None, list[ReviewComment]] = {}
    stmt = select(ReviewComment).where(ReviewComment.course_id == course.id)
    if activity is not None:
        stmt = stmt.where(ReviewComment.activity_id == activity.id)
    for row in db.session.scalars(
            stmt.order_by(ReviewComment.round.desc(), ReviewComment.id).limit(500)):
        out.setdefault(row.activity_id, []).append(row)
    return out


def publish(course: Course, actor: User, comment: str = "") -> None:
    why = own_course_refusal(course, actor)
    if why:
        raise CourseError([why])
    if course.status not in ("review", "draft", "archived"):
        raise CourseError([_("This course cannot be published now.")])
    course.status = "published"
    course.published_at = course.published_at or utcnow()
    _log(course, actor, "published", comment)
    db.session.commit()
    rules_changed(course)


def return_to_author(course: Course, actor: User, comment: str) -> None:
    why = own_course_refusal(course, actor)
    if why:
        raise CourseError([why])
    if not comment.strip():
        raise CourseError([_("Say what needs to change.")])
    if course.status not in ("review", "published"):
        raise CourseError([_("Only a course in review or published can be returned.")])
    course.status = "draft"
    _log(course, actor, "returned", comment.strip())
    db.session.commit()


def archive(course: Course, actor: User) -> None:
    course.status = "archived"
    _log(course, actor, "archived")
    db.session.commit()


def lecturer_choices() -> list[User]:
    """Users who hold the lecturer role somewhere (candidates for a course's lecturers)."""
    return list(db.session.scalars(
        select(User).where(User.id.in_(select(RoleGrant.user_id).where(
            RoleGrant.role == "lecturer")), User.is_active_flag.is_(True))
        .order_by(User.name).limit(500)))


def reviewer_choices(course: Course, limit: int = 10) -> list[User]:
    """Active accounts that may review `course`: the organisation department, less its owner
    and lecturers (four eyes)."""
    roles = [r for r, actions in permissions.ROLE_ACTIONS.items() if "course.review" in actions]
    teachers = {u.id for u in course.lecturers} | {course.owner_id}
    return [u for u in db.session.scalars(
        select(User).where(User.id.in_(select(RoleGrant.user_id).where(
            RoleGrant.role.in_(roles))), User.is_active_flag.is_(True))
        .order_by(User.name).limit(limit + len(teachers))) if u.id not in teachers][:limit]
