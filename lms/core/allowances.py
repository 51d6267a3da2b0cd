"""Allowances: how many failed sign-ins or refused check-in codes a window permits.

Counted in Flask-Limiter's storage (`RATELIMIT_STORAGE_URI`): Redis when `REDIS_URL` is set,
so every instance counts the same failures, under `LMS_REDIS_PREFIX` ("lms:limits:...");
this process's memory otherwise. While Redis is unreachable each process counts in its own
memory (logged once, see `lms.core.shared`), and the shared counts are used again as soon as
Redis answers: a page never fails because of it (docs/shared-state.md).

Each app has its own storage, so the tests' several apps in one process never share counts.
"""
from __future__ import annotations

import contextlib
import time
import weakref
from typing import Any

from flask import Flask, current_app
from limits import RateLimitItem
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import STRATEGIES, RateLimiter

from lms.core import shared

_EXT = "lms_allowances"
_BUILT: weakref.WeakSet[Allowances] = weakref.WeakSet()  # so that tests can reset them all


class Allowances:
    """The app's counters: the configured storage, and memory for when Redis is down."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        uri = app.config.get("RATELIMIT_STORAGE_URI") or "memory://"
        strategy = STRATEGIES[app.config.get("RATELIMIT_STRATEGY") or "moving-window"]
        self.remote = not uri.startswith("memory")
        self.storages: list[Storage] = [MemoryStorage()]
        self.local: RateLimiter = strategy(self.storages[0])
        self.main = self.local
        if self.remote:
            self.storages.append(storage_from_string(uri, **shared.storage_options(app)))
            self.main = strategy(self.storages[1])
        _BUILT.add(self)

    def call(self, method: str, *args: Any) -> Any:
        """`method` of the shared counters, or of this process's while Redis is down."""
        if self.remote and shared.usable(self.app):
            try:
                value = getattr(self.main, method)(*args)
            except shared.ERRORS as error:
                shared.failed(error, self.app)
            else:
                shared.answered(self.app)
                return value
        return getattr(self.local, method)(*args)


def init_app(app: Flask) -> None:
    app.extensions[_EXT] = Allowances(app)


def _mine() -> Allowances:
    return current_app.extensions[_EXT]


def hit(item: RateLimitItem, *keys: str) -> None:
    """Count one use (a failure) against `keys`."""
    _mine().call("hit", item, *keys)


def wait_seconds(item: RateLimitItem, *keys: str) -> int:
    """Seconds until `keys` may be used again (0: now)."""
    mine = _mine()
    if mine.call("test", item, *keys):
        return 0
    reset_at, _remaining = mine.call("get_window_stats", item, *keys)
    return max(1, int(reset_at - time.time()) + 1)


def clear(item: RateLimitItem, *keys: str) -> None:
    """Forget the uses counted against `keys`."""
    _mine().call("clear", item, *keys)


def reset(app: Flask | None = None) -> None:
    """Forget every count (for tests) of `app`, or of every app of this process: in memory,
    and under its Redis prefix."""
    every = [app.extensions[_EXT]] if app is not None else list(_BUILT)
    for storage in (s for mine in every for s in mine.storages):
        with contextlib.suppress(*shared.ERRORS):
            storage.reset()
