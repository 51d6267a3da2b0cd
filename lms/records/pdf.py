"""The printable record as a PDF (WeasyPrint), its Chinese text embedded as text.

The print template names its stylesheet under /static/; WeasyPrint reads it (and anything
else under /static/) from the app's static folder and fetches nothing from the network. The
stylesheet asks for "Noto Sans CJK SC" (fonts-noto-cjk, installed by `make pdf-libs`), which
WeasyPrint subsets into the file, so the text layer holds the Chinese text.
"""
from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

BASE_URL = "http://record.invalid/"  # a base no request ever reaches


def _static_file(url: str) -> Path | None:
    """The file under the static folder that `url` names, or None."""
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != ("http", urlsplit(BASE_URL).netloc) \
            or not parts.path.startswith("/static/"):
        return None
    static = Path(current_app.static_folder or "").resolve()
    path = (static / unquote(parts.path.removeprefix("/static/"))).resolve()
    return path if path.is_relative_to(static) and path.is_file() else None


def _fetcher():
    """A WeasyPrint fetcher that serves /static/ files from disk and refuses everything
    else (no network, no other files)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = _static_file(url)
            if path is None:
                raise ValueError(f"not fetched: {url}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})

    return StaticOnly()


def render_pdf(html: str) -> bytes:
    """The PDF of a page of HTML whose links are relative to the site's root."""
    from weasyprint import HTML  # imported on first use: it takes most of a second

    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).write_pdf()


def render_document(html: str):
    """A page of HTML laid out (a WeasyPrint document), to be put together with others."""
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher()).render()


def join_documents(documents: Sequence) -> bytes:
    """One PDF of the pages of several laid-out documents, in order (each begins a sheet)."""
    if not documents:
        return b""
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()
