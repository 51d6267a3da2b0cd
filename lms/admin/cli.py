"""`flask backup create FILE` and `flask backup restore FILE`: the whole platform (database and
stored files) in one file, taken while the application runs (`lms.admin.backup`)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from lms.admin import backup

backup_cli = AppGroup("backup", help="Backup and restore (database and stored files).")


@backup_cli.command("create")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def create(file: Path) -> None:
    """Write a backup to FILE (.tar.gz); refuses to overwrite a file."""
    if file.exists():
        click.echo(f"{file} exists: choose a new name", err=True)
        sys.exit(1)
    partial = file.with_name(file.name + ".partial")
    with partial.open("wb") as out:
        counts = backup.create(out)
    partial.replace(file)
    click.echo(f"backup: {sum(v for k, v in counts.items() if k != 'files')} rows in "
               f"{len(counts) - 1} tables, {counts['files']} files → {file}")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore(file: Path) -> None:
    """Restore FILE into this database (new, after `db upgrade`) and media folder."""
    try:
        with file.open("rb") as source:
            counts = backup.restore(source)
    except backup.BackupError as exc:
        click.echo(f"restore refused: {exc}", err=True)
        sys.exit(1)
    click.echo(f"restore: {sum(v for k, v in counts.items() if k != 'files')} rows in "
               f"{len(counts) - 1} tables, {counts['files']} files")
