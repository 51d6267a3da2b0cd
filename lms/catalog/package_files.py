"""Reading a course package from a folder or a zip, refusing anything unsafe."""
from __future__ import annotations

import hashlib
import lzma
import os
import posixpath
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _

from lms.activities.base import Problem

MAX_FILES = 500
MAX_FILE = 50 * 1024 * 1024
MAX_MEDIA_FILE = 1024 * 1024 * 1024
MAX_TOTAL = 2 * 1024 * 1024 * 1024
STREAM_SUFFIXES = (".mp4", ".webm", ".mp3", ".m4a", ".ogg", ".wav")
CHUNK = 1024 * 1024
MAX_RATIO = 100  # a file that unpacks to more than 100 times its packed size is a bomb
RATIO_FLOOR = 1024 * 1024  # ... once it unpacks to more than this (tiny files pack oddly)
MAX_DIRECTORY = 16 * 1024 * 1024  # bytes of the zip's central directory, read before a check
# What a damaged, crafted or unsupported zip raises from zipfile and its decompressors.
ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError,
              NotImplementedError, RuntimeError, ValueError, struct.error, OverflowError)


class PackageError(ValueError):
    """The package is refused; `problems` lists every reason (file and line where known)."""

    def __init__(self, problems: list[Problem | str]) -> None:
        self.problems = [p if isinstance(p, Problem) else Problem(str(p)) for p in problems]
        super().__init__("; ".join(str(p) for p in self.problems))


def clean_path(name: str) -> str | None:
    """A safe package-relative POSIX path, or None for absolute paths, `..` or drive letters."""
    name = name.replace("\\", "/")
    if not name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if not parts or any(p == ".." for p in parts):
        return None
    return "/".join(parts)


def size_limit(path: str) -> int:
    return MAX_MEDIA_FILE if path.lower().endswith(STREAM_SUFFIXES) else MAX_FILE


@dataclass
class _Entry:
    size: int
    zip_name: str | None = None
    disk_path: Path | None = None


class PackageFiles:
    """The files of a package by relative path; reading streams and enforces the limits."""

    def __init__(self, entries: dict[str, _Entry], zf: zipfile.ZipFile | None = None):
        self.entries = entries
        self.zf = zf

    def __contains__(self, path: str) -> bool:
        return path in self.entries

    def paths(self) -> list[str]:
        return sorted(self.entries)

    def chunks(self, path: str) -> Iterator[bytes]:
        """The file's bytes in chunks; stops with PackageError beyond the file's limit, or
        when the zip entry is damaged (a bad checksum, a size its header does not declare)."""
        limit, total = size_limit(path), 0
        try:
            with self._open(path) as fh:
                while block := fh.read(CHUNK):
                    total += len(block)
                    if total > limit:
                        raise PackageError([_("%(file)s is larger than allowed.", file=path)])
                    yield block
            entry = self.entries[path]
            if entry.zip_name is not None and total != entry.size:
                raise _damaged(path)  # the header declared another size
        except PackageError:
            raise
        except ZIP_ERRORS as exc:
            raise _damaged(path) from exc

    def digest(self) -> str:
        """A SHA-256 over every path and content: equal digests mean an unchanged package."""
        total = hashlib.sha256()
        for path in self.paths():
            total.update(path.encode() + b"\0")
            for block in self.chunks(path):
                total.update(block)
            total.update(b"\0")
        return total.hexdigest()

    def read(self, path: str) -> bytes:
        return b"".join(self.chunks(path))

    def head(self, path: str, size: int = 32) -> bytes:
        try:
            with self._open(path) as fh:
                return fh.read(size)
        except ZIP_ERRORS as exc:
            raise _damaged(path) from exc

    def _open(self, path: str) -> BinaryIO:
        entry = self.entries[path]
        if entry.zip_name is not None:
            return self.zf.open(entry.zip_name)
        return open(entry.disk_path, "rb")  # noqa: SIM115 - the caller closes it

    def close(self) -> None:
        if self.zf is not None:
            self.zf.close()

    def __enter__(self) -> PackageFiles:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _damaged(path: str) -> PackageError:
    return PackageError([_("%(file)s is damaged in the zip (its checksum or size does not "
                           "match); zip the package again.", file=path)])


