"""`flask courses ...`: import, sync and export course packages."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from lms import ROOT
from lms.catalog.package_files import PackageError, open_package
from lms.catalog.packages import export_package, import_package
from lms.catalog.queries import course_by_slug

courses_cli = AppGroup("courses", help="Course packages.")


def _import(path: Path, draft: bool) -> str:
    try:
        with open_package(path) as files:
            result = import_package(files, new_status="draft" if draft else "published")
    except PackageError as exc:
        for problem in exc.problems:
            click.echo(f"{path.name}: {problem}", err=True)
        raise click.ClickException(
            f"{len(exc.problems)} problem(s); nothing was imported") from exc
    state = "created" if result.created else (
        f"unchanged (version {result.version})" if result.unchanged
        else f"updated to version {result.version}")
    click.echo(f"{result.course.title}: {state}"
               + (f"; retired {', '.join(result.retired)}" if result.retired else ""))
    for warning in result.warnings:
        click.echo(f"{path.name}: WARNING: {warning}", err=True)
    return result.course.slug


@courses_cli.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--draft", is_flag=True, help="Import a new course as a draft, not published.")
def import_cmd(path: Path, draft: bool) -> None:
    """Import a course package (a folder or a .zip); prints the slug last."""
    click.echo(_import(path, draft))


@courses_cli.command("sync")
@click.option("--folder", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=ROOT / "courses", show_default=True)
def sync(folder: Path) -> None:
    """Import every package folder in `courses/` (unchanged courses stay as they are)."""
    failed = 0
    for path in sorted(p for p in folder.iterdir() if (p / "course.toml").is_file()):
        try:
            _import(path, draft=False)
        except click.ClickException as exc:
            click.echo(f"{path.name}: {exc.message}", err=True)
            failed += 1
    if failed:
        raise click.ClickException(f"{failed} package(s) refused")


@courses_cli.command("export")
@click.argument("slug")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
def export(slug: str, out: Path) -> None:
    """Write the course SLUG as a package zip to OUT."""
    course = course_by_slug(slug)
    if course is None:
        raise click.ClickException(f"no course {slug!r}")
    out.write_bytes(export_package(course))
    click.echo(f"wrote {out}")
