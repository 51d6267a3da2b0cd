"""Fixtures: the app on a real database (SQLite, or TEST_DATABASE_URL), factories, sign-in."""
from __future__ import annotations

import io
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, make_url, text

from lms import create_app
from lms.auth.models import User
from lms.auth.passwords import hash_password
from lms.core import allowances
from lms.extensions import db
from lms.org import services
from lms.org.models import CadreProfile, Category, RoleGrant, Unit

PASSWORD = "Correct-horse-42"
_HASH = hash_password(PASSWORD)  # hashing is slow by design: hash once for every test user
KEEP = {"alembic_version", "categories", "subject_categories"}  # reference data of migrations


def _reset_schema(url: str) -> None:
    """Start from an empty database, so the migrations themselves are under test."""
    if url.startswith("postgresql"):
        db.session.execute(text("DROP SCHEMA public CASCADE"))
        db.session.execute(text("CREATE SCHEMA public"))
        db.session.commit()


def _worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker gets a database of its own, `<db>_<worker>`, created on
    the server of TEST_DATABASE_URL when missing (SQLite lives in a per-worker tmp dir)."""
    base = make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                 {"name": own.database})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{own.database}"'))
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... under `pytest -n`
    return _worker_database(url, worker) if worker else url


@pytest.fixture(scope="session")
def app(db_url, tmp_path_factory) -> Iterator[Flask]:
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "LMS_MEDIA_DIR": str(tmp_path_factory.mktemp("media")),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LMS_PRESENCE_CHECK_MINUTES": 0,  # presence checks only where a test asks for them
        "LMS_SMTP_HOST": "",  # no e-mail but to the loopback server of tests/test_email.py
        "LMS_JOBS_MODE": "inline",  # a job a page starts has run when the page answers
    })
    with app.app_context():
        _reset_schema(db_url)
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()  # close pooled connections before the interpreter exits


# The sequences behind the id columns of the given tables, back to 1.
_RESTART_SEQUENCES = text(
    "SELECT setval(s.oid, 1, false) FROM pg_class s"
    " JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')"
    " JOIN pg_class t ON t.oid = d.refobjid"
    " WHERE s.relkind = 'S' AND t.relname = ANY(:names)")


@pytest.fixture(autouse=True)
def _clean(app) -> Iterator[None]:
    """Every test starts with empty tables (reference data kept) and no login failures."""
    yield
    with app.app_context():
        db.session.rollback()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP]
        if db.engine.dialect.name == "postgresql":
            # The audit log's trigger refuses DELETE (append-only); between tests the test
            # database's owner empties it with triggers off, as a restore would.
            db.session.execute(text("SET LOCAL session_replication_role = replica"))
        for table in tables:  # DELETE, not TRUNCATE: on PostgreSQL that costs ~0.5 s a test
            db.session.execute(table.delete())
        if db.engine.dialect.name == "postgresql":  # ids start again at 1, as on SQLite
            db.session.execute(_RESTART_SEQUENCES, {"names": [t.name for t in tables]})
        db.session.commit()
        allowances.reset()
    from lms.catalog import outline, views

    outline._outlines.clear()  # snapshots keyed on rows that the next test will recreate
    views._catalogue_pages.clear()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


# ---- factories ---------------------------------------------------------------------------

@pytest.fixture
def make_unit(app):
    def make(code: str, name: str | None = None, kind: str = "street",
             parent: str | None = None) -> int:
        with app.app_context():
            parent_unit = services.unit_by_code(parent) if parent else None
            return services.create_unit(code, name or code, kind, parent_unit).id
    return make


@pytest.fixture
def make_user(app):
    """Create a user holding `role` over `unit` (a code); a unit gives a cadre profile."""

    def make(username: str, role: str = "learner", unit: str | None = None, *,
             name: str | None = None, rank: str = "section", categories: tuple[str, ...] = (),
             birth_date: date | None = date(1988, 5, 12), active: bool = True) -> int:
        with app.app_context():
            user = User(username=username, name=name or username, password_hash=_HASH,
                        is_active_flag=active)
            db.session.add(user)
            the_unit = services.unit_by_code(unit) if unit else None
            if the_unit is not None:
                cats = [c for c in services.categories() if c.code in categories]
                db.session.add(CadreProfile(user=user, unit=the_unit, rank=rank,
                                            birth_date=birth_date, categories=cats))
                db.session.add(RoleGrant(user=user, role="learner", unit=the_unit))
            if role != "learner" or the_unit is None:
                db.session.add(RoleGrant(user=user, role=role, unit=the_unit))
            db.session.commit()
            return user.id
    return make


@pytest.fixture
def district(make_unit, make_user) -> dict[str, int]:
    """A small district: QU → JD01 (→ JD01-SQ01), JD02; one account per role; two cadres."""
    make_unit("QU", "青山区", "district")
    make_unit("JD01", "城关街道", "street", "QU")
    make_unit("JD01-SQ01", "解放路社区", "community", "JD01")
    make_unit("JD02", "东湖街道", "street", "QU")
    return {
        "sysadmin": make_user("sys", "sysadmin"),
        "org_admin": make_user("org", "org_admin", "QU"),
        "unit_admin": make_user("ua1", "unit_admin", "JD01"),
        "unit_admin2": make_user("ua2", "unit_admin", "JD02"),
        "lecturer": make_user("lect", "lecturer", "JD01"),
        "learner": make_user("learn", "learner", "JD01-SQ01", name="李学员"),
        "cadre_jd01": make_user("c1", "learner", "JD01", name="王一"),
        "cadre_jd02": make_user("c2", "learner", "JD02", name="赵二"),
    }


@pytest.fixture
def page_queries(app):
    """GET a page with a client; return (SQL statements it ran, response bytes)."""

    def run(client: FlaskClient, url: str) -> tuple[int, int]:
        with app.app_context(), own_statements(db.engine) as statements:
            response = client.get(url)
        assert response.status_code == 200, url
        return len(statements), len(response.data)
    return run


@contextmanager
def own_statements(engine) -> Iterator[list[str]]:
    """The SQL statements this thread runs meanwhile. Only this thread's: a browser test's
    live server may still be answering a page's timers on another."""
    from sqlalchemy import event

    statements: list[str] = []
    me = threading.get_ident()

    def count(_conn, _cursor, statement, *_args) -> None:
        if threading.get_ident() == me:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


