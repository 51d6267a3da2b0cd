"""Time the training figures' pages and exports, and count their SQL statements.

    python bench/training_run.py --db bench_training [--runs 9] [--out FILE]

Signs in as the organisation-department administrator `zzb_admin` (the whole district) and
as the street administrator `jd_admin` (JD01) through the app's own login form with Flask's
test client, in this process (no HTTP server: what is timed is the app answering the request,
whole response bodies read, as gunicorn would send them), on the PostgreSQL database `--db`.
Each URL is asked once to warm up, then `--runs` times: p50, p95, min and max in ms to the
whole body, p50 to its first bytes (a streamed export starts at once), the SQL statements of
one request and the response size. Prints a table and writes the JSON to
`--out` (default bench/results/training-<date>.json).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime

sys.path.insert(0, ".")
PASSWORD = "Bench2026study"  # noqa: S105 - the bench accounts' password, in the docs


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="bench_training")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "bench-training-fixed-secret-key")
    from sqlalchemy import event

    from lms import create_app
    from lms.core.timeutil import local_today
    from lms.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI":
                      f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.db}",
                      "WTF_CSRF_ENABLED": False})  # the login form, signed in here
    year = local_today().year - 1  # a whole year: every class of it ended
    base = "/training/figures"
    tables = ("category", "form", "organiser", "unit", "year", "compliance", "professional",
              "short", "behind")
    urls = [("district", "zzb_admin", f"{base}?year={year}"),
            ("district this year", "zzb_admin", f"{base}"),
            ("street JD01", "jd_admin", f"{base}?year={year}"),
            ("summary", "zzb_admin", f"{base}/summary?year={year}"),
            ("cadres behind, page 1", "zzb_admin", f"{base}/behind?year={year}"),
            ("API", "zzb_admin", f"/api/v1/reports/training?year={year}")]
    urls += [(f"export {t}", "zzb_admin", f"{base}/export.xlsx?table={t}&year={year}")
             for t in tables]
    results = []
    # No application context is held across requests: each request pushes its own, so `g`
    # (the signed-in user, the role scopes) is never carried from one request to the next.
    from lms.auth.models import User
    from lms.auth.services import create_token

    with app.app_context():
        engine = db.engine
        tokens = {user: create_token(db.session.scalar(
            db.select(User).where(User.username == user)), "bench")
            for user in ("zzb_admin", "jd_admin")}
        db.session.commit()
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    clients = {}
    for user in ("zzb_admin", "jd_admin"):
        client = app.test_client()
        r = client.post("/login", data={"username": user, "password": PASSWORD})
        if r.status_code != 302:
            raise SystemExit(f"login of {user} answered {r.status_code}")
        clients[user] = client
    for label, user, url in urls:
        headers = {"Authorization": f"Bearer {tokens[user]}"} if url.startswith("/api") \
            else {}
        client = app.test_client() if headers else clients[user]

        def ask(client=client, url=url, headers=headers):
            """(ms to the whole body, status, bytes, ms to the first bytes): the body is
            read as it is produced, as a server would send a streamed export."""
            started = time.perf_counter()
            response = client.get(url, headers=headers, buffered=False)
            size, first = 0, None
            for chunk in response.response:
                if first is None and chunk:
                    first = (time.perf_counter() - started) * 1000
                size += len(chunk)
            response.close()
            total = (time.perf_counter() - started) * 1000
            return total, response.status_code, size, first or total

        statements.clear()
        _ms, status, size, _first = ask()
        queries = len(statements)
        if status != 200:
            raise SystemExit(f"{url} answered {status}")
        asked = [ask() for _ in range(args.runs)]
        times = [a[0] for a in asked]
        row = {"label": label, "user": user, "url": url, "runs": args.runs,
               "p50_ms": round(statistics.median(times), 1),
               "p95_ms": round(_percentile(times, 0.95), 1),
               "first_bytes_p50_ms": round(statistics.median(a[3] for a in asked), 1),
               "min_ms": round(min(times), 1), "max_ms": round(max(times), 1),
               "queries": queries, "bytes": size}
        results.append(row)
        print(f"{label:24} p50 {row['p50_ms']:7.1f} ms  p95 {row['p95_ms']:7.1f} ms  "
              f"first bytes {row['first_bytes_p50_ms']:7.1f} ms  queries {queries:3}  "
              f"{size:>8} bytes", flush=True)
    with app.app_context():
        counts = {name: db.session.scalar(db.text(f"SELECT count(*) FROM {name}"))  # noqa: S608
                  for name in ("users", "cadre_profiles", "units", "training_classes",
                               "training_class_trainees", "record_entries",
                               "record_statuses")}
    out = args.out or f"bench/results/training-{datetime.now():%Y-%m-%d-%H%M}.json"
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"date": datetime.now().isoformat(timespec="seconds"), "database": args.db,
                   "year": year, "machine": {"cpus": os.cpu_count(),
                                             "python": platform.python_version(),
                                             "load": os.getloadavg()},
                   "data": counts, "results": results}, fh, ensure_ascii=False, indent=1)
    print(f"written {out}")


if __name__ == "__main__":
    main()
