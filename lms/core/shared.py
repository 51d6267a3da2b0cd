"""The Redis server shared by every app instance and worker, when `REDIS_URL` is set.

One box needs no Redis: callers treat `client()` returning None as "this process is the only
one". Every key the platform writes starts with `LMS_REDIS_PREFIX` (default `lms:`), so
several sites, or parallel test runs, can share one server.

Redis being unreachable must never fail a page: a caller catches `ERRORS`, tells `failed()`
and does its documented per-process fallback (docs/shared-state.md); `usable()` then says
"don't ask yet" for `RETRY_SECONDS`, so a dead server costs one attempt per interval, not
one per request, and `answered()` notes its return. Each change is logged once per process.
"""
from __future__ import annotations

import threading
import time

from flask import Flask, current_app
from limits.errors import StorageError
from redis import Redis, RedisError

_EXT = "lms_redis"
_STATE = "lms_redis_state"
RETRY_SECONDS = 5.0
# What an unreachable or failing Redis raises (directly, or wrapped by the limits library).
ERRORS: tuple[type[Exception], ...] = (RedisError, StorageError, OSError)


def _app(app: Flask | None) -> Flask:
    return app or current_app._get_current_object()  # type: ignore[attr-defined]


def client(app: Flask | None = None) -> Redis | None:
    """The app's Redis client (one connection pool per app), or None without `REDIS_URL`."""
    app = _app(app)
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    found = app.extensions.get(_EXT)
    if found is None:
        found = app.extensions[_EXT] = Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)
    return found


def key(*parts: object, app: Flask | None = None) -> str:
    """A Redis key under the site's prefix: key("jobs", 42) -> "lms:jobs:42"."""
    app = _app(app)
    return app.config.get("LMS_REDIS_PREFIX", "lms:") + ":".join(str(p) for p in parts)


class _Health:
    """Whether this process last found Redis answering, and when to try it again."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_since: float | None = None
        self.retry_at = 0.0


def _health(app: Flask) -> _Health:
    found = app.extensions.get(_STATE)
    if found is None:
        found = app.extensions.setdefault(_STATE, _Health())
    return found


def usable(app: Flask | None = None) -> bool:
    """False while Redis is known to be down and the next attempt is not yet due."""
    health = _health(_app(app))
    return health.down_since is None or time.monotonic() >= health.retry_at


def is_down(app: Flask | None = None) -> bool:
    """True from a failure until Redis answers again."""
    return _health(_app(app)).down_since is not None


def failed(error: BaseException, app: Flask | None = None) -> None:
    """Note that Redis did not answer; the first failure of an outage is logged."""
    app = _app(app)
    health = _health(app)
    with health.lock:
        first = health.down_since is None
        now = time.monotonic()
        if first:
            health.down_since = now
        health.retry_at = now + RETRY_SECONDS
    if first:
        app.logger.warning(
            "Redis is unreachable (%s): shared state falls back to this process's memory "
            "until it answers (tried again every %d s; docs/shared-state.md)",
            error, RETRY_SECONDS)


def answered(app: Flask | None = None) -> None:
    """Note that Redis answered; the end of an outage is logged."""
    app = _app(app)
    health = _health(app)
    if health.down_since is None:
        return
    with health.lock:
        since, health.down_since = health.down_since, None
    if since is not None:
        app.logger.warning("Redis answers again after %d s: shared state is shared again",
                           time.monotonic() - since)


def status(app: Flask | None = None) -> str:
    """For the health check: "ok", "unreachable" (the app runs degraded) or "none" (no
    `REDIS_URL`: one box). Asks Redis at most once per `RETRY_SECONDS` while it is down."""
    app = _app(app)
    redis = client(app)
    if redis is None:
        return "none"
    if not usable(app):
        return "unreachable"
    try:
        redis.ping()
    except ERRORS as error:
        failed(error, app)
        return "unreachable"
    answered(app)
    return "ok"


def storage_options(app: Flask) -> dict:
    """Options of the limits library's Redis storage: keys under `LMS_REDIS_PREFIX`
    ("lms:limits:..."), and short time-outs so an unreachable server is noticed at once."""
    return {"key_prefix": app.config.get("LMS_REDIS_PREFIX", "lms:") + "limits",
            "socket_connect_timeout": 1, "socket_timeout": 1}


def init_app(app: Flask) -> None:
    """Before Flask-Limiter reads its configuration: its keys follow `LMS_REDIS_PREFIX`, and
    any limit it checks itself falls back to memory while Redis is down instead of failing."""
    uri = app.config.get("RATELIMIT_STORAGE_URI") or ""
    if not uri.startswith("memory"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", storage_options(app))
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    if app.config.get("REDIS_URL") and app.config.get("LMS_SECRET_KEY_FILE"):
        app.logger.warning(
            "REDIS_URL is set (several instances) but SECRET_KEY is not: this machine signs "
            "sessions with its own %s, so a sign-in is valid only on machines sharing that "
            "file; set SECRET_KEY to the same value on every instance",
            app.config["LMS_SECRET_KEY_FILE"])