_CSRF_INPUT = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*>')


def without_csrf(html: str) -> str:
    """A page with its CSRF token inputs blanked: a token carries the second it was signed
    in, so two renderings of one page differ there and nowhere else."""
    return _CSRF_INPUT.sub('<input name="csrf_token">', html)


class Auth:
    """Signs a test client in and out through the real login form."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def login(self, username: str, password: str = PASSWORD, **kwargs):
        return self.client.post("/login", data={"username": username, "password": password},
                                **kwargs)

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


@pytest.fixture
def category_ids(app) -> dict[str, int]:
    with app.app_context():
        return {c.code: c.id for c in db.session.scalars(db.select(Category))}


@pytest.fixture
def unit_ids(app):
    def ids() -> dict[str, int]:
        with app.app_context():
            return {u.code: u.id for u in db.session.scalars(db.select(Unit))}
    return ids


# ---- courses -----------------------------------------------------------------------------

COURSES = Path(__file__).resolve().parent.parent / "courses"


@pytest.fixture
def import_course(app):
    """Import a package (folder, zip path or bytes) as the command line does; returns the slug."""
    from lms.catalog.package_files import open_package, open_zip
    from lms.catalog.packages import import_package

    def run(source, **kwargs) -> str:
        with app.app_context():
            if isinstance(source, bytes):
                files = open_zip(io.BytesIO(source))
            else:
                files = open_package(Path(source))
            with files:
                return import_package(files, **kwargs).course.slug
    return run


@pytest.fixture
def sample_courses(make_unit, make_user, import_course) -> list[str]:
    """The three sample courses, published, with the demo lecturer and a learner."""
    make_unit("QU", "青山区", "district")
    make_user("lecturer", "lecturer", "QU", name="党校教师")
    make_user("learn", "learner", "QU", name="李学员")
    make_user("org", "org_admin", "QU")
    return [import_course(COURSES / name) for name in
            ("gongwen-xiezuo", "tufa-shijian-yingji", "xinxi-baosong")]


def job_page(client: FlaskClient, response):
    """Where an upload that starts a job leads: the job's page (the job has run: tests run
    jobs at once); any other response as it is."""
    if response.status_code == 302 and "/jobs/" in response.location:
        return client.get(response.location)
    return response


@pytest.fixture
def held(monkeypatch) -> list[int]:
    """Jobs are queued but handed to nobody (as when every worker is busy or dead); the ids
    that would have been handed out, in order."""
    from lms.jobs import services, sweeper

    handed: list[int] = []
    for module in (services, sweeper):
        monkeypatch.setattr(module, "dispatch", lambda job_id: handed.append(job_id))
    return handed


def empty_database(db_url: str, tmp_path: Path, name: str) -> str:
    """The URL of a new, empty database beside the suite's: `<db>_<name>` on its PostgreSQL
    server (dropped first if left over), or a SQLite file in `tmp_path`."""
    if not db_url.startswith("postgresql"):
        return "sqlite:///" + str(tmp_path / f"{name}.sqlite3")
    url = make_url(db_url)
    url = url.set(database=f"{url.database}_{name}")
    admin = create_engine(make_url(db_url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}"'))
            conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    finally:
        admin.dispose()
    return url.render_as_string(hide_password=False)
