"""Evidence files for the demo's claims, made at load time so that they open: a one-page PDF
certificate of attendance (Chinese text, through the record's PDF renderer) and a small PNG
picture of the venue's sign."""
from __future__ import annotations

import struct
import zlib
from datetime import date
from html import escape

from lms.records.pdf import render_pdf

_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: A5 landscape; margin: 18mm; }}
body {{ font-family: "Noto Sans CJK SC", sans-serif; text-align: center; color: #222; }}
h1 {{ font-size: 22pt; letter-spacing: 0.3em; margin: 0 0 10mm; }}
p {{ font-size: 12pt; line-height: 1.8; margin: 0; }}
.seal {{ margin-top: 10mm; color: #b22; font-size: 12pt; }}
</style></head><body>
<h1>听课证明</h1>
<p>兹证明 {name} 同志于 {day} 参加 {organiser} 举办的“{title}”，</p>
<p>听课 {hours} 学时。</p>
<p class="seal">{organiser}（盖章）</p>
</body></html>"""


def attendance_pdf(*, name: str, title: str, organiser: str, day: date, hours: str) -> bytes:
    """A certificate of attendance as a one-page PDF whose text layer holds its Chinese."""
    return render_pdf(_PAGE.format(name=escape(name), title=escape(title),
                                   organiser=escape(organiser), day=day.isoformat(),
                                   hours=escape(hours)))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def sign_png(width: int = 160, height: int = 90) -> bytes:
    """A small picture (a red sign with a white band across it) as a valid PNG."""
    rows = []
    for y in range(height):
        band = height // 3 <= y < 2 * height // 3
        pixel = b"\xff\xff\xff" if band else b"\xb0\x22\x22"
        rows.append(b"\x00" + pixel * width)  # filter type 0 for each row
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _chunk(b"IEND", b""))
