"""Backup and restore of the whole platform: every table and every stored file, in one
.tar.gz, consistent while the application runs.

- The tables are read in one snapshot (PostgreSQL: a read-only `REPEATABLE READ` transaction;
  SQLite: a page copy by the online backup API), table by table in primary-key order,
  streamed as JSON lines.
- Stored files are content-addressed and never change (`core.storage`, the local folder or
  an S3 bucket): every file a row of the snapshot refers to was stored before that row
  committed, so copying the store after the snapshot includes them all; a file no row
  refers to is harmless. A restore puts each missing file back into this platform's store
  (whichever it is), checked against its digest before it is kept.
- A restore goes into a database at the same migration and holding nothing but what the
  migrations seed; any other row refuses it, so a restore never mixes two platforms. The
  learning record's chain and the audit log come back byte for byte, so `records verify`
  passes after a restore made with the same key.
"""
from __future__ import annotations

import io
import json
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import Connection, Date, DateTime, Table, create_engine, func, select, text

from lms.core.storage import CHUNK, Unavailable, is_digest, storage
from lms.core.storage.chunks import ChunkReader
from lms.core.timeutil import utcnow
from lms.extensions import db

FORMAT = 1
# Rows the migrations write themselves (reference data and the two chains' heads): replaced.
SEEDED = ("categories", "subject_categories", "record_chain_head", "admin_audit_head")
SKIPPED = ("alembic_version",)  # the target's own, checked instead of copied


class BackupError(Exception):
    """A backup that cannot be restored here; the message says why."""


def _tables() -> list[Table]:
    return [t for t in db.metadata.sorted_tables if t.name not in SKIPPED]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _revision(conn: Connection) -> str:
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


@contextmanager
def _snapshot() -> Iterator[Connection]:
    """A connection whose every read sees one moment of the database. PostgreSQL: a
    read-only REPEATABLE READ transaction (writers go on). SQLite: the online backup API copies
    the file's pages into a temporary file (writers wait only for that copy), read at leisure."""
    engine = db.engine
    if engine.dialect.name != "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield conn
        return
    with tempfile.TemporaryDirectory() as folder:
        copy_path = Path(folder) / "snapshot.sqlite3"
        raw = engine.raw_connection()
        try:
            with sqlite3.connect(copy_path) as copy:
                raw.driver_connection.backup(copy)
        finally:
            raw.close()
        copy_engine = create_engine(f"sqlite:///{copy_path}")
        try:
            with copy_engine.connect() as conn:
                yield conn
        finally:
            copy_engine.dispose()


def _add(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), int(utcnow().timestamp())
    archive.addfile(info, io.BytesIO(data))


def _rows(conn: Connection, table: Table, batch: int = 2000) -> Iterator[bytes]:
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(yield_per=batch).execute(select(table).order_by(*order))
    for row in result:
        yield (json.dumps([_plain(v) for v in row], ensure_ascii=False) + "\n").encode()


def create(out: IO[bytes]) -> dict[str, int]:
    """Write the backup to `out`; returns the rows per table and the number of files."""
    counts: dict[str, int] = {}
    with _snapshot() as conn, tarfile.open(fileobj=out, mode="w:gz") as archive:
        revision = _revision(conn)
        for table in _tables():
            with tempfile.TemporaryFile() as spool:  # a table's size, not its rows, in memory
                n = 0
                for line in _rows(conn, table):
                    spool.write(line)
                    n += 1
                info = tarfile.TarInfo(f"tables/{table.name}.jsonl")
                info.size, info.mtime = spool.tell(), int(utcnow().timestamp())
                spool.seek(0)
                archive.addfile(info, spool)
            counts[table.name] = n
        files = _add_media(archive)
        manifest = {"format": FORMAT, "revision": revision, "created_at": utcnow().isoformat(),
                    "tables": counts, "columns": {t.name: [c.name for c in t.columns]
                                                   for t in _tables()},
                    "files": files}
        _add(archive, "manifest.json", json.dumps(manifest, ensure_ascii=False).encode())
    return {**counts, "files": files}


