"""Media files: type detection from content, and durations read from the stored file's
header (the files themselves are kept by `lms.core.storage`)."""
from __future__ import annotations

import math
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from lms.core.storage import Unavailable, storage

# Media types we accept, detected from the first bytes of the file (never from its name):
# {MIME type: (kind, the format's name as people know it)}.
FORMATS = {
    "image/png": ("image", "PNG"), "image/jpeg": ("image", "JPEG"),
    "image/gif": ("image", "GIF"), "image/webp": ("image", "WebP"),
    "video/mp4": ("video", "MP4"), "video/webm": ("video", "WebM"),
    "audio/mpeg": ("audio", "MP3"), "audio/mp4": ("audio", "M4A"),
    "audio/ogg": ("audio", "Ogg"), "audio/wav": ("audio", "WAV"),
    "application/pdf": ("pdf", "PDF"),
}
KINDS = {mime: kind for mime, (kind, _name) in FORMATS.items()}


def sniff(head: bytes) -> str | None:
    """The MIME type of a file from its first bytes (at least 16), or None if not accepted."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "audio/mp4" if brand in (b"M4A ", b"M4B ") else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    return None


def describe(row, sha256: str, size: int, kind: str, mime: str) -> None:
    """Point a media row at a stored file: its digest, size, kind, type, and its duration
    read from the stored file's header (never from the browser)."""
    row.sha256, row.size, row.kind, row.mime = sha256, size, kind, mime
    row.duration = None
    if mime in _READERS:
        try:
            with storage().open(sha256) as f:
                row.duration = read_duration(f, size, mime)
        except (OSError, Unavailable):
            pass  # no duration: the lecture then asks for none


# ---- durations -----------------------------------------------------------------------------
# Read from the stored file's own header, never from the browser. Every reader seeks from
# header to header with small bounded reads and gives up (None) on anything unexpected.

MAX_ELEMENTS = 4096          # boxes, chunks or elements looked at per file
MAX_SECONDS = 7 * 24 * 3600  # a longer stated duration is not believed
MAX_INFO = 64 * 1024         # bytes of a Matroska Info element read at most


def duration(path: Path, mime: str) -> float | None:
    """Seconds of the audio or video file at `path` (see `read_duration`)."""
    if mime not in _READERS:
        return None
    try:
        with path.open("rb") as f:
            return read_duration(f, os.fstat(f.fileno()).st_size, mime)
    except OSError:
        return None


def read_duration(f: BinaryIO, size: int, mime: str) -> float | None:
    """Seconds of an audio or video file of `size` bytes from its header, or None when it
    cannot be read; `f` is any seekable reader (a stored file, local or in object storage).

    MP4/M4A (`moov`/`mvhd`), WAV (`fmt ` byte rate and `data` size) and WebM/Matroska
    (Segment Info Duration) are read; other types, and files that do not state their
    duration (e.g. WebM recorded live), give None. Never raises on bad input.
    """
    reader = _READERS.get(mime)
    if reader is None:
        return None
    try:
        value = reader(f, size)
    except (OSError, ValueError, OverflowError, ZeroDivisionError, struct.error):
        return None
    if value is None or not math.isfinite(value) or not 0 < value <= MAX_SECONDS:
        return None
    return float(value)


def _read_at(f: BinaryIO, offset: int, n: int) -> bytes | None:
    """Exactly `n` bytes at `offset`, or None when the file is shorter."""
    f.seek(offset)
    data = f.read(n)
    return data if len(data) == n else None


def _mp4_boxes(f: BinaryIO, start: int, end: int):
    """(type, payload offset, payload end) of the boxes between `start` and `end`."""
    pos = start
    for _ in range(MAX_ELEMENTS):
        if pos + 8 > end:
            return
        head = _read_at(f, pos, 8)
        if head is None:
            return
        size, kind = struct.unpack(">I4s", head)
        header = 8
        if size == 1:
            large = _read_at(f, pos + 8, 8)
            if large is None:
                return
            size, header = struct.unpack(">Q", large)[0], 16
        elif size == 0:
            size = end - pos  # the box runs to the end of its parent
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _mp4(f: BinaryIO, size: int) -> float | None:
    """MP4/M4A: timescale and duration of the movie header (versions 0 and 1)."""
    for kind, start, end in _mp4_boxes(f, 0, size):
        if kind != b"moov":
            continue
        for child, body, body_end in _mp4_boxes(f, start, end):
            if child != b"mvhd":
                continue
            header = _read_at(f, body, min(body_end - body, 32))
            if header and header[0] == 0 and len(header) >= 20:
                scale, length = struct.unpack(">II", header[12:20])
                unknown = 0xFFFFFFFF
            elif header and header[0] == 1 and len(header) >= 32:
                scale, length = struct.unpack(">IQ", header[20:32])
                unknown = 0xFFFFFFFFFFFFFFFF
            else:
                return None
            if not scale or length in (0, unknown):
                return None
            return length / scale
        return None
    return None


