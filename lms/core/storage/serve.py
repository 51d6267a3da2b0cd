"""The answer to a download of a stored file, once the view has checked who may have it.

`answer()` gives what every file of the platform gets: the content type the app decided
(never sniffed: `X-Content-Type-Options: nosniff`), `Content-Disposition` under a safe name
(`core.downloads`), the digest as ETag (304 on `If-None-Match`), and byte ranges (206 with
`Content-Range`; 416 with `Content-Range: bytes */<size>` for a range that cannot be served,
several ranges included; `If-Range` with another tag gets the whole file).

With `LMS_MEDIA_ACCEL` set to an nginx internal location (e.g. `/_media/`), a file of the
local store is answered by an empty 200 carrying `X-Accel-Redirect: <prefix>ab/<sha256>` and
the headers above; nginx then sends the bytes (ranges included) from its internal location
`<prefix>`, aliased to `LMS_MEDIA_DIR` with the same `ab/<sha256>` layout. nginx keeps the
app's Content-Type, Content-Disposition and Cache-Control on such an answer but not
`X-Content-Type-Options` or `Content-Security-Policy`: the internal location adds those
itself. Files in S3 are always streamed by the app, range by range, from the bucket (the
bucket stays private and no signed address ever leaves the server).
"""
from __future__ import annotations

from flask import Response, abort, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.http import parse_range_header, unquote_etag

from lms.core import downloads
from lms.core.storage import Unavailable, storage


def answer(sha256: str, *, mime: str, filename: str | None, inline: bool = False,
           cache: str = "no-store") -> Response:
    """The stored file `sha256` as a download named `filename` of type `mime` (404 when it is
    not stored; 503, said plainly, when the store cannot be reached)."""
    store = storage()
    try:
        size = store.size(sha256)
    except ValueError:
        abort(404)
    except Unavailable:
        current_app.logger.exception("file store unavailable")
        abort(503, description=_("The file store cannot be reached just now; please try again "
                                 "in a minute."))
    if size is None:
        abort(404)
    response = current_app.response_class(status=200)
    response.headers["Content-Type"] = mime
    response.headers["ETag"] = f'"{sha256}"'
    response.headers["Accept-Ranges"] = "bytes"
    response.headers["Cache-Control"] = cache
    downloads.offer(response, filename, inline=inline)
    if request.if_none_match.contains_weak(sha256):
        response.status_code = 304
        return response
    accel = current_app.config.get("LMS_MEDIA_ACCEL")
    if accel and store.local_path(sha256) is not None:
        response.headers["X-Accel-Redirect"] = f"{accel.rstrip('/')}/{sha256[:2]}/{sha256}"
        return response
    start, stop = _span(sha256, size) or (0, size)
    if (start, stop) != (0, size):
        response.status_code = 206
        response.headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    response.response = store.chunks(sha256, start, stop)
    response.direct_passthrough = True
    response.content_length = stop - start
    return response


def _span(sha256: str, size: int) -> tuple[int, int] | None:
    """(start, stop) of the one range asked for and applying; None for the whole file."""
    header = request.headers.get("Range")
    if not header or size == 0:
        return None
    if_range = request.headers.get("If-Range")
    if if_range and unquote_etag(if_range)[0] != sha256:
        return None  # asked "only if unchanged" of another version: the whole file
    parsed = parse_range_header(header)
    span = parsed.range_for_length(size) if parsed else None
    if span is None:
        raise RequestedRangeNotSatisfiable(length=size)
    return span
