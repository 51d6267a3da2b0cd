"""The contract every activity type (built-in or third-party) implements."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Protocol

from flask_babel import gettext as _
from flask_wtf import FlaskForm

from lms.core.markup import MarkupError, render_markdown

# Capability flags a type may declare; the core asks for capabilities, never for type keys.
MEDIA = "media"            # embeds the course's media files
TIMED = "timed"            # completion needs study time (the server measures it)
GRADED = "graded"          # produces a score
ATTENDANCE = "attendance"  # completed by recorded attendance
SEALED = "sealed"          # its questions are secret to its authors, who never sit it
RESPONSE = "response"      # takes a learner's answers (`take_answers`)
CAPABILITIES = frozenset({MEDIA, TIMED, GRADED, ATTENDANCE, SEALED, RESPONSE})


@dataclass(frozen=True)
class Problem:
    """A problem in authored content: the file (package path) and line when known."""

    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.message}" if where else self.message


class AuthoringContext(Protocol):
    """What a type may use while validating and rendering: files, media, Markdown, problems.

    The package importer and the browser editor each provide one, so a type has a single
    validation path for both.
    """

    def problem(self, message: str, *, file: str | None = None,
                line: int | None = None) -> None: ...

    def read_text(self, path: str, *, origin: str | None = None) -> str | None: ...

    def media(self, path: str, kinds: set[str], *, origin: str | None = None) -> str | None: ...

    def markdown(self, text: str, *, file: str | None = None) -> str: ...


class PlainContext:
    """An authoring context outside any course (no files, no media): for validating a config
    built by code, such as a class evaluation's questionnaire. Problems are collected in
    `problems`; Markdown goes through the platform's one pipeline, without media."""

    def __init__(self, *, in_form: bool = False) -> None:
        self.in_form = in_form
        self.problems: list[Problem] = []

    def problem(self, message: str, *, file: str | None = None,
                line: int | None = None) -> None:
        self.problems.append(Problem(message, file, line))

    def read_text(self, path: str, *, origin: str | None = None) -> str | None:
        self.problem(_("Files can only be read from a package."), file=origin)
        return None

    def media(self, path: str, kinds: set[str], *, origin: str | None = None) -> str | None:
        self.problem(_("Media file not found in the course: %(p)s", p=path), file=origin)
        return None

    def markdown(self, text: str, *, file: str | None = None) -> str:
        try:
            return render_markdown(text or "")
        except MarkupError as exc:
            self.problem(exc.message, file=file, line=exc.line)
            return ""


REVIEW_POLICIES = ("never", "after_submit", "after_close")


@dataclass
class AssessmentSpec:
    """What a graded type's attempts are made of and the rules they run under.

    `questions` are fixed questions (objects shaped like the GIFT reader's `Question`), in the
    author's order; `draws` are (bank category path, count) pairs drawn at random from the
    course's bank for each attempt. Times are naive UTC. `review` says when a learner sees
    the correct answers: never, after submitting, or after `closes_at`.
    """

    questions: list[Any] = field(default_factory=list)
    draws: list[tuple[str, int]] = field(default_factory=list)
    pass_score: float = 60.0
    attempts: int = 0                 # 0: unlimited
    time_limit_minutes: int | None = None
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    shuffle_questions: bool = False
    shuffle_answers: bool = False
    review: str = "after_submit"
    # Exams: who may sit it ({"ranks": [...], "max_age": 35}; None: everyone who sees the
    # course), results held until an administrator releases them, and a pass recorded as a
    # certificate-style result (number, date, score) in the learning record.
    audience: dict[str, Any] | None = None
    shared_bank: bool = False
    held_results: bool = False
    certificate: bool = False


@dataclass
class Outcome:
    """What a type reports to the core for one learner: completion, score, study seconds."""

    completed: bool = False
    score: float | None = None
    passed: bool | None = None
    study_seconds: int = 0
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class Answered:
    """What a type decided about a learner's answers (`take_answers`).

    `state` is the learner's new state, stored by the core; `problems` maps a field (a
    question's id, or "" for the whole) to a localised message naming it; when there are
    any, nothing is stored. `completed` asks the core to mark the activity complete (the
    same path as study time, attendance and passed quizzes)."""

    state: dict[str, Any] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    completed: bool = False


@dataclass(frozen=True)
class LearnerState:
    """One learner's state in an activity, as a lecturer's page receives it: their stored
    `state`, when they completed the activity, and who they are (a type that promises
    anonymity never shows `name` or `unit`)."""

    user_id: int
    name: str
    unit: str | None
    state: dict[str, Any]
    completed_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class LecturerView:
    """A page of a type for the course's lecturers and the organisation department.

    The core serves it at ``/teach/activities/<activity_id>/pages/<name>``, checks who may
    read it, and calls ``view(activity, config, states)`` with every learner's state in the
    activity as an iterator (`LearnerState`, streamed from the database in batches: consume
    it once, keep aggregates, not the rows). The returned dict is the context of `template`
    (a name inside the type's template folder). `table`, when given, is called the same way
    for a spreadsheet of the page and returns (headers, rows); the core streams it."""

    name: str
    label: Any
    view: Callable[[Any, dict[str, Any], Iterable[LearnerState]], dict[str, Any]]
    template: str
    table: Callable[[Any, dict[str, Any], Iterable[LearnerState]],
                    tuple[list[str], Iterable[list[Any]]]] | None = None


