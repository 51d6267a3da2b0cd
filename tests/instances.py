"""App instances as separate gunicorn processes, and a browser over real HTTP, for the
two-instance test and the Redis drill (`bench/drills/redis_stopped.py`)."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
COURSE = ROOT / "courses" / "gongwen-xiezuo"
PASSWORD = "Correct-horse-42"  # the tests' password (tests.conftest.PASSWORD)
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    """A port nobody listens on now (bound to port 0, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(port: int, env: dict[str, str], log: Path) -> subprocess.Popen:
    """gunicorn with one sync worker serving `wsgi:app` on 127.0.0.1:`port`; its output goes
    to `log`. `env` is added to this process's environment."""
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "sync",
               "--bind", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"]
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 - a fixed command line
            command, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True)


def wait_ready(base: str, process: subprocess.Popen, timeout: float = 40.0) -> None:
    """Until `base`/healthz answers 200; RuntimeError if the process ends or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the app at {base} exited with {process.returncode}")
        with suppress(requests.RequestException):
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the app at {base} did not answer within {timeout:.0f} s")


def stop(process: subprocess.Popen | None) -> None:
    """End a process started here (its own session: gunicorn's worker goes with it)."""
    if process is None or process.poll() is not None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, 15)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, 9)
        process.wait(timeout=5)


def start_redis(port: int, folder: Path) -> subprocess.Popen:
    """A private redis-server on `port` (no persistence), answering before this returns."""
    server = shutil.which("redis-server")
    if server is None:
        raise RuntimeError("redis-server is not installed")
    process = subprocess.Popen(  # noqa: S603 - a fixed command line
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    import redis  # noqa: PLC0415 - only callers that start Redis need it

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with suppress(redis.RedisError):
            if redis.Redis(port=port, socket_connect_timeout=0.5).ping():
                return process
        time.sleep(0.05)
    stop(process)
    raise RuntimeError(f"redis-server on port {port} did not start")


def prepare_database(url: str, media: Path) -> dict:
    """Migrate an empty database and add a district (青山区) with two cadres (`learn`,
    `other`), a system administrator (`admin`), all with the tests' password, and the sample
    course 公文写作基础: {"lecture": its first lecture's id, "course": its slug}."""
    from flask_migrate import upgrade  # noqa: PLC0415 - the app's modules, loaded on demand
    from sqlalchemy import select  # noqa: PLC0415

    from lms import create_app  # noqa: PLC0415
    from lms.auth.models import User  # noqa: PLC0415
    from lms.auth.passwords import hash_password  # noqa: PLC0415
    from lms.catalog.models import Activity  # noqa: PLC0415
    from lms.catalog.package_files import open_package  # noqa: PLC0415
    from lms.catalog.packages import import_package  # noqa: PLC0415
    from lms.extensions import db  # noqa: PLC0415
    from lms.org import services  # noqa: PLC0415
    from lms.org.models import CadreProfile, RoleGrant  # noqa: PLC0415

    prep = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "prep",
                       "LMS_MEDIA_DIR": str(media), "RATELIMIT_STORAGE_URI": "memory://"})
    digest = hash_password(PASSWORD)
    with prep.app_context():
        upgrade()
        unit = services.create_unit("QU", "青山区", "district", None)
        for username in ("learn", "other"):
            user = User(username=username, name=f"学员{username}", password_hash=digest)
            db.session.add_all([user, CadreProfile(user=user, unit=unit, rank="section"),
                                RoleGrant(user=user, role="learner", unit=unit)])
        admin = User(username="admin", name="管理员", password_hash=digest)
        db.session.add_all([admin, RoleGrant(user=admin, role="sysadmin", unit=None)])
        db.session.commit()
        with open_package(COURSE) as files:
            slug = import_package(files).course.slug
        lecture = db.session.scalar(select(Activity.id).filter_by(key="gaishu"))
        db.session.remove()
        db.engine.dispose()  # closes every connection: callers may drop the database
    return {"lecture": lecture, "course": slug}


def redis_client(port: int):
    """A client of the Redis on 127.0.0.1:`port`."""
    import redis  # noqa: PLC0415 - only callers that use Redis need it

    return redis.Redis(port=port, socket_connect_timeout=1)


class Browser:
    """One person's browser: cookies (shared by every port of 127.0.0.1, as one site behind a
    balancer), the CSRF token of the last page, no redirects followed."""

    def __init__(self) -> None:
        self.http = requests.Session()
        self.csrf = ""
        self.seq = 0  # the last heartbeat sequence number this browser sent

    def get(self, url: str) -> requests.Response:
        response = self.http.get(url, allow_redirects=False, timeout=30)
        found = _CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, url: str, data: dict | None = None) -> requests.Response:
        return self.http.post(url, data={**(data or {}), "csrf_token": self.csrf},
                              allow_redirects=False, timeout=30)

    def post_json(self, url: str, body: dict) -> requests.Response:
        return self.http.post(url, json=body, headers={"X-CSRFToken": self.csrf},
                              allow_redirects=False, timeout=30)

    def sign_in(self, base: str, username: str, password: str) -> requests.Response:
        self.get(f"{base}/login")
        response = self.post(f"{base}/login", {"username": username, "password": password})
        if response.status_code == 302:
            self.get(f"{base}/")  # a page of the signed-in session: its CSRF token
        return response

    def close(self) -> None:
        self.http.close()

    def cookies(self) -> dict[str, str]:
        return self.http.cookies.get_dict()

    def with_cookies(self, cookies: dict[str, str]) -> Browser:
        """Another browser holding a copy of these cookies (a second tab, a copied cookie)."""
        other = Browser()
        for name, value in cookies.items():
            other.http.cookies.set(name, value)
        other.csrf = self.csrf
        return other
