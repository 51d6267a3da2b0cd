"""The interface every file store offers, and what the stores share: digests, spooling."""
from __future__ import annotations

import hashlib
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

CHUNK = 1024 * 1024
_HEX = frozenset("0123456789abcdef")


class TooLarge(ValueError):
    """The file is larger than the limit it was stored under."""


class Unavailable(RuntimeError):
    """The store cannot be reached (object storage down, credentials refused)."""


def is_digest(value: str) -> bool:
    """Whether `value` is a SHA-256 digest as the stores name files (64 lowercase hex)."""
    return len(value) == 64 and set(value) <= _HEX


def checked(sha256: str) -> str:
    """`sha256` itself; ValueError when it is not a digest (so no name ever escapes a store)."""
    if not is_digest(sha256):
        raise ValueError("not a SHA-256 digest")
    return sha256


class Storage(ABC):
    """Content-addressed files: stored once per SHA-256 digest, never changed, named
    `ab/abcdef…` (the digest's first two characters, then the digest)."""

    name: str

    def store(self, chunks: Iterable[bytes], limit: int | None = None,
              expect: str | None = None) -> tuple[str, int]:
        """Stream data into the store; returns (sha256, size). The data is spooled to a
        temporary file (bounded memory) while it is hashed; identical files are kept once.
        TooLarge past `limit` bytes; ValueError, nothing stored, when `expect` is given and
        the digest differs."""
        digest, size = hashlib.sha256(), 0
        fd, name = tempfile.mkstemp(dir=self._spool_dir(), prefix=".upload-")
        spool = Path(name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    size += len(chunk)
                    if limit is not None and size > limit:
                        raise TooLarge("file too large")
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            if expect is not None and sha != expect:
                raise ValueError(f"the data does not match its digest {expect}")
            self._keep(spool, sha, size)
        finally:
            spool.unlink(missing_ok=True)
        return sha, size

    def store_stream(self, stream: BinaryIO, limit: int | None = None) -> tuple[str, int]:
        """Store a file-like object read in chunks (TooLarge, a ValueError, past `limit`)."""
        return self.store(iter(lambda: stream.read(CHUNK), b""), limit)

    def exists(self, sha256: str) -> bool:
        return self.size(sha256) is not None

    def local_path(self, sha256: str) -> Path | None:
        """The file on this machine's disk, when the store keeps it there."""
        return None

    @abstractmethod
    def _spool_dir(self) -> str | None:
        """Where uploads are spooled before they are kept (None: the system's temp folder)."""

    @abstractmethod
    def _keep(self, spool: Path, sha256: str, size: int) -> None:
        """Keep the spooled file under its digest (it may already be there)."""

    @abstractmethod
    def size(self, sha256: str) -> int | None:
        """The file's size in bytes, None when it is not stored."""

    @abstractmethod
    def chunks(self, sha256: str, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        """The bytes from `start` up to `stop` (the end when None), streamed in chunks."""

    @abstractmethod
    def open(self, sha256: str) -> BinaryIO:
        """A seekable reader for small reads anywhere (file headers); FileNotFoundError."""

    @abstractmethod
    def digests(self) -> Iterator[str]:
        """Every stored file's digest, in order."""
