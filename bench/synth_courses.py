"""Write N synthetic course packages (copies of the sample courses) for `bench/pages`.

    .venv/bin/python bench/synth_courses.py N OUT_DIR
    .venv/bin/flask --app wsgi courses sync --folder OUT_DIR

Each copy of a package in `courses/` gets its own slug (`<slug>-sNNN`) and title, so the
catalogue holds more than a page (50) of published courses.
"""
from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    count, out = int(sys.argv[1]), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    sources = sorted(p for p in (ROOT / "courses").iterdir() if (p / "course.toml").is_file())
    for i in range(count):
        src = sources[i % len(sources)]
        slug = f"{src.name}-s{i + 1:03d}"
        dest = out / slug
        shutil.rmtree(dest, ignore_errors=True)
        shutil.copytree(src, dest)
        toml = (dest / "course.toml").read_text(encoding="utf-8")
        toml = re.sub(r'^slug = ".*"$', f'slug = "{slug}"', toml, count=1, flags=re.M)
        # The first `title` line is the course's (the [course] table comes first).
        toml = re.sub(r'^title = "(.*)"$', rf'title = "\1（第{i + 1}期）"', toml, count=1,
                      flags=re.M)
        (dest / "course.toml").write_text(toml, encoding="utf-8")
    print(f"{count} packages written to {out}")


if __name__ == "__main__":
    main()
