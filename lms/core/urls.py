"""Checks on URLs that come from requests."""
from __future__ import annotations


def safe_local_path(target: str | None, default: str) -> str:
    """`target` when it is a path on this site, else `default`: redirects follow only those.
    A path starts with one "/" (so it has no scheme and no host); `//host` and `/\\host` are
    refused, since browsers read both as another site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return default