def _wav(f: BinaryIO, size: int) -> float | None:
    """WAV: the `data` chunk's size over the byte rate of the `fmt ` chunk."""
    head = _read_at(f, 0, 12)
    if head is None or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    byte_rate = data = None
    pos = 12
    for _ in range(MAX_ELEMENTS):
        chunk = _read_at(f, pos, 8)
        if chunk is None:
            break
        kind, length = struct.unpack("<4sI", chunk)
        if kind == b"fmt ":
            fmt = _read_at(f, pos + 8, 16)
            if fmt is None or length < 16:
                return None
            byte_rate = struct.unpack("<I", fmt[8:12])[0]
        elif kind == b"data":
            # What is really there: a header written while recording may overstate it.
            data = min(length, size - pos - 8)
        if byte_rate is not None and data is not None:
            break
        pos += 8 + length + (length & 1)
    if not byte_rate or not data or data <= 0:
        return None
    return data / byte_rate


_EBML, _SEGMENT, _INFO, _CLUSTER = 0x1A45DFA3, 0x18538067, 0x1549A966, 0x1F43B675
_TIMECODE_SCALE, _DURATION = 0x2AD7B1, 0x4489


def _vint(data: bytes, pos: int, keep_marker: bool) -> tuple[int | None, int]:
    """An EBML variable-length integer at `pos`: (value, length); value None when unknown.

    Raises ValueError when the bytes are not a valid integer of at most 8 bytes.
    """
    if pos >= len(data) or data[pos] == 0:
        raise ValueError("bad EBML integer")
    first = data[pos]
    length = 8 - first.bit_length() + 1
    if pos + length > len(data):
        raise ValueError("truncated EBML integer")
    value = int.from_bytes(data[pos:pos + length], "big")
    if keep_marker:
        return value, length
    value &= (1 << (7 * length)) - 1
    return (None if value == (1 << (7 * length)) - 1 else value), length


def _ebml_element(f: BinaryIO, pos: int) -> tuple[int, int | None, int]:
    """(id, payload size or None when unknown, payload offset) of the element at `pos`."""
    f.seek(pos)
    head = f.read(12)  # the longest id (4) and size (8); shorter near the end of the file
    ident, id_len = _vint(head, 0, keep_marker=True)
    if id_len > 4:
        raise ValueError("bad EBML id")
    length, size_len = _vint(head, id_len, keep_marker=False)
    return ident, length, pos + id_len + size_len


def _webm(f: BinaryIO, size: int) -> float | None:
    """WebM/Matroska: Segment → Info → Duration × TimecodeScale (default 1 ms)."""
    ident, length, body = _ebml_element(f, 0)
    if ident != _EBML or length is None:
        return None
    ident, length, pos = _ebml_element(f, body + length)
    if ident != _SEGMENT:
        return None
    end = size if length is None else min(size, pos + length)
    for _ in range(MAX_ELEMENTS):
        if pos >= end:
            return None
        ident, length, body = _ebml_element(f, pos)
        if ident == _INFO:
            if length is None or length > MAX_INFO:
                return None
            info = _read_at(f, body, length)
            return _info_seconds(info) if info is not None else None
        if ident == _CLUSTER or length is None:
            return None  # media data begins (or cannot be skipped) before any Info
        pos = body + length
    return None


def _info_seconds(info: bytes) -> float | None:
    """Seconds stated by the children of a Matroska Info element."""
    scale, value = 1_000_000, None
    pos = 0
    while pos < len(info):
        ident, id_len = _vint(info, pos, keep_marker=True)
        length, size_len = _vint(info, pos + id_len, keep_marker=False)
        if length is None:
            return None
        start = pos + id_len + size_len
        payload = info[start:start + length]
        if len(payload) != length:
            return None
        if ident == _TIMECODE_SCALE and 1 <= length <= 8:
            scale = int.from_bytes(payload, "big")
        elif ident == _DURATION and length in (4, 8):
            value = struct.unpack(">f" if length == 4 else ">d", payload)[0]
        pos = start + length
    if value is None or not scale:
        return None
    return value * scale / 1e9


_READERS: dict[str, Callable[[BinaryIO, int], float | None]] = {
    "video/mp4": _mp4, "audio/mp4": _mp4, "audio/wav": _wav, "video/webm": _webm,
}
