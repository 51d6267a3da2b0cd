"""Uploads a job reads: stored content-addressed before the job is queued (the worker may be
another machine, so never a path in the web process's temp folder), and read back by the job
from the same store. The one place that touches the media store for them."""
from __future__ import annotations

from typing import BinaryIO

from lms.core.storage import storage


class UploadGone(LookupError):
    """The stored upload is no longer in the media store."""


def keep(data: bytes) -> str:
    """Store an upload's bytes; its SHA-256, which the job's params carry."""
    sha, _size = storage().store([data])
    return sha


def keep_stream(stream: BinaryIO, limit: int) -> tuple[str, int]:
    """Store a large upload as it is read (ValueError when over `limit` bytes); (sha, size)."""
    return storage().store_stream(stream, limit)


def read(sha: str) -> bytes:
    """The stored upload's bytes (UploadGone when it is not there)."""
    try:
        with storage().open(sha) as fh:
            return fh.read()
    except (ValueError, OSError) as exc:
        raise UploadGone(sha) from exc


def opened(sha: str) -> BinaryIO:
    """The stored upload as a binary file to read (a zip is read in place, not in memory);
    UploadGone when it is not there. The caller closes it."""
    try:
        return storage().open(sha)
    except (ValueError, OSError) as exc:
        raise UploadGone(sha) from exc
