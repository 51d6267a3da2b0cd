"""Course packages in and out: validate everything first, then write in one transaction.

Re-importing a slug makes a new version of the course: activities keep their ids by `key`
(so learners keep their progress), missing keys are retired, a key may not change type.
"""
from __future__ import annotations

import io
import posixpath
import re
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from lms.activities.base import SEALED, ActivityType, Problem
from lms.activities.registry import registry
from lms.auth.models import User
from lms.catalog import media as media_store
from lms.catalog.models import Activity, Course, MediaFile, SubjectCategory
from lms.catalog.package_files import PackageError, PackageFiles, clean_path
from lms.catalog.search import search_text
from lms.catalog.tomlwrite import dumps
from lms.core.markup import MarkupError, MediaRef, render_markdown
from lms.core.signals import course_rules_changed
from lms.core.storage import storage
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.org import permissions

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$")
KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
COMMON = {"key", "type", "title", "hours", "optional"}
COURSE_FIELDS = {"slug", "title", "summary", "category", "required", "hours", "cover",
                 "lecturers", "version", "completion_count"}
MANIFEST = "course.toml"


class PackageContext:
    """The authoring context of a package: its files, its media and the problems found."""

    def __init__(self, files: PackageFiles) -> None:
        self.files = files
        self.problems: list[Problem] = []
        self.media_kinds: dict[str, str] = {}  # package path -> kind, for referenced media
        self.mimes: dict[str, str] = {}
        self.urls: dict[str, str] | None = None  # set once media rows exist

    def problem(self, message: str, *, file: str | None = None, line: int | None = None):
        self.problems.append(Problem(message, file, line))

    def read_text(self, path: str, *, origin: str | None = None) -> str | None:
        clean = clean_path(path)
        if clean is None or clean not in self.files:
            self.problem(_("File not found in the package: %(p)s", p=path), file=origin)
            return None
        try:
            text = self.files.read(clean).decode("utf-8-sig")
        except UnicodeDecodeError:
            self.problem(_("The file is not UTF-8 text."), file=clean)
            return None
        except PackageError as exc:
            self.problems.extend(Problem(p.message, clean) for p in exc.problems)
            return None
        if "\x00" in text:  # no database stores a NUL in text
            self.problem(_("The file contains a NUL character; remove it."), file=clean)
            return None
        return text

    def _kind(self, clean: str) -> str | None:
        if clean not in self.mimes:
            mime = media_store.sniff(self.files.head(clean))
            self.mimes[clean] = mime or ""
        mime = self.mimes[clean]
        return media_store.KINDS.get(mime) if mime else None

    def media(self, path: str, kinds: set[str], *, origin: str | None = None,
              base: str | None = None) -> str | None:
        clean = _resolve(path, base)
        if clean is None or clean not in self.files:
            self.problem(_("Media file not found in the package: %(p)s", p=path), file=origin)
            return None
        kind = self._kind(clean)
        if kind not in kinds:
            self.problem(_("%(p)s is not an accepted %(kinds)s file (its content was checked).",
                           p=path, kinds="/".join(sorted(kinds))), file=origin)
            return None
        self.media_kinds[clean] = kind
        return clean

    def markdown(self, text: str, *, file: str | None = None) -> str:
        base = posixpath.dirname(file) if file else ""

        def resolve(path: str) -> MediaRef | None:
            clean = _resolve(path, base)
            if clean is None or clean not in self.files:
                return None
            kind = self._kind(clean)
            if kind is None:
                return None
            self.media_kinds[clean] = kind
            url = self.urls.get(clean) if self.urls is not None else f"/media/0/{clean}"
            return MediaRef(url=url or f"/media/0/{clean}", kind=kind, mime=self.mimes[clean])

        try:
            return render_markdown(text or "", resolve)
        except MarkupError as exc:
            self.problem(exc.message, file=file, line=exc.line)
            return ""


def _resolve(path: str, base: str | None) -> str | None:
    """A path in Markdown or a manifest, relative to `base` unless it starts with media/."""
    if not path or "://" in path or path.startswith(("/", "data:")):
        return None
    if base and not path.startswith("media/"):
        path = posixpath.join(base, path)
    return clean_path(posixpath.normpath(path))


def _header_lines(manifest: str) -> list[int]:
    """Line numbers of the `[[activities]]` headers, in order."""
    return [n for n, line in enumerate(manifest.splitlines(), start=1)
            if line.strip().startswith("[[activities]]")]


@dataclass
class _Planned:
    key: str
    kind: ActivityType
    title: str
    hours: float
    config: dict[str, Any]
    optional: bool = False


@dataclass
class ImportResult:
    course: Course
    created: bool
    version: int
    retired: list[str] = field(default_factory=list)
    unchanged: bool = False
    warnings: list[str] = field(default_factory=list)  # imported anyway; said to the importer

    @property
    def rules_changed(self) -> bool:
        """A new version of an existing course (who has completed it may change)."""
        return not self.created and not self.unchanged


