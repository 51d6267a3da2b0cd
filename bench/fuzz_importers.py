"""The long fuzzing run of every importer: the strategies of tests/fuzzing.py, many more
examples, a fresh random seed each run (or SEED=n), then a megabyte of each pathological input.

    .venv/bin/python bench/fuzz_importers.py              # 1,000 examples per importer
    EXAMPLES=5000 .venv/bin/python bench/fuzz_importers.py
    ONLY="course package" SEED=1 .venv/bin/python bench/fuzz_importers.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench_fuzz \
        .venv/bin/python bench/fuzz_importers.py          # on PostgreSQL (a scratch database)

Prints, per importer, the cases run, how many were refused cleanly, the run time, the slowest
case against its budget (a second per megabyte past a floor), and every finding: an exception
other than the importer's validation error, or a case over its budget. Exits 1 on a finding.
"""
from __future__ import annotations

import os
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import seed as seeded  # noqa: E402
from sqlalchemy import text  # noqa: E402

from lms import create_app  # noqa: E402
from tests import fuzzing  # noqa: E402


def _app(workdir: str):
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/fuzz.sqlite3"
    app = create_app({"TESTING": True, "SECRET_KEY": "fuzz", "SQLALCHEMY_DATABASE_URI": url,
                      "LMS_MEDIA_DIR": f"{workdir}/media", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        from lms.extensions import db

        if url.startswith("postgresql"):
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        _seed(db)
    return app


def _seed(db) -> None:
    """The units, cadres and lecturer that the generated rows and packages name."""
    from lms.auth.models import User
    from lms.org import services
    from lms.org.models import CadreProfile, RoleGrant

    units = {}
    for code, kind, parent in (("QU", "district", None), ("JD01", "street", "QU"),
                               ("JD01-SQ01", "community", "JD01"), ("JD02", "street", "QU")):
        units[code] = services.create_unit(code, code, kind, units.get(parent))
    for username, unit in (("sys", None), ("lecturer", "QU"), ("c1", "JD01"),
                           ("learn", "JD01-SQ01")):
        user = User(username=username, name=username)
        db.session.add(user)
        if unit:
            db.session.add(CadreProfile(user=user, unit=units[unit], rank="section"))
            db.session.add(RoleGrant(user=user, role="learner", unit=units[unit]))
    db.session.commit()


def _run(app, name: str, strategy, target, examples: int, seed: int) -> dict:
    stats = {"cases": 0, "refused": 0, "slowest": None, "over": [], "findings": []}

    @seeded(seed)
    @settings(max_examples=examples, database=None, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=True)
    @given(strategy)
    def check(value):
        stats["cases"] += 1
        with app.test_request_context():
            outcome = target(value)
        stats["refused"] += outcome.refused
        ratio = outcome.seconds / fuzzing.budget(outcome.size)
        if stats["slowest"] is None or ratio > stats["slowest"][0]:
            stats["slowest"] = (ratio, outcome.seconds, outcome.size)
        if ratio > 1:
            stats["over"].append((outcome.seconds, outcome.size, repr(value)[:300]))

    start = time.perf_counter()
    try:
        check()
    except BaseException as exc:  # noqa: BLE001 - every finding is reported, then the next
        if isinstance(exc, KeyboardInterrupt):
            raise
        stats["findings"].append(_describe(exc))
    stats["seconds"] = time.perf_counter() - start
    return stats


def _describe(exc: BaseException) -> str:
    """What was raised and where (the last frames), and the start of the failing case."""
    parts = []
    for one in getattr(exc, "exceptions", None) or [exc]:
        frames = traceback.format_tb(one.__traceback__)[-3:]
        notes = "\n".join(getattr(one, "__notes__", []))[:600]
        parts.append(f"{type(one).__name__}: {one}\n" + "".join(frames) + notes)
    return "\n".join(parts)


def main() -> int:
    examples = int(os.environ.get("EXAMPLES", "1000"))
    seed = int(os.environ.get("SEED", random.randrange(2**32)))
    print(f"fuzzing every importer: {examples} examples each, seed {seed}")
    found = False
    with tempfile.TemporaryDirectory() as workdir:
        app = _app(workdir)
        with app.app_context():
            fuzzing.warm_up()
            only = os.environ.get("ONLY")  # one importer, by name
            for name, (strategy, target) in fuzzing.targets().items():
                if only and name != only:
                    continue
                s = _run(app, name, strategy, target, examples, seed)
                ratio, secs, size = s["slowest"] or (0, 0, 0)
                print(f"{name:15} {s['cases']:6d} cases, {s['refused']:6d} refused cleanly, "
                      f"{s['seconds']:7.1f} s; slowest {secs:.3f} s for {size} bytes "
                      f"({ratio:.0%} of its budget)")
                for secs, size, value in s["over"]:
                    found = True
                    print(f"  OVER BUDGET: {secs:.3f} s for {size} bytes: {value}")
                for finding in s["findings"]:
                    found = True
                    print("  FINDING:\n    " + finding.replace("\n", "\n    "))
            print("a megabyte of each pathological input (parse only):")
            for name, cases in fuzzing.large_inputs().items():
                for case, run in cases:
                    with app.test_request_context():
                        outcome = run()
                    limit = fuzzing.SECONDS_PER_MB * max(outcome.size / 2**20, 1)
                    mark = "ok" if outcome.seconds <= limit else "OVER BUDGET"
                    found |= outcome.seconds > limit
                    print(f"  {name:15} {case:20} {outcome.size:8d} bytes "
                          f"{outcome.seconds:6.3f} s  {mark}")
        with app.app_context():
            from lms.extensions import db

            db.engine.dispose()
    print("findings: " + ("yes, see above" if found else "none"))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
