"""Where uploaded files live: one interface (`Storage`), two stores chosen by
`LMS_MEDIA_STORAGE` — `local` (the folder `LMS_MEDIA_DIR`, the default) or `s3` (an
S3-compatible bucket, `LMS_S3_*`). Course media, evidence, class attachments, packages and
backups all go through `storage()`; nothing else touches the folder or the bucket.
See docs/storage.md."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import current_app

from lms.core.storage.base import CHUNK, Storage, TooLarge, Unavailable, is_digest
from lms.core.storage.local import LocalStorage

__all__ = ["CHUNK", "Storage", "TooLarge", "Unavailable", "check_config", "is_digest",
           "make", "storage"]
KINDS = ("local", "s3")
_SETTINGS = ("LMS_MEDIA_STORAGE", "LMS_MEDIA_DIR", "LMS_S3_ENDPOINT", "LMS_S3_BUCKET",
             "LMS_S3_PREFIX", "LMS_S3_ACCESS_KEY", "LMS_S3_REGION", "LMS_S3_PART_MB")


def check_config(config: Mapping[str, Any]) -> None:
    """Refuse to start with a store that cannot work (an unknown kind, S3 without a bucket)."""
    kind = config.get("LMS_MEDIA_STORAGE", "local")
    if kind not in KINDS:
        raise RuntimeError(f"LMS_MEDIA_STORAGE={kind!r}: choose one of {', '.join(KINDS)}")
    if kind == "s3" and not config.get("LMS_S3_BUCKET"):
        raise RuntimeError("LMS_MEDIA_STORAGE=s3 needs LMS_S3_BUCKET")
    if float(config.get("LMS_S3_PART_MB") or 16) < 5:
        raise RuntimeError("LMS_S3_PART_MB must be at least 5 (S3's smallest part)")


def make(config: Mapping[str, Any]) -> Storage:
    """The store the configuration names."""
    if config.get("LMS_MEDIA_STORAGE", "local") == "s3":
        from lms.core.storage.s3 import S3Storage, make_client

        prefix = config.get("LMS_S3_PREFIX") or ""
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        part = int(float(config.get("LMS_S3_PART_MB") or 16) * 1024 * 1024)
        return S3Storage(make_client(config), config["LMS_S3_BUCKET"], prefix, part)
    return LocalStorage(config["LMS_MEDIA_DIR"])


def storage() -> Storage:
    """This app's store, made once per process and configuration (boto3 clients do not
    cross a fork)."""
    extensions = current_app.extensions
    key = (os.getpid(), *(current_app.config.get(name) for name in _SETTINGS))
    held = extensions.get("lms.storage")
    if held is None or held[0] != key:
        held = extensions["lms.storage"] = (key, make(current_app.config))
    return held[1]
