"""A stream of chunks read as a file (for APIs that read files: tarfile, shutil)."""
from __future__ import annotations

import io
from collections.abc import Iterable


class ChunkReader(io.RawIOBase):
    """Reads the chunks of an iterable in order, holding at most one of them."""

    def __init__(self, chunks: Iterable[bytes]):
        super().__init__()
        self._chunks, self._left = iter(chunks), memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._left:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._left = memoryview(chunk)
        n = min(len(buffer), len(self._left))
        buffer[:n], self._left = self._left[:n], self._left[n:]
        return n

    def close(self) -> None:
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        super().close()
