"""A fast, streamed .xlsx writer for large exports (tens of thousands of rows).

openpyxl's write-only mode takes about 9 s for 50,000 rows of nine columns on the reference
machine; writing the sheet's XML directly (inline strings, no styles beyond the default) takes
about 1.2 s and streams: the workbook is yielded in pieces as the rows are read, so memory
stays flat whatever the size. The result opens in Excel, WPS, LibreOffice and openpyxl.
"""
from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime

from lms.core.cells import cell_value

_ESCAPE = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}  # other matches are dropped
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PARTS = {
    "[Content_Types].xml": (
        _HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.styles+xml"/></Types>'),
    "_rels/.rels": (
        _HEAD + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        _HEAD + f'<Relationships xmlns="{_PKG_REL}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_REL}/styles" Target="styles.xml"/>'
        '</Relationships>'),
    "xl/styles.xml": (
        _HEAD + f'<styleSheet xmlns="{_MAIN}"><fonts count="2"><font><sz val="11"/>'
        '<name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font>'
        '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill>'
        '<patternFill patternType="gray125"/></fill></fills><borders count="1"><border>'
        '<left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
        '</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
        '</cellStyles></styleSheet>'),
}


class _Sink:
    """A write-only file that hands back what was written since the last call."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def tell(self) -> int:
        return self.size

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def _text(value: str) -> str:
    return _ESCAPE.sub(lambda m: _ENTITIES.get(m.group(), ""), value) \
        if _ESCAPE.search(value) else value


def _column(n: int) -> str:
    """The letters of the zero-based column `n` (0 -> A, 26 -> AA)."""
    out, n = "", n + 1
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def _row(number: int, values: Sequence[object], letters: list[str], style: str = "") -> str:
    cells = []
    for i, value in enumerate(values):
        if value is None or value == "":
            continue
        if i >= len(letters):
            letters.extend(_column(n) for n in range(len(letters), i + 1))
        ref = f"{letters[i]}{number}"
        value = cell_value(value)  # text is always an inline string: never a formula
        if isinstance(value, int | float):
            cells.append(f'<c r="{ref}"{style}><v>{value!r}</v></c>')
            continue
        if isinstance(value, date | datetime):
            value = value.isoformat()
        text = _text(str(value))
        space = ' xml:space="preserve"' if text != text.strip() else ""
        cells.append(f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{text}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def stream(headers: Sequence[str], rows: Iterable[Sequence[object]], *,
           sheet: str = "data", batch: int = 500) -> Iterator[bytes]:
    """Yield the bytes of a one-sheet workbook: a bold header row, then `rows` (numbers as
    numbers, dates as ISO text, None as an empty cell)."""
    sink = _Sink()
    letters = [_column(n) for n in range(max(len(headers), 1))]
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as book:
        for name, body in _PARTS.items():
            book.writestr(name, body)
        book.writestr("xl/workbook.xml", (
            _HEAD + f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets><sheet '
            f'name="{_text(sheet)[:31]}" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        yield sink.take()
        with book.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write((_HEAD + f'<worksheet xmlns="{_MAIN}"><sheetData>'
                        + _row(1, headers, letters, ' s="1"')).encode())
            chunk: list[str] = []
            for number, values in enumerate(rows, start=2):
                chunk.append(_row(number, values, letters))
                if len(chunk) >= batch:
                    part.write("".join(chunk).encode())
                    chunk = []
                    yield sink.take()
            part.write(("".join(chunk) + "</sheetData></worksheet>").encode())
    yield sink.take()


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[object]], *,
               sheet: str = "data") -> bytes:
    """The whole workbook as bytes (for tests and small exports)."""
    return b"".join(stream(headers, rows, sheet=sheet))
