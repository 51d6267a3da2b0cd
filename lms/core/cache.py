"""A small in-process cache for read-mostly snapshots whose keys carry their own version.

Keys must change whenever the data changes (e.g. include a row's version and update time), so
entries never need invalidating; old ones simply age out. Because the version is read from the
database, every app instance sees a change at its next request: the cache stays per process,
even with Redis (docs/shared-state.md).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class LRU:
    """A thread-safe least-recently-used mapping of at most `size` entries."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_build(self, key: Hashable, build: Callable[[], T]) -> T:
        """The cached value for `key`, building (outside the lock) and storing it if absent."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]  # type: ignore[return-value]
        value = build()
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
