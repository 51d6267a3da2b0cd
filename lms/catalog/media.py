"""Media files: type detection from content, content-addressed storage on disk."""
from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

from flask import current_app

CHUNK = 1024 * 1024

# Media types we accept, detected from the first bytes of the file (never from its name).
KINDS = {
    "image/png": "image", "image/jpeg": "image", "image/gif": "image", "image/webp": "image",
    "video/mp4": "video", "video/webm": "video",
    "audio/mpeg": "audio", "audio/mp4": "audio", "audio/ogg": "audio", "audio/wav": "audio",
    "application/pdf": "pdf",
}


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


def media_root() -> Path:
    root = Path(current_app.config["LMS_MEDIA_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    return root


def stored_path(sha256: str) -> Path:
    """Where the file with this digest lives (inside the media folder, whatever the input)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a SHA-256 digest")
    return media_root() / sha256[:2] / sha256


def store_chunks(chunks: Iterable[bytes]) -> tuple[str, int]:
    """Stream data into the store; returns (sha256, size). Identical files are stored once."""
    root = media_root()
    digest = hashlib.sha256()
    size = 0
    fd, tmp = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        final = stored_path(sha)
        final.parent.mkdir(exist_ok=True)
        os.replace(tmp, final)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return sha, size


def store_stream(stream: BinaryIO, limit: int) -> tuple[str, int]:
    """Store a file-like object of at most `limit` bytes (ValueError when larger)."""

    def chunks():
        total = 0
        while block := stream.read(CHUNK):
            total += len(block)
            if total > limit:
                raise ValueError("file too large")
            yield block

    return store_chunks(chunks())
