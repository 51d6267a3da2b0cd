"""Files in S3-compatible object storage (boto3): key `<prefix>ab/<sha256>` in one bucket.

Uploads are spooled to a temporary file while hashed (the digest names the object), then sent
with multipart upload above the part size; reads are ranged GETs streamed in chunks, so no
file is ever held whole in memory.
"""
from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO

from lms.core.storage.base import CHUNK, Storage, Unavailable, checked, is_digest

HEADER_BUFFER = 64 * 1024  # bytes fetched per ranged read of a file's header
_MISSING = {"404", "NoSuchKey", "NotFound"}


def make_client(config: Mapping[str, Any]):
    """A boto3 S3 client for `LMS_S3_*`: path-style addresses for an own endpoint (MinIO,
    Ceph …), standard retries, and checksums only where S3 requires them (older compatible
    servers refuse the newer default ones). Empty keys: boto3's usual credential chain."""
    import boto3
    from botocore.config import Config

    endpoint = config.get("LMS_S3_ENDPOINT") or None
    settings = Config(
        s3={"addressing_style": "path" if endpoint else "auto"},
        retries={"mode": "standard", "max_attempts": 4},
        connect_timeout=5, read_timeout=60, max_pool_connections=16,
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required")
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, region_name=config.get("LMS_S3_REGION") or "us-east-1",
        aws_access_key_id=config.get("LMS_S3_ACCESS_KEY") or None,
        aws_secret_access_key=config.get("LMS_S3_SECRET_KEY") or None, config=settings)


class S3Storage(Storage):
    name = "s3"

    def __init__(self, client, bucket: str, prefix: str = "", part_size: int = 16 * 1024**2):
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        self.client, self.bucket, self.prefix = client, bucket, prefix
        # Two parts in flight at most: a part is held in memory while it is sent.
        self.transfer = TransferConfig(multipart_threshold=part_size,
                                       multipart_chunksize=part_size, max_concurrency=2)
        self._client_error, self._failures = ClientError, (BotoCoreError, ClientError)

    def key(self, sha256: str) -> str:
        return f"{self.prefix}{checked(sha256)[:2]}/{sha256}"

    def _spool_dir(self) -> None:
        return None

    def _keep(self, spool: Path, sha256: str, size: int) -> None:
        if self.size(sha256) == size:
            return  # identical content is already there
        try:
            with spool.open("rb") as data:
                self.client.upload_fileobj(
                    data, self.bucket, self.key(sha256), Config=self.transfer,
                    ExtraArgs={"ContentType": "application/octet-stream",
                               "Metadata": {"sha256": sha256}})
        except self._failures as exc:
            raise Unavailable(f"object storage refused the upload: {exc}") from exc

    def size(self, sha256: str) -> int | None:
        key = self.key(sha256)
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"]
        except self._client_error as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _MISSING:
                return None
            raise Unavailable(f"object storage: {exc}") from exc
        except self._failures as exc:
            raise Unavailable(f"object storage cannot be reached: {exc}") from exc

    def chunks(self, sha256: str, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        if stop is not None and stop <= start:
            return
        asked = {"Bucket": self.bucket, "Key": self.key(sha256)}
        if start or stop is not None:
            asked["Range"] = f"bytes={start}-{'' if stop is None else stop - 1}"
        try:
            body = self.client.get_object(**asked)["Body"]
        except self._client_error as exc:
            if str(exc.response.get("Error", {}).get("Code")) in _MISSING:
                raise FileNotFoundError(asked["Key"]) from exc
            raise Unavailable(f"object storage: {exc}") from exc
        except self._failures as exc:
            raise Unavailable(f"object storage: {exc}") from exc
        try:
            yield from body.iter_chunks(CHUNK)
        finally:
            body.close()

    def open(self, sha256: str) -> BinaryIO:
        size = self.size(sha256)
        if size is None:
            raise FileNotFoundError(self.key(sha256))
        return io.BufferedReader(_RangeReader(self, sha256, size), HEADER_BUFFER)

    def digests(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix)
        try:
            for page in pages:
                for item in page.get("Contents", ()):
                    folder, _, name = item["Key"][len(self.prefix):].partition("/")
                    if is_digest(name) and folder == name[:2]:
                        yield name
        except self._failures as exc:
            raise Unavailable(f"object storage cannot be listed: {exc}") from exc


class _RangeReader(io.RawIOBase):
    """A stored object read with ranged GETs where it is asked (for header readers)."""

    def __init__(self, store: S3Storage, sha256: str, size: int):
        super().__init__()
        self.store, self.sha256, self.length, self.position = store, sha256, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.length}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer) -> int:
        stop = min(self.length, self.position + len(buffer))
        if stop <= self.position:
            return 0
        got = 0
        for chunk in self.store.chunks(self.sha256, self.position, stop):
            buffer[got:got + len(chunk)] = chunk
            got += len(chunk)
        self.position += got
        return got
