"""The kinds of job the platform knows: a name, a function that does the work, and how the
job is put in words. Packages declare theirs with `@job_kind(...)` in a `jobs.py` module that
`create_app` imports, so the web process, the worker and the scheduler know the same kinds."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Kind:
    """One kind of job.

    `run(job)` does the work (see `lms.jobs.runner.JobRun`) and returns an `Output` (a file
    to download), a short sentence saying what it did, or None. `title` names the kind on the
    job pages (a lazy string). `describe(params)` may add what this job is about ("2026,
    青山区"). `fresh_for` is how many seconds a finished job still answers the same request
    (same kind and key): None for ever (scheduled slots), 0 never (every request after the
    job finished starts a new one). A job that failed never answers a new request.
    """

    name: str
    run: Callable[..., Any]
    title: Any
    describe: Callable[[dict], str] | None = None
    fresh_for: int | None = 60

    def label(self, params: dict) -> str:
        """The kind's title, with what this job is about when the kind says."""
        extra = self.describe(params) if self.describe else ""
        return f"{self.title}{' · ' + extra if extra else ''}"


KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    """Add a kind (again under the same name replaces it: a module reloaded in tests)."""
    KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Forget a kind (tests that register a temporary one)."""
    KINDS.pop(name, None)


def job_kind(name: str, *, title: Any, describe: Callable[[dict], str] | None = None,
             fresh_for: int | None = 60) -> Callable:
    """Declare the decorated function as the job kind `name`."""

    def decorate(fn: Callable) -> Callable:
        register(Kind(name, fn, title, describe, fresh_for))
        return fn
    return decorate


def get(name: str) -> Kind | None:
    """The kind of that name, or None when no module declares it (any more)."""
    return KINDS.get(name)
