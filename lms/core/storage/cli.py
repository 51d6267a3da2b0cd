"""`flask media …`: moving stored files between stores, and checking them."""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms.core.storage import Unavailable, storage
from lms.core.storage.local import LocalStorage

media_cli = AppGroup("media", help="Stored files: copy the local folder to S3, verify.")


@media_cli.command("copy-to-s3")
@click.option("--source", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="The local media folder (default: LMS_MEDIA_DIR).")
def copy_to_s3(source: Path | None) -> None:
    """Copy every file of the local media folder into the configured S3 bucket.

    Safe to run again, also while the app runs: an object already there (same size) is
    skipped, and each file is checked against its name (its digest) before it is uploaded.
    """
    target = storage()
    if target.name != "s3":
        click.echo("LMS_MEDIA_STORAGE is not s3: set the LMS_S3_* settings first "
                   "(docs/storage.md)", err=True)
        sys.exit(1)
    local = LocalStorage(source or current_app.config["LMS_MEDIA_DIR"])
    copied = present = 0
    damaged: list[str] = []
    try:
        for sha in local.digests():
            if target.size(sha) == local.size(sha):
                present += 1
                continue
            try:
                target.store(local.chunks(sha), expect=sha)
            except ValueError:
                damaged.append(sha)
                continue
            copied += 1
    except Unavailable as exc:
        click.echo(f"stopped: {exc} (run the command again to go on)", err=True)
        sys.exit(1)
    click.echo(f"media copy-to-s3: {copied} copied, {present} already there, "
               f"{len(damaged)} damaged (not copied)")
    for sha in damaged:
        click.echo(f"damaged: {local.path(sha)} does not match its digest", err=True)
    if damaged:
        sys.exit(1)


@media_cli.command("verify")
def verify() -> None:
    """Read every stored file back and check it against its digest (reads the whole store)."""
    store, good, bad = storage(), 0, []
    for sha in store.digests():
        digest = hashlib.sha256()
        for chunk in store.chunks(sha):
            digest.update(chunk)
        if digest.hexdigest() == sha:
            good += 1
        else:
            bad.append(sha)
    click.echo(f"media verify ({store.name}): {good} files match their digest, {len(bad)} do not")
    for sha in bad:
        click.echo(f"damaged: {sha}", err=True)
    if bad:
        sys.exit(1)
