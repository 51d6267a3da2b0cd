"""Reading and writing spreadsheets (.xlsx with openpyxl, .csv in UTF-8 or GB18030)."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import Response
from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook

from lms.core.downloads import content_disposition


class TableError(ValueError):
    """The file as a whole cannot be read."""


@dataclass
class Column:
    """One column of an import: its key, Chinese and English headers, and whether required."""

    key: str
    zh: str
    en: str
    required: bool = False


def column_title(columns: Sequence[Column], key: str) -> str:
    """The header of a column in the current language (the key itself if no column has it)."""
    locale = str(get_locale() or "zh_CN")
    for col in columns:
        if col.key == key:
            return col.zh if locale.startswith("zh") else col.en
    return key


def cell_text(value: object) -> str:
    """A cell as trimmed text: "" for an empty cell, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # spreadsheets turn whole numbers (codes, years) into floats
    return str(value).strip()


def read_upload(field, limit: int) -> tuple[bytes | None, str]:
    """An uploaded file's bytes and name; None (with the error on the form field) when it is
    larger than `limit` bytes."""
    upload = field.data
    name = upload.filename or ""
    data = upload.read(limit + 1)
    if len(data) > limit:
        field.errors.append(_("The file is larger than %(mb)d MB.", mb=limit // 2**20))
        return None, name
    return data, name


def _cell(value) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def read_rows(data: bytes, filename: str) -> list[list[object]]:
    """All rows of the first sheet (xlsx) or of the CSV file, header row included."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        if not data.startswith(b"PK"):
            raise TableError(_("The file is not a valid .xlsx workbook."))
        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on bad files
            raise TableError(_("The file is not a valid .xlsx workbook.")) from exc
        sheet = wb.worksheets[0]
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        wb.close()
        return rows
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise TableError(_("The CSV file must be encoded in UTF-8 or GB18030."))
        return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text))]
    raise TableError(_("Only .xlsx and .csv files can be imported."))


def map_header(header: Sequence[object], columns: Sequence[Column]) -> dict[str, int]:
    """Map column keys to positions by their Chinese or English header; check required ones."""
    wanted = {}
    for col in columns:
        for title in (col.zh, col.en, col.key):
            wanted[title.strip().lower()] = col.key
    positions: dict[str, int] = {}
    for index, title in enumerate(header):
        key = wanted.get(str(title or "").strip().lower())
        if key and key not in positions:
            positions[key] = index
    missing = [c.zh for c in columns if c.required and c.key not in positions]
    if missing:
        raise TableError(_("Missing columns: %(cols)s", cols="、".join(missing)))
    return positions


def records(rows: list[list[object]], columns: Sequence[Column]):
    """Yield (row number, {key: value}) for each non-empty data row; row 1 is the header."""
    if not rows:
        raise TableError(_("The file is empty."))
    positions = map_header(rows[0], columns)
    for number, row in enumerate(rows[1:], start=2):
        if not any(v not in (None, "") for v in row):
            continue
        yield number, {k: (row[i] if i < len(row) else None) for k, i in positions.items()}


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[object]],
               notes: Sequence[Sequence[str]] | None = None) -> bytes:
    """A workbook with one data sheet (and optionally a notes sheet), as bytes."""
    wb = Workbook(write_only=True)
    sheet = wb.create_sheet("data")
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    if notes:
        info = wb.create_sheet(_("Notes"))
        for line in notes:
            info.append(list(line))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 CSV with a byte-order mark so that spreadsheet programs read the Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(data: bytes, filename: str, mimetype: str = XLSX) -> Response:
    """A file the browser saves (never cached): exports and templates."""
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": content_disposition(filename),
        "Cache-Control": "no-store",
    })
