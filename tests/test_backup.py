"""Backup and restore round trip: the demo platform (records with their chain, evidence files,
courses' media, training classes) written to one file and restored into a new database and
media folder gives the same rows and files, `records verify` passes there, and a second
restore into the now non-empty database is refused with nothing written."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select, text

from lms import create_app
from lms.core.storage import storage
from lms.extensions import db
from tests.conftest import empty_database


@pytest.fixture
def second(app, db_url, tmp_path) -> Iterator[Flask]:
    """A second platform on a new, migrated database and an empty media folder."""
    target = empty_database(db_url, tmp_path, "restore")
    other = create_app({**{k: app.config[k] for k in (
        "TESTING", "SECRET_KEY", "WTF_CSRF_ENABLED", "RATELIMIT_STORAGE_URI", "LMS_SMTP_HOST")},
        "SQLALCHEMY_DATABASE_URI": target, "LMS_MEDIA_DIR": str(tmp_path / "media")})
    with other.app_context():
        upgrade()
    yield other
    with other.app_context():
        db.engine.dispose()


def _counts(flask_app: Flask) -> dict[str, int]:
    with flask_app.app_context():
        return {t.name: db.session.scalar(select(func.count()).select_from(t))
                for t in db.metadata.sorted_tables}


def _files(flask_app: Flask) -> list[str]:
    with flask_app.app_context():
        return list(storage().digests())


def test_a_backup_restores_into_a_new_platform_and_verifies(app, second, tmp_path):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "records"]).exit_code == 0
    file = tmp_path / "platform.tar.gz"
    made = runner.invoke(args=["backup", "create", str(file)])
    assert made.exit_code == 0, made.output
    assert runner.invoke(args=["backup", "create", str(file)]).exit_code == 1  # no overwrite

    restorer = second.test_cli_runner()
    done = restorer.invoke(args=["backup", "restore", str(file)])
    assert done.exit_code == 0, done.output
    before, after = _counts(app), _counts(second)
    assert after == before
    assert before["record_entries"] and before["record_evidence"] and before["training_classes"]
    assert _files(second) == _files(app) != []
    verified = restorer.invoke(args=["records", "verify"])
    assert verified.exit_code == 0, verified.output

    again = restorer.invoke(args=["backup", "restore", str(file)])
    assert again.exit_code == 1 and "not empty" in again.output
    assert _counts(second) == before  # nothing written


def test_a_file_that_is_no_backup_is_refused(second, tmp_path):
    junk = tmp_path / "notes.tar.gz"
    junk.write_bytes(b"not a backup at all")
    refused = second.test_cli_runner().invoke(args=["backup", "restore", str(junk)])
    assert refused.exit_code == 1 and "not a backup" in refused.output


def test_a_write_during_the_backup_is_not_half_in_it(app, second, tmp_path, monkeypatch):
    """The backup is one moment of the database: a notice committed by the running app while
    the tables are being read is in neither the backup nor its restore."""
    from lms.admin import backup
    from lms.progress.models import Notice

    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    before = _counts(app)["notices"]
    reading, wrote = backup._rows, []

    def rows_then_write(conn, table, batch=2000):
        if not wrote:  # the app commits while the first table is read
            with app.app_context(), db.engine.begin() as other:
                user_id = other.execute(text("SELECT MIN(id) FROM users")).scalar()
                other.execute(Notice.__table__.insert().values(
                    user_id=user_id, kind="other", message="写于备份之时", link=""))
            wrote.append(True)
        yield from reading(conn, table, batch)

    monkeypatch.setattr(backup, "_rows", rows_then_write)
    file = tmp_path / "moment.tar.gz"
    assert runner.invoke(args=["backup", "create", str(file)]).exit_code == 0
    assert _counts(app)["notices"] == before + 1  # the write went through, nothing waited
    assert second.test_cli_runner().invoke(args=["backup", "restore", str(file)]).exit_code == 0
    assert _counts(second)["notices"] == before
