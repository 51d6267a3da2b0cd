"""Time a 5,000-row cadre .xlsx import on a fresh database.

    .venv/bin/python bench/import_cadres.py [ROWS] [DATABASE_URL]
"""
from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from openpyxl import Workbook
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms import create_app  # noqa: E402
from lms.demo.data import load_demo  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.org.importer import import_cadres  # noqa: E402


def workbook(rows: int) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["账号", "姓名", "性别", "单位代码", "职级", "职务", "出生日期", "学历", "政治面貌",
               "专业技术职称", "类别"])
    units = ["JD01", "JD02-SQ01", "YJJ", "QU", "JD06-SQ03"]
    for i in range(rows):
        ws.append([f"bench{i:05d}", f"测试{i}", "男" if i % 2 else "女", units[i % 5], "科级",
                   "科员", f"19{70 + i % 30}-0{1 + i % 9}-1{i % 9}", "本科", "中共党员", "无",
                   "科股级干部、信息员" if i % 3 == 0 else "中青年干部"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    url = sys.argv[2] if len(sys.argv) > 2 else (
        "sqlite:///" + tempfile.mkdtemp() + "/bench.sqlite3")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        load_demo()
        data = workbook(rows)
        with app.test_request_context():
            start = time.perf_counter()
            result = import_cadres(data, "bench.xlsx")
            elapsed = time.perf_counter() - start
        assert result.ok, result.errors[:5]
        print(f"{rows} rows ({len(data) / 1024:.0f} KB) on {url.split(':')[0]}: "
              f"{elapsed:.2f} s, {result.created} created")


if __name__ == "__main__":
    main()