class ActivityType:
    """Base class of activity types. Subclasses set the class attributes and override methods.

    - `key`, `name`, `version`, `min_core`: identity (the key is stored with each activity).
    - `capabilities`: a subset of `CAPABILITIES`.
    - `fields`: package fields accepted besides the common ones (key, type, title, hours).
    - `template_folder`: a folder holding `learner.html` (and optionally `editor.html`, shown
      above the authoring form, and the templates of its lecturer pages), reached in Jinja as
      ``activity-<key>/learner.html``.
    """

    key: ClassVar[str]
    name: ClassVar[Any]
    version: ClassVar[str] = "1.0"
    min_core: ClassVar[str] = "1.0"
    capabilities: ClassVar[frozenset[str]] = frozenset()
    fields: ClassVar[tuple[str, ...]] = ()
    template_folder: ClassVar[Path | None] = None

    def supports(self, capability: str) -> bool:
        """True when the type declares `capability`."""
        return capability in self.capabilities

    # ---- authored content ----------------------------------------------------------------
    def validate_config(self, raw: dict[str, Any], ctx: AuthoringContext,
                        origin: str) -> dict[str, Any]:
        """Check package fields (or form data in the same shape) and return the config to store.

        Report problems through `ctx.problem`; `origin` names where the fields came from
        (e.g. ``course.toml:12``) for messages.
        """
        raise NotImplementedError

    def render(self, config: dict[str, Any], ctx: AuthoringContext) -> str:
        """The sanitised HTML stored with the activity (rendered once, at save time)."""
        return ""

    def export(self, config: dict[str, Any], key: str) -> tuple[dict[str, Any], dict[str, str]]:
        """Package fields for `course.toml` and text files to write ({package path: text})."""
        return dict(config), {}

    # ---- authoring in the browser --------------------------------------------------------
    def form_class(self) -> type[FlaskForm]:
        """The authoring form; its `data` (minus submit/csrf) is passed to `validate_config`."""
        raise NotImplementedError

    def form_data(self, config: dict[str, Any]) -> dict[str, Any]:
        """Initial form values for an existing activity's config."""
        return dict(config)

    # ---- learners ------------------------------------------------------------------------
    def completion_rule(self, config: dict[str, Any]) -> dict[str, Any]:
        """A description of what completes the activity (shown to learners and in the API)."""
        return {"kind": "view"}

    def completion_text(self, config: dict[str, Any]) -> str:
        """The completion rule in one plain, localised sentence (shown on the activity page)."""
        return _("Completion: open this activity.")

    def required_seconds(self, config: dict[str, Any]) -> int:
        """Credited study time the rule asks for (0: the rule is not about time)."""
        return 0

    def is_complete(self, config: dict[str, Any], progress: dict[str, Any]) -> bool:
        """Whether the learner's progress completes this activity.

        `progress` holds ``study_seconds`` (credited by the server), ``interval`` (the
        heartbeat interval), ``frontier`` (the furthest media second actually played),
        ``durations`` ({media path: seconds} where the file states it) and, for graded
        types, ``passed``. Types completed by attendance keep the default."""
        return False

    def initial_state(self) -> dict[str, Any]:
        """A learner's state before they start: stored by the core when it creates the
        learner's state in the activity (first visit, attendance, first answers)."""
        return {}

    def learner_context(self, config: dict[str, Any], state: dict[str, Any]) -> dict[str, Any]:
        """Extra template variables for `learner.html`; never include answer keys."""
        return {}

    def assessment(self, config: dict[str, Any]) -> AssessmentSpec | None:
        """For graded types: the questions and rules of an attempt (None: not attempted
        online). The assessment module runs attempts and scores them on the server."""
        return None

    def public_config(self, config: dict[str, Any]) -> dict[str, Any]:
        """The part of the config a learner's client may see (API). Never answer keys."""
        return {}

    # ---- answers (types declaring RESPONSE) ----------------------------------------------
    def take_answers(self, config: dict[str, Any], state: dict[str, Any],
                     data: Mapping[str, Any]) -> Answered:
        """Check a learner's answers (`data`: the posted form, or the API's JSON object) against
        their current `state` and return what to store. Problems name the question; with any
        problem nothing is stored. Called by the core only for types declaring RESPONSE."""
        return Answered(state=dict(state), problems={"": _("This activity takes no answers.")})

    def summarise(self, config: dict[str, Any], states: Iterable[dict[str, Any]]
                  ) -> dict[str, Any]:
        """Aggregate learners' stored states (an iterable, read once) into results for a
        lecturer's page or another part of the platform (e.g. a class evaluation)."""
        return {}

    # ---- lecturers -----------------------------------------------------------------------
    def lecturer_views(self) -> list[LecturerView]:
        """The type's own pages for the course's lecturers (results, lists, statistics)."""
        return []
