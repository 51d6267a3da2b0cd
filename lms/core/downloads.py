"""Files the platform hands out: safe names in `Content-Disposition`, and the walls around
files that people uploaded (a browser must never run one as a page of this site)."""
from __future__ import annotations

import unicodedata
from pathlib import PurePath
from urllib.parse import quote

from flask import Response

MAX_NAME = 120  # characters of a file name offered to the browser
_UNSAFE = set('"\\/<>:|?*;%')
# An attachment that a browser opens anyway (a saved HTML file dropped back on the tab) runs
# with no script, no plugin and no origin.
ATTACHMENT_CSP = "default-src 'none'; sandbox"


def safe_filename(name: str | None, default: str = "download") -> str:
    """`name` fit for a header and a disk: its last path part, without control, format,
    quote or path characters, no leading or trailing dots and spaces, at most `MAX_NAME`
    characters (the extension kept); `default` when nothing is left."""
    last = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(c for c in last
                   if c not in _UNSAFE and not unicodedata.category(c).startswith(("C", "Z"))
                   or c == " ")
    kept = kept.strip(" .")
    if not kept:
        return default
    if len(kept) > MAX_NAME:
        suffix = PurePath(kept).suffix[:16]
        kept = kept[:MAX_NAME - len(suffix)].rstrip(" .") + suffix
    return kept


def content_disposition(name: str | None, *, inline: bool = False) -> str:
    """`attachment` (or `inline`) with an ASCII `filename` for old clients and the exact
    name as `filename*=UTF-8''…` (RFC 6266), both from `safe_filename`."""
    safe = safe_filename(name)
    path = PurePath(safe)
    suffix = path.suffix if path.suffix.isascii() else ""
    stem = safe_filename(_ascii(path.stem if suffix else safe), "download")
    ascii_name = stem + suffix
    encoded = quote(safe, safe="!#$&+-.^_`|~")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def offer(response: Response, name: str | None, *, inline: bool = False) -> Response:
    """Name the file of `response`; unless `inline` (a type the page shows itself: picture,
    video, sound, PDF), the browser saves it and, opened anyway, it runs sandboxed. The
    content type is never sniffed."""
    response.headers["Content-Disposition"] = content_disposition(name, inline=inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if not inline:
        response.headers["Content-Security-Policy"] = ATTACHMENT_CSP
    return response
