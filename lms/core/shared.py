"""The Redis server shared by every app instance and worker, when `REDIS_URL` is set.

One box needs no Redis: callers treat `client()` returning None as "this process is the only
one". Every key the platform writes starts with `LMS_REDIS_PREFIX` (default `lms:`), so
several sites, or parallel test runs, can share one server.
"""
from __future__ import annotations

from flask import Flask, current_app
from redis import Redis

_EXT = "lms_redis"


def client(app: Flask | None = None) -> Redis | None:
    """The app's Redis client (one connection pool per app), or None without `REDIS_URL`."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
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
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    return app.config.get("LMS_REDIS_PREFIX", "lms:") + ":".join(str(p) for p in parts)