def _add_media(archive: tarfile.TarFile) -> int:
    """Copy every stored file into the archive, streamed chunk by chunk; returns how many."""
    store, files = storage(), 0
    for sha in store.digests():
        size = store.size(sha)
        if size is None:
            continue  # gone since it was listed (never happens to a file a row refers to)
        info = tarfile.TarInfo(f"media/{sha[:2]}/{sha}")
        info.size, info.mtime = size, int(utcnow().timestamp())
        with ChunkReader(store.chunks(sha)) as data:
            archive.addfile(info, data)
        files += 1
    return files


def _convert(table: Table, names: list[str], values: list) -> dict:
    row = {}
    for name, value in zip(names, values, strict=True):
        kind = table.c[name].type
        if value is not None and isinstance(kind, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(kind, Date):
            value = date.fromisoformat(value)
        row[name] = value
    return row


def _check_empty(conn: Connection) -> None:
    for table in _tables():
        if table.name in SEEDED:
            continue
        if conn.execute(select(func.count()).select_from(table)).scalar_one():
            raise BackupError(f"the database is not empty (table {table.name} has rows): "
                              "restore only into a new database after `db upgrade`")


def restore(source: IO[bytes], batch: int = 1000) -> dict[str, int]:
    """Restore a backup into this (empty, migrated) database and file store, all or
    nothing for the database (committed only once every file is stored and matches its
    digest); returns the rows per table and the number of files."""
    try:
        archive = tarfile.open(fileobj=source, mode="r:gz")  # noqa: SIM115 - closed below
        members = {m.name: m for m in archive.getmembers()}
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"not a backup file ({exc})") from exc
    with archive:
        if "manifest.json" not in members:
            raise BackupError("not a backup of this platform (no manifest.json)")
        manifest = json.load(archive.extractfile(members["manifest.json"]))
        if manifest.get("format") != FORMAT:
            raise BackupError(f"backup format {manifest.get('format')} is not {FORMAT}")
        counts: dict[str, int] = {}
        with db.engine.begin() as conn:
            if _revision(conn) != manifest["revision"]:
                raise BackupError(f"the database is at migration {_revision(conn)}, the backup "
                                  f"at {manifest['revision']}: run `db upgrade` to the same one")
            _check_empty(conn)
            for table in _tables():
                member = members.get(f"tables/{table.name}.jsonl")
                if member is None:
                    continue
                if table.name in SEEDED:
                    conn.execute(table.delete())
                names = manifest["columns"][table.name]
                rows, n = [], 0
                for line in archive.extractfile(member):
                    rows.append(_convert(table, names, json.loads(line)))
                    if len(rows) >= batch:
                        conn.execute(table.insert(), rows)
                        n, rows = n + len(rows), []
                if rows:
                    conn.execute(table.insert(), rows)
                    n += len(rows)
                counts[table.name] = n
            if conn.dialect.name == "postgresql":
                _restart_sequences(conn)
            # Inside the transaction: a damaged file leaves the database as it was.
            files = _restore_media(archive, members)
    return {**counts, "files": files}


def _restart_sequences(conn: Connection) -> None:
    """Each id sequence continues after the restored rows."""
    for table in _tables():
        column = table.c.get("id")
        if column is None or not column.autoincrement:
            continue
        top = conn.execute(select(func.max(column))).scalar() or 0
        sequence = func.pg_get_serial_sequence(table.name, "id")
        conn.execute(select(func.setval(sequence, top + 1, False)))


def _restore_media(archive: tarfile.TarFile, members: dict) -> int:
    """Store each file that is missing, checked against its name (its digest) first."""
    store, files = storage(), 0
    for name, member in members.items():
        if not name.startswith("media/") or not member.isfile():
            continue
        digest = PurePosixPath(name).name
        if not is_digest(digest):
            raise BackupError(f"{name} is not named by its digest: the backup is damaged")
        try:
            if store.exists(digest):
                continue
            with archive.extractfile(member) as data:
                store.store(iter(lambda d=data: d.read(CHUNK), b""), expect=digest)
        except Unavailable as exc:
            raise BackupError(f"the file store cannot be reached: {exc}") from exc
        except ValueError as exc:
            raise BackupError(f"{name} does not match its digest: the backup is "
                              "damaged") from exc
        files += 1
    return files
