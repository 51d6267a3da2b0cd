"""`flask questions ...`: import questions into the bank (GIFT, Aiken, .xlsx or .csv
spreadsheets) and export as GIFT."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from lms.assessment.importer import (
    FORMATS,
    QuestionImportError,
    export_gift,
    format_for,
    import_file,
)
from lms.catalog.queries import course_by_slug

questions_cli = AppGroup("questions", help="The question bank.")


def _course_id(slug: str | None) -> int | None:
    if slug is None:
        return None
    course = course_by_slug(slug)
    if course is None:
        raise click.ClickException(f"no course {slug}")
    return course.id


@questions_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "slug", help="The course's bank (default: the shared bank).")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="gift, aiken or xlsx (default: from the suffix: .gift, .aiken, or .xlsx "
                   "and .csv for xlsx).")
def import_cmd(path: Path, slug: str | None, fmt: str | None) -> None:
    """Import every question of a file, or none if any is malformed."""
    course_id = _course_id(slug)
    try:
        count = import_file(path.read_bytes(), path.name, format_for(path.name, fmt), course_id)
    except QuestionImportError as exc:
        for line, message in exc.problems:
            click.echo(f"{path.name}:{line}: {message}" if line else f"{path.name}: {message}",
                       err=True)
        raise click.ClickException(
            f"{len(exc.problems)} problem(s); nothing was imported") from exc
    click.echo(f"imported {count} questions")


@questions_cli.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--course", "slug", help="The course's bank (default: the shared bank).")
def export_cmd(out: Path, slug: str | None) -> None:
    """Write a bank as a GIFT file."""
    out.write_text(export_gift(_course_id(slug)), encoding="utf-8")
    click.echo(str(out))
