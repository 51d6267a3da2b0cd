"""Files in a folder on this machine (`LMS_MEDIA_DIR`), laid out as `ab/<sha256>`."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from lms.core.storage.base import CHUNK, Storage, checked, is_digest

# The process's umask, read once at import (reading it means setting it, which is not safe
# while other threads create files).
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class LocalStorage(Storage):
    name = "local"

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, sha256: str) -> Path:
        """Where the file with this digest lives (inside the folder, whatever the input)."""
        return self.root / checked(sha256)[:2] / sha256

    def local_path(self, sha256: str) -> Path | None:
        return self.path(sha256)

    def _spool_dir(self) -> str:
        self.root.mkdir(parents=True, exist_ok=True)  # on the same disk: kept by a rename
        return str(self.root)

    def _keep(self, spool: Path, sha256: str, size: int) -> None:
        final = self.path(sha256)
        final.parent.mkdir(exist_ok=True)
        # mkstemp made the spool readable by its owner only; a kept file gets the process's
        # umask like any other file, so nginx (X-Accel-Redirect) can read it through its group.
        os.chmod(spool, 0o666 & ~_UMASK)
        os.replace(spool, final)

    def size(self, sha256: str) -> int | None:
        path = self.path(sha256)
        return path.stat().st_size if path.is_file() else None

    def chunks(self, sha256: str, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        with self.path(sha256).open("rb") as f:
            f.seek(start)
            left = None if stop is None else stop - start
            while left is None or left > 0:
                block = f.read(CHUNK if left is None else min(CHUNK, left))
                if not block:
                    return
                if left is not None:
                    left -= len(block)
                yield block

    def open(self, sha256: str) -> BinaryIO:
        return self.path(sha256).open("rb")

    def digests(self) -> Iterator[str]:
        for folder in sorted(self.root.glob("??")):  # one folder's names in memory at a time
            for path in sorted(folder.iterdir()):
                if is_digest(path.name) and folder.name == path.name[:2] and path.is_file():
                    yield path.name
