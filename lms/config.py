"""Configuration read from environment variables (see the README's table)."""
from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


def _instance_secret_key(instance_path: str) -> str:
    """Return the secret key kept in `instance/secret_key`, creating it once.

    Several processes may start at once (gunicorn workers, parallel tests): the key is written
    to a file of its own and linked into place, so the file appears whole or not at all, and
    whoever links second reads the first one's key.
    """
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
    try:
        with os.fdopen(fd, "w") as fh:  # mkstemp creates it readable by its owner only
            fh.write(secrets.token_hex(32))
        with contextlib.suppress(FileExistsError):  # another process linked its key first
            os.link(draft, path)
    finally:
        os.unlink(draft)
    return path.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str) -> dict:
    """Build the Flask config mapping from the environment."""
    db_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "lms.sqlite3")
    )
    redis_url = os.environ.get("REDIS_URL") or None
    secure = _bool("LMS_SECURE_COOKIES", False)
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY") or _instance_secret_key(instance_path),
        # Where the key was generated when SECRET_KEY is unset (one machine's own key).
        "LMS_SECRET_KEY_FILE": "" if os.environ.get("SECRET_KEY")
        else str(Path(instance_path) / "secret_key"),
        "SQLALCHEMY_DATABASE_URI": db_url,
        # Connections are checked before use by lms.core.pool (SQLAlchemy's pre-ping, but
        # not for the study heartbeat's short path, which recovers by itself).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        "LMS_MEDIA_DIR": os.environ.get("LMS_MEDIA_DIR")
        or str(Path(instance_path) / "media"),
        # Where uploaded files live: `local` (the folder above) or `s3` (an S3-compatible
        # bucket, below); see docs/storage.md.
        "LMS_MEDIA_STORAGE": os.environ.get("LMS_MEDIA_STORAGE", "local").strip() or "local",
        "LMS_S3_ENDPOINT": os.environ.get("LMS_S3_ENDPOINT", "").strip(),
        "LMS_S3_BUCKET": os.environ.get("LMS_S3_BUCKET", "").strip(),
        "LMS_S3_ACCESS_KEY": os.environ.get("LMS_S3_ACCESS_KEY", ""),
        "LMS_S3_SECRET_KEY": os.environ.get("LMS_S3_SECRET_KEY", ""),
        "LMS_S3_REGION": os.environ.get("LMS_S3_REGION", "").strip() or "us-east-1",
        "LMS_S3_PREFIX": os.environ.get("LMS_S3_PREFIX", "").strip(),
        "LMS_S3_PART_MB": float(os.environ.get("LMS_S3_PART_MB") or "16"),
        # An nginx internal location (e.g. /_media/) that sends local files after the app's
        # permission check (X-Accel-Redirect); empty: the app sends them itself.
        "LMS_MEDIA_ACCEL": os.environ.get("LMS_MEDIA_ACCEL", "").strip(),
        "REDIS_URL": redis_url,
        # Every Redis key starts with this, so several sites or test runs can share a server.
        "LMS_REDIS_PREFIX": os.environ.get("LMS_REDIS_PREFIX", "lms:"),
        "LMS_HEARTBEAT_SECONDS": int(os.environ.get("LMS_HEARTBEAT_SECONDS", "30")),
        # Study hours: one 学时 per this many credited minutes, capped at the course's hours.
        "LMS_MINUTES_PER_HOUR": float(os.environ.get("LMS_MINUTES_PER_HOUR", "45")),
        # minutes | declared | buckets (see lms/progress/hours.py and the README).
        "LMS_HOURS_RULE": os.environ.get("LMS_HOURS_RULE", "minutes"),
        "LMS_HOURS_BUCKETS": os.environ.get("LMS_HOURS_BUCKETS", "30:1,15:0.5,0:0.25"),
        # Beats kept by an offline page are accepted this many seconds late.
        "LMS_BEAT_REPLAY_SECONDS": int(os.environ.get("LMS_BEAT_REPLAY_SECONDS", "900")),
        # Mean minutes between presence checks at random moments; 0 turns them off.
        "LMS_PRESENCE_CHECK_MINUTES": float(os.environ.get("LMS_PRESENCE_CHECK_MINUTES", "20")),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        # A moving window: no burst of twice the limit across a window boundary.
        "RATELIMIT_STRATEGY": "moving-window",
        "LMS_LOGIN_ACCOUNT_LIMIT": os.environ.get(
            "LMS_LOGIN_ACCOUNT_LIMIT", "10 per 15 minutes"
        ),
        "LMS_LOGIN_ADDRESS_LIMIT": os.environ.get(
            "LMS_LOGIN_ADDRESS_LIMIT", "100 per 15 minutes"
        ),
        # A signed-in session without activity for this many minutes ends; 0: never.
        "LMS_IDLE_MINUTES": int(os.environ.get("LMS_IDLE_MINUTES", "30")),
        # How many proxies (e.g. nginx) stand in front and set X-Forwarded-For/-Proto; 0: none.
        "LMS_PROXY_COUNT": int(os.environ.get("LMS_PROXY_COUNT", "0")),
        # The learning record's HMAC key; empty: derived from SECRET_KEY. Never stored in the
        # database; changing it makes `records verify` reject every existing row.
        "LMS_RECORDS_KEY": os.environ.get("LMS_RECORDS_KEY", ""),
        # Largest evidence file (PDF or image) attached to a self-reported record entry.
        "LMS_EVIDENCE_MAX_MB": float(os.environ.get("LMS_EVIDENCE_MAX_MB", "10")),
        # The site's public root (e.g. https://xuexi.example.gov.cn), used in xAPI statement
        # IRIs; empty: the address of the request.
        "LMS_SITE_URL": os.environ.get("LMS_SITE_URL", "").rstrip("/"),
        # E-mail of notices through SMTP; no host: no e-mail (the inbox keeps every notice).
        # Refused check-in codes a trainee may type before waiting (a Flask-Limiter limit).
        "LMS_CHECKIN_LIMIT": os.environ.get("LMS_CHECKIN_LIMIT", "10 per 15 minutes"),
        # The activity type that builds class evaluations (`lms.training.evaluation.survey`).
        "LMS_EVALUATION_TYPE": os.environ.get("LMS_EVALUATION_TYPE", "survey"),
        "LMS_SMTP_HOST": os.environ.get("LMS_SMTP_HOST", "").strip(),
        "LMS_SMTP_PORT": int(os.environ.get("LMS_SMTP_PORT") or "25"),
        "LMS_SMTP_FROM": os.environ.get("LMS_SMTP_FROM", "").strip(),
        "LMS_SMTP_USER": os.environ.get("LMS_SMTP_USER", ""),
        "LMS_SMTP_PASSWORD": os.environ.get("LMS_SMTP_PASSWORD", ""),
        "LMS_SMTP_STARTTLS": _bool("LMS_SMTP_STARTTLS", False),
        "LMS_SMTP_TIMEOUT": float(os.environ.get("LMS_SMTP_TIMEOUT") or "10"),
        # Background jobs (docs/jobs.md): RQ when REDIS_URL is set, else threads of the web
        # process; LMS_JOBS_MODE may force rq, threads or inline.
        "LMS_JOBS_MODE": os.environ.get("LMS_JOBS_MODE", "").strip(),
        "LMS_JOB_THREADS": int(os.environ.get("LMS_JOB_THREADS") or "2"),
        "LMS_JOB_LEASE_SECONDS": int(os.environ.get("LMS_JOB_LEASE_SECONDS") or "30"),
        "LMS_JOB_ATTEMPTS": int(os.environ.get("LMS_JOB_ATTEMPTS") or "3"),
        "LMS_JOB_TIMEOUT": int(os.environ.get("LMS_JOB_TIMEOUT") or "3600"),
        "LMS_JOB_REQUEUE_SECONDS": int(os.environ.get("LMS_JOB_REQUEUE_SECONDS") or "120"),
        # Local times of day of the scheduled jobs; empty: not scheduled.
        "LMS_SCHEDULE_ASSIGNMENTS_SYNC": os.environ.get("LMS_SCHEDULE_ASSIGNMENTS_SYNC",
                                                        "01:30"),
        "LMS_SCHEDULE_RECORDS_RECOMPUTE": os.environ.get("LMS_SCHEDULE_RECORDS_RECOMPUTE",
                                                         "02:00"),
        # Without Redis: run the scheduler as a thread of the web process.
        "LMS_SCHEDULER_IN_WEB": _bool("LMS_SCHEDULER_IN_WEB", False),
        "LMS_PAGE_SIZE": 50,
        "LMS_IMPORT_MAX_BYTES": 10 * 1024 * 1024,
        # Uploads are spooled to disk by Werkzeug, so a large limit does not cost memory.
        "MAX_CONTENT_LENGTH": int(os.environ.get("LMS_MAX_UPLOAD_MB", "1024")) * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_NAME": "lms_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
        "PERMANENT_SESSION_LIFETIME": 8 * 3600,
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("LMS_TIMEZONE", "Asia/Shanghai"),
        "LMS_LOCALES": ("zh_CN", "en"),
        "LMS_ACTIVITY_PLUGINS": [
            name.strip() for name in os.environ.get("LMS_ACTIVITY_PLUGINS", "").split(",")
            if name.strip()
        ],
    }