def _declared_directory(source) -> None:
    """Refuse a zip whose end record declares more entries or a larger central directory than
    a package may have, before zipfile reads (and keeps in memory) that directory."""
    fp = open(source, "rb") if isinstance(source, str | os.PathLike) else source  # noqa: SIM115
    try:
        start = fp.tell()
        end = zipfile._EndRecData(fp)  # the end record only: a few bytes from the end
        fp.seek(start)
    except ZIP_ERRORS as exc:
        raise PackageError([_("The file is not a valid zip archive.")]) from exc
    finally:
        if fp is not source:
            fp.close()
    if end is None:
        raise PackageError([_("The file is not a valid zip archive.")])
    if end[zipfile._ECD_ENTRIES_TOTAL] > 4 * MAX_FILES or end[zipfile._ECD_SIZE] > MAX_DIRECTORY:
        raise PackageError([_("The package has more than %(n)d files.", n=MAX_FILES)])


def _check_totals(entries: dict[str, _Entry], problems: list[str]) -> None:
    if len(entries) > MAX_FILES:
        problems.append(_("The package has more than %(n)d files.", n=MAX_FILES))
    if sum(e.size for e in entries.values()) > MAX_TOTAL:
        problems.append(_("The package is larger than 2 GB."))
    for path, entry in entries.items():
        if entry.size > size_limit(path):
            problems.append(_("%(file)s is larger than allowed.", file=path))


def open_folder(folder: Path) -> PackageFiles:
    """A package folder; symbolic links inside it are refused."""
    problems: list[str] = []
    entries: dict[str, _Entry] = {}
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        for name in list(dirnames) + filenames:
            full = Path(dirpath) / name
            rel = full.relative_to(folder).as_posix()
            if full.is_symlink():
                problems.append(_("%(file)s is a link; links are not allowed.", file=rel))
                if name in dirnames:
                    dirnames.remove(name)
                continue
            if name in filenames and not name.startswith("."):
                entries[rel] = _Entry(size=full.stat().st_size, disk_path=full)
    _check_totals(entries, problems)
    if problems:
        raise PackageError(problems)
    return PackageFiles(entries)


def open_zip(source) -> PackageFiles:
    """A zipped package (a path or a binary file object). Unsafe entries refuse the package:
    links, paths outside it, encrypted entries, too many entries, and entries that unpack to
    far more than they pack (compression bombs)."""
    _declared_directory(source)
    try:
        zf = zipfile.ZipFile(source)
    except ZIP_ERRORS as exc:
        raise PackageError([_("The file is not a valid zip archive.")]) from exc
    problems: list[str] = []
    entries: dict[str, _Entry] = {}
    for info in zf.infolist():
        mode = info.external_attr >> 16
        if info.flag_bits & 0x1:
            problems.append(_("%(file)s is encrypted; packages cannot carry passwords.",
                              file=info.filename))
            continue
        if info.file_size > RATIO_FLOOR and \
                info.file_size > MAX_RATIO * max(info.compress_size, 1):
            problems.append(_("%(file)s unpacks to more than %(n)d times its packed size.",
                              file=info.filename, n=MAX_RATIO))
            continue
        if stat.S_ISLNK(mode):
            problems.append(_("%(file)s is a link; links are not allowed.", file=info.filename))
            continue
        path = clean_path(info.filename)
        if path is None:
            problems.append(_("%(file)s points outside the package.", file=info.filename))
            continue
        if info.is_dir() or posixpath.basename(path).startswith(".") or \
                path.startswith("__MACOSX/"):
            continue
        if path in entries:
            problems.append(_("%(file)s appears twice.", file=path))
        entries[path] = _Entry(size=info.file_size, zip_name=info.filename)
    # A zip of the folder itself: strip the single top-level folder.
    if "course.toml" not in entries:
        tops = {p.split("/", 1)[0] for p in entries}
        if len(tops) == 1 and f"{next(iter(tops))}/course.toml" in entries:
            prefix = next(iter(tops)) + "/"
            entries = {p.removeprefix(prefix): e for p, e in entries.items()}
    _check_totals(entries, problems)
    if problems:
        zf.close()
        raise PackageError(problems)
    return PackageFiles(entries, zf)


def open_package(path: Path) -> PackageFiles:
    """A folder or a `.zip` on disk."""
    if path.is_dir():
        return open_folder(path)
    return open_zip(path)
