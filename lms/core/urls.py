"""Checks on URLs that come from requests."""
from __future__ import annotations

import unicodedata
from urllib.parse import unquote, urlsplit

_DECODINGS = 4  # a value still changing after this many percent-decodings is refused


def _plain_path(value: str) -> bool:
    """One "/" then no backslash, no control or format character (browsers drop tabs and
    newlines, and some read "\\" as "/"), and neither scheme nor host."""
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return False
    if any(unicodedata.category(c).startswith("C") for c in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


def safe_local_path(target: str | None, default: str) -> str:
    """`target` when it is a plain path on this site, else `default`: redirects follow only
    those. The value must be plain as given and after each percent-decoding, so neither
    `//host`, `/\\host`, `/%2F/host` nor `/%09/host` leads to another site."""
    if not target:
        return default
    value = target
    for _round in range(_DECODINGS):
        if not _plain_path(value):
            return default
        decoded = unquote(value)
        if decoded == value:
            return target
        value = decoded
    return default
