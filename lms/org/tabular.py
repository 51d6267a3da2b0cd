"""Reading spreadsheets (.xlsx with openpyxl, .csv in UTF-8 or GB18030) and handing them out
(.xlsx through `lms.core.xlsx_stream`, the one writer; .csv with text kept as text)."""
from __future__ import annotations

import csv
import io
import posixpath
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from flask import Response
from flask_babel import gettext as _
from openpyxl import load_workbook

from lms.core.cells import csv_text
from lms.core.downloads import content_disposition
from lms.core.i18n import chinese
from lms.core.xlsx_stream import xlsx_bytes  # noqa: F401  (importers and exports take it from here)

# Limits checked before a cell is read: what an import of a whole district's cadres, units or
# question bank needs, with room to spare, and far below what would exhaust a worker.
MAX_ROWS = 100_000  # rows of the first sheet or lines of a CSV file, header included
MAX_COLUMNS = 200
MAX_LINE = 64 * 1024  # characters in one line of a CSV file
MAX_PARTS = 1_000  # entries in the .xlsx zip
MAX_PART_BYTES = 64 * 1024 * 1024  # unpacked size of one part (a sheet's XML, shared strings)
MAX_UNPACKED = 256 * 1024 * 1024  # unpacked size of the whole workbook


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
    for col in columns:
        if col.key == key:
            return col.zh if chinese() else col.en
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
        value = value.replace("\x00", "").strip()  # no database stores a NUL in text
        return value or None
    return value


def _too_many_rows() -> TableError:
    return TableError(_("The file has more than %(n)d rows; split it into smaller files.",
                        n=MAX_ROWS))


def _too_many_columns(number: int) -> TableError:
    return TableError(_("Row %(row)d has more than %(n)d columns.", row=number, n=MAX_COLUMNS))


def _check_parts(data: bytes) -> None:
    """Refuse a workbook whose zip is encrypted, has too many parts, or declares parts that
    unpack past the limits, before openpyxl unpacks anything. zipfile never unpacks more than
    a part declares, so a part that lies about its size fails its checksum instead."""
    bad = TableError(_("The file is not a valid .xlsx workbook."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            parts = zf.infolist()
    except Exception as exc:  # noqa: BLE001 - zipfile raises many types on crafted files
        raise bad from exc
    if len(parts) > MAX_PARTS or any(p.flag_bits & 0x1 for p in parts):
        raise bad
    too_big = [p for p in parts if p.file_size > MAX_PART_BYTES]
    if too_big or sum(p.file_size for p in parts) > MAX_UNPACKED:
        raise TableError(_("The workbook unpacks to more than %(mb)d MB (%(part)s); keep only "
                           "the data to import.", mb=MAX_PART_BYTES // 2**20,
                           part=posixpath.basename(too_big[0].filename) if too_big
                           else "xlsx"))


def _xlsx_rows(data: bytes) -> list[list[object]]:
    """The first sheet's rows, streamed; its declared dimensions are checked first, and the
    rows and columns again as they come (a sheet may declare no or false dimensions)."""
    if not data.startswith(b"PK"):
        raise TableError(_("The file is not a valid .xlsx workbook."))
    _check_parts(data)
    wb = None
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = wb.worksheets[0]
        if (sheet.max_row or 0) > MAX_ROWS:
            raise _too_many_rows()
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise _too_many_columns(1)
        rows: list[list[object]] = []
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > MAX_ROWS:
                raise _too_many_rows()
            row = _trimmed(row)
            if len(row) > MAX_COLUMNS:
                raise _too_many_columns(number)
            rows.append([_cell(v) for v in row])
        return rows
    except TableError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on bad files
        raise TableError(_("The file is not a valid .xlsx workbook.")) from exc
    finally:
        if wb is not None:
            wb.close()


def _trimmed(row: Sequence[object]) -> Sequence[object]:
    """The row without its empty cells at the end (a sheet may be padded to a wide range)."""
    end = len(row)
    while end and row[end - 1] in (None, ""):
        end -= 1
    return row[:end]


def _csv_lines(text: str) -> Iterator[str]:
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if number > MAX_ROWS:
            raise _too_many_rows()
        if len(line) > MAX_LINE:
            raise TableError(_("Line %(line)d of the CSV file is longer than %(n)d characters.",
                               line=number, n=MAX_LINE))
        yield line


def _csv_rows(data: bytes) -> list[list[object]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise TableError(_("The CSV file must be encoded in UTF-8 or GB18030."))
    rows: list[list[object]] = []
    reader = csv.reader(_csv_lines(text))
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:
                raise _too_many_columns(len(rows) + 1)
            rows.append([_cell(v) for v in row])
    except csv.Error as exc:
        raise TableError(_("Line %(line)d of the CSV file cannot be read: %(why)s",
                           line=reader.line_num, why=str(exc))) from exc
    return rows


def read_rows(data: bytes, filename: str) -> list[list[object]]:
    """All rows of the first sheet (xlsx) or of the CSV file, header row included.

    Past `MAX_ROWS` rows, `MAX_COLUMNS` columns, `MAX_LINE` characters on a CSV line, or a
    workbook that unpacks past its limits: `TableError`, before or as the rows are read.
    """
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _xlsx_rows(data)
    if name.endswith(".csv"):
        return _csv_rows(data)
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
    """Yield (row number, {key: value}) for each non-empty data row; row 1 is the header,
    or row 2 below a title line (a single cell) as the platform's exports have."""
    if not rows:
        raise TableError(_("The file is empty."))
    try:
        positions, first = map_header(rows[0], columns), 1
    except TableError:
        # The platform's exports put a title line above the header: read them back as well.
        if len(rows) < 2 or sum(v not in (None, "") for v in rows[0]) > 1:
            raise
        positions, first = map_header(rows[1], columns), 2
    for number, row in enumerate(rows[first:], start=first + 1):
        if not any(v not in (None, "") for v in row):
            continue
        yield number, {k: (row[i] if i < len(row) else None) for k, i in positions.items()}


def unit_scope(unit) -> str:
    """The unit an export covers, for its title line: the unit and its code, or everything
    the reader may see."""
    if unit is None:
        return _("all units in your scope")
    return f"{unit.name}（{unit.code}）"


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 CSV with a byte-order mark so that spreadsheet programs read the Chinese."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_text(v) for v in headers])
    writer.writerows([csv_text(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download(data: bytes | Iterable[bytes], filename: str, mimetype: str = XLSX) -> Response:
    """A file the browser saves (never cached): exports and templates, whole or streamed."""
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": content_disposition(filename),
        "Cache-Control": "no-store",
    })