def _number(value: Any, ctx: PackageContext, origin: str, name: str) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        ctx.problem(_("%(field)s must be a number of hours (0 or more).", field=name),
                    file=origin)
        return 0.0
    return float(value)


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def import_package(files: PackageFiles, *, actor: User | None = None,
                   new_status: str = "published", may_update=None,
                   may_write=None, commit: bool = True,
                   progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Validate the whole package, then create or update its course. PackageError on problems.

    `may_update(course)` decides whether an existing course of the same slug may be replaced
    and `may_write(course, kind)` whether its activities of type `kind` may be written there
    (None: yes, as on the command line). New courses get `new_status`. `progress(files
    stored, files)` is told as each media file is stored (before anything is written to the
    database); `commit=False` flushes and leaves the commit, and telling the course's
    completion rules changed (`ImportResult.rules_changed`), to the caller (a job).
    """
    ctx = PackageContext(files)
    if MANIFEST not in files:
        raise PackageError([Problem(_("The package has no course.toml."))])
    text = ctx.read_text(MANIFEST)
    if text is None:
        raise PackageError(ctx.problems)
    try:
        manifest = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise PackageError([Problem(str(exc).split(" (at")[0], MANIFEST,
                                    int(line.group(1)) if line else None)]) from exc
    if _has_nul(manifest):  # TOML may escape one (\u0000); no database stores it in text
        raise PackageError([Problem(_("The file contains a NUL character; remove it."),
                                    MANIFEST)])
    info = manifest.get("course")
    if not isinstance(info, dict):
        raise PackageError([Problem(_("course.toml needs a [course] table."), MANIFEST)])
    for name in sorted(set(info) - COURSE_FIELDS):
        ctx.problem(_("Unknown field in [course]: %(f)s", f=name), file=MANIFEST)
    slug = str(info.get("slug") or "")
    if not SLUG_RE.match(slug):
        ctx.problem(_("slug must be 3-64 lowercase letters, digits or hyphens."), file=MANIFEST)
    title = str(info.get("title") or "").strip()
    if not title or len(title) > 200:
        ctx.problem(_("title is required (at most 200 characters)."), file=MANIFEST)
    category = db.session.scalar(select(SubjectCategory).where(
        SubjectCategory.name == str(info.get("category") or "")))
    if category is None:
        ctx.problem(_("Unknown category: %(c)s", c=info.get("category")), file=MANIFEST)
    if not isinstance(info.get("required", False), bool):
        ctx.problem(_("required must be true or false."), file=MANIFEST)
    hours = _number(info.get("hours"), ctx, MANIFEST, "hours")
    count = info.get("completion_count")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool)
                              or count < 1):
        ctx.problem(_("completion_count must be a whole number of activities (1 or more)."),
                    file=MANIFEST)
        count = None
    summary = str(info.get("summary") or "")
    ctx.markdown(summary, file=MANIFEST)
    cover = ctx.media(str(info["cover"]), {"image"}, origin=MANIFEST) if info.get(
        "cover") else None
    lecturers = []
    unknown: list[str] = []  # named by a package made elsewhere: no account here
    names = info.get("lecturers") or []
    if not isinstance(names, list):
        ctx.problem(_("lecturers must be a list of usernames."), file=MANIFEST)
        names = []
    for username in names:
        user = db.session.scalar(select(User).where(User.username == str(username)))
        if user is None:
            unknown.append(str(username))
        elif not _may_lecture(user, slug):
            ctx.problem(_("%(u)s cannot be a course's lecturer (lecturers): the account is "
                          "inactive or holds no role that authors courses.", u=username),
                        file=MANIFEST)
        else:
            lecturers.append(user)

    planned = _plan_activities(manifest, text, ctx)
    problem = completion_count_problem(count, len(planned))
    if problem:
        ctx.problem(problem, file=MANIFEST)
    existing = db.session.scalar(select(Course).where(Course.slug == slug)) if slug else None
    if existing is not None:
        if may_update is not None and not may_update(existing):
            ctx.problem(_("A course with the slug %(s)s exists and you may not change it.",
                          s=slug), file=MANIFEST)
        elif may_write is not None:
            for plan in planned:
                if not may_write(existing, plan.kind):
                    ctx.problem(_("Activity %(k)s is an exam: only the course's owner and "
                                  "lecturers write it.", k=plan.key), file=MANIFEST)
        dropped = dropped_authors(existing, lecturers) if lecturers else None
        if dropped:
            ctx.problem(dropped, file=MANIFEST)
        old_types = {a.key: a.type_key for a in existing.activities}
        for plan in planned:
            if plan.key in old_types and old_types[plan.key] != plan.kind.key:
                ctx.problem(_("Activity %(k)s cannot change its type from %(a)s to %(b)s.",
                              k=plan.key, a=old_types[plan.key], b=plan.kind.key),
                            file=MANIFEST)
    if ctx.problems:
        raise PackageError(ctx.problems)
    warnings = [_("The package names lecturers who have no account here: %(names)s. The "
                  "course was imported without them; name its lecturers on the course page.",
                  names="、".join(unknown))] if unknown else []
    digest = files.digest()
    if existing is not None and existing.package_digest == digest:
        return ImportResult(existing, False, existing.version, unchanged=True,
                            warnings=warnings)

    # Everything is valid: store media (the long part, outside any transaction), then write
    # the course in one transaction.
    stored = _store_files(files, ctx, progress)
    try:
        course = existing or Course(slug=slug, status=new_status, owner_id=getattr(
            actor, "id", None), version=0)
        if existing is None:
            db.session.add(course)
        course.title, course.summary, course.category = title, summary, category
        course.required, course.hours = bool(info.get("required", False)), hours
        course.completion_count = count
        # A new course whose package names nobody here is lectured by whoever imported it,
        # as a course created in the browser is.
        course.lecturers = lecturers or list(course.lecturers) or (
            [actor] if actor is not None and existing is None else [])
        course.version = (course.version or 0) + 1
        course.package_digest = digest
        if course.status == "published" and course.published_at is None:
            course.published_at = utcnow()
        db.session.flush()
        ctx.urls = _media_rows(course, stored, ctx)
        course.cover_media_id = _media_id(course, cover) if cover else None
        course.summary_html = ctx.markdown(summary, file=MANIFEST)
        course.search_text = search_text(course.title, summary, category.name)
        retired = _write_activities(course, planned, ctx)
        if ctx.problems:  # rendering with real URLs cannot add problems, but never hide one
            raise PackageError(ctx.problems)
        if commit:
            db.session.commit()
        else:
            db.session.flush()
    except BaseException:
        db.session.rollback()
        raise
    result = ImportResult(course, existing is None, course.version, retired, warnings=warnings)
    if commit and result.rules_changed:
        rules_changed(course.id)
    return result


def rules_changed(course_id: int) -> None:
    """Tell the modules that follow completion: a new version may change who has completed."""
    course_rules_changed.send(current_app._get_current_object(), course_id=course_id)


def _plan_activities(manifest: dict, text: str, ctx: PackageContext) -> list[_Planned]:
    tables = manifest.get("activities") or []
    if not isinstance(tables, list) or not tables:
        ctx.problem(_("The course needs at least one [[activities]] table."), file=MANIFEST)
        return []
    lines = _header_lines(text)
    seen: set[str] = set()
    planned = []
    for index, raw in enumerate(tables):
        line = lines[index] if index < len(lines) else None
        origin = f"{MANIFEST}:{line}" if line else MANIFEST

        def bad(message: str, line=line) -> None:
            ctx.problem(message, file=MANIFEST, line=line)

        key, type_key = str(raw.get("key") or ""), str(raw.get("type") or "")
        if not KEY_RE.match(key):
            bad(_("key must be 1-64 letters, digits, '-' or '_'."))
        elif key in seen:
            bad(_("The key %(k)s is used twice.", k=key))
        seen.add(key)
        kind = registry().get(type_key)
        if kind is None:
            bad(_("Activity type %(t)s is not installed.", t=type_key))
            continue
        title = str(raw.get("title") or "").strip()
        if not title:
            bad(_("title is required."))
        unknown = set(raw) - COMMON - set(kind.fields)
        if unknown:
            bad(_("Unknown fields for %(t)s: %(f)s", t=type_key, f=", ".join(sorted(unknown))))
        if not isinstance(raw.get("optional", False), bool):
            bad(_("optional must be true or false."))
        own = {k: v for k, v in raw.items() if k not in COMMON}
        config = kind.validate_config(own, ctx, origin)
        planned.append(_Planned(key, kind, title, _number(raw.get("hours"), ctx, origin,
                                                          "hours"), config,
                                raw.get("optional") is True))
    return planned


def _may_lecture(user: User, slug: str | None) -> bool:
    """Whether a package may name `user` a lecturer of the course `slug`: an active account
    that may author courses (as the course form offers), or one lecturing it already. Being
    named reads the course's exam questions, grades its essays and marks its attendance."""
    if user.is_active_flag and permissions.can_anywhere("course.author", user):
        return True
    return slug is not None and db.session.scalar(select(Course.id).where(
        Course.slug == slug, Course.lecturers.any(User.id == user.id))) is not None


def dropped_authors(course: Course, lecturers: list[User]) -> str | None:
    """Why `lecturers` may not replace the course's lecturers, or None: while the course has
    an exam, whoever lectures it wrote or could read its questions (`permissions.authors_exam`),
    so stays one of its lecturers and never sits it (leaving the list would let them)."""
    if not any((kind := registry().get(a.type_key)) is not None and kind.supports(SEALED)
               for a in course.activities):
        return None
    kept = {u.id for u in lecturers}
    left = [u.name for u in course.lecturers if u.id not in kept]
    if not left:
        return None
    return _("%(names)s wrote or could read this course's exam questions, so they stay its "
             "lecturers and never sit the exam.", names="、".join(left))


def completion_count_problem(count: int | None, live: int) -> str | None:
    """What is wrong with a course's "N of M" rule over its `live` activities, if anything."""
    if count and count > live:
        return _("completion_count (%(n)d) is more than the %(m)d activities.", n=count, m=live)
    return None


def _store_files(files: PackageFiles, ctx: PackageContext,
                 progress: Callable[[int, int], None] | None) -> dict[str, tuple[str, int]]:
    """Store every referenced media file in the media store; path -> (sha256, size)."""
    todo = sorted(ctx.media_kinds)
    stored = {}
    for n, path in enumerate(todo, 1):
        stored[path] = storage().store(files.chunks(path))
        if progress:
            progress(n, len(todo))
    return stored


def _media_rows(course: Course, stored: dict[str, tuple[str, int]],
                ctx: PackageContext) -> dict[str, str]:
    """The course's media rows for the stored files (with their durations); path -> URL."""
    rows = {m.path: m for m in db.session.scalars(
        select(MediaFile).where(MediaFile.course_id == course.id))}
    for path, kind in sorted(ctx.media_kinds.items()):
        sha, size = stored[path]
        row = rows.get(path)
        if row is None:
            row = MediaFile(course_id=course.id, path=path)
            db.session.add(row)
            rows[path] = row
        media_store.describe(row, sha, size, kind, ctx.mimes[path])
    db.session.flush()
    return {path: row.url for path, row in rows.items()}


def _media_id(course: Course, path: str) -> int | None:
    return db.session.scalar(select(MediaFile.id).where(
        MediaFile.course_id == course.id, MediaFile.path == path))


def _write_activities(course: Course, planned: list[_Planned], ctx: PackageContext) -> list[str]:
    by_key = {a.key: a for a in course.activities}
    for position, plan in enumerate(planned):
        activity = by_key.pop(plan.key, None)
        html = plan.kind.render(plan.config, ctx)
        if activity is None:
            activity = Activity(key=plan.key, type_key=plan.kind.key)
            course.activities.append(activity)
        changed = (activity.config != plan.config or activity.title != plan.title
                   or activity.hours != plan.hours or activity.retired
                   or activity.optional != plan.optional)
        activity.title, activity.hours, activity.position = plan.title, plan.hours, position
        activity.optional = plan.optional
        activity.config, activity.html, activity.retired = plan.config, html, False
        if changed or activity.id is None:
            activity.changed_in_version = course.version
    retired = []
    for activity in by_key.values():  # keys that left the package: retire, never delete
        if not activity.retired:
            activity.retired = True
            retired.append(activity.key)
        activity.position = 10_000 + activity.position
    return retired


# ---- export --------------------------------------------------------------------------------

def export_package(course: Course) -> bytes:
    """The course as a zipped package that imports back to the same outline."""
    out = io.BytesIO()
    files: dict[str, str] = {}
    tables = []
    for activity in course.activities:
        if activity.retired:
            continue
        kind = registry().get(activity.type_key)
        if kind is None:
            continue  # a type that is not installed cannot be written back
        fields, texts = kind.export(activity.config, activity.key)
        table = {"key": activity.key, "type": activity.type_key, "title": activity.title,
                 "hours": activity.hours, **fields}
        if activity.optional:
            table["optional"] = True
        tables.append(table)
        files.update(texts)
    info = {"slug": course.slug, "title": course.title, "summary": course.summary or None,
            "category": course.category.name, "required": course.required,
            "hours": course.hours, "version": course.version,
            "completion_count": course.completion_count,
            "lecturers": [u.username for u in course.lecturers] or None}
    if course.cover is not None:
        info["cover"] = course.cover.path
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST, dumps(info, tables))
        for path, content in sorted(files.items()):
            zf.writestr(path, content)
        store, row_time = storage(), utcnow().timetuple()[:6]
        for row in db.session.scalars(select(MediaFile).where(MediaFile.course_id == course.id)):
            info = zipfile.ZipInfo(row.path, date_time=row_time)
            info.compress_type, info.file_size = zipfile.ZIP_DEFLATED, row.size
            with zf.open(info, "w") as member:  # streamed from the store, chunk by chunk
                for chunk in store.chunks(row.sha256):
                    member.write(chunk)
    return out.getvalue()
