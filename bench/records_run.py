"""Query counts and the results table of bench/records.

    python bench/records_run.py queries USERNAME PASSWORD URL [URL ...]
    python bench/records_run.py report APP.jsonl BARE.json QUERIES.jsonl TIMED.txt DATA.json \
        VERIFY.txt EXPORT_ROWS.txt OUT.json [key=value ...]

`queries` signs in with the app's test client and prints, per URL, one JSON line with the
status, the response size and the number of SQL statements it ran (API URLs with a bearer
token), as `completion_setup.py queries` does.

`report` reads the run's files: APP.jsonl (rows appended by /work/shared/peers/lib/wrkrun.py),
BARE.json (/work/shared/peers/bare-flask/bench.sh), QUERIES.jsonl, TIMED.txt (one
`label<TAB>status<TAB>seconds<TAB>bytes<TAB>first-byte seconds` line per timed request),
DATA.json (what `records_setup.py build` printed), VERIFY.txt (`exit-code milliseconds`, or
empty) and EXPORT_ROWS.txt (rows in the exported workbook); prints the table against the aims
and writes it, with the raw figures, to OUT.json.
"""
from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from urllib.parse import urlsplit

from results_file import write_results  # bench/, the script's own folder

AIM_RECORD_P50_MS = 50.0
AIM_REPORT_S = 2.0


def _read_lines(path: str) -> list[str]:
    with open(path) as f:
        return [line.rstrip("\n") for line in f if line.strip()]


def _kind(url: str) -> str:
    path = urlsplit(url).path
    if path.startswith("/api/v1/users/"):
        return "record API"
    if path.startswith("/cadres/"):
        return "record page"
    return url


def report(args: list[str]) -> None:
    """Tabulate one run and write OUT.json."""
    app_path, bare_path, queries_path, timed_path, data_path, verify_path, rows_path, out = \
        args[:8]
    meta = dict(kv.split("=", 1) for kv in args[8:])
    app_rows = [json.loads(line) for line in _read_lines(app_path)]
    with open(bare_path) as f:
        bare = json.load(f)
    queries = [json.loads(line) for line in _read_lines(queries_path)]
    by_kind = {_kind(q["url"]): q for q in queries}
    with open(data_path) as f:
        data = json.load(f)
    verify = _read_lines(verify_path)
    export_rows = int(_read_lines(rows_path)[0]) if _read_lines(rows_path) else None

    table = []
    for r in app_rows:
        q = by_kind.get(r["label"], {})
        table.append({"label": r["label"], "conns": r["conns"], "rps": r["rps"],
                      "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"], "bytes": r["html_bytes"],
                      "queries": q.get("queries"), "errors": r["errors"],
                      "aim_p50_ms": AIM_RECORD_P50_MS})
    bare_rows = [{"label": "bare " + r["label"].split(" [", 1)[0], "conns": r["conns"],
                  "rps": r["rps"], "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
                  "bytes": r.get("html_bytes"), "errors": r["errors"]}
                 for r in bare.get("results", [])
                 if r["label"].split(" [", 1)[0] in ("page", "hello")]

    runs: dict[str, list[list[str]]] = defaultdict(list)
    for line in _read_lines(timed_path):
        label, *rest = line.split("\t")
        runs[label].append(rest)
    timed = []
    url_of = {"compliance district": "/admin/records/compliance",
              "compliance JD01": "/admin/records/compliance?unit=JD01",
              "compliance behind": "/admin/records/compliance?status=behind",
              "export district": "/admin/records/compliance/export.xlsx"}
    for label, rows in runs.items():
        seconds = [float(r[1]) for r in rows]
        first = [float(r[3]) for r in rows]
        q = next((x for x in queries if x["url"] == url_of.get(label)), {})
        timed.append({"label": label, "url": url_of.get(label), "runs": len(rows),
                      "median_s": round(statistics.median(seconds), 3),
                      "min_s": round(min(seconds), 3), "max_s": round(max(seconds), 3),
                      "first_byte_median_s": round(statistics.median(first), 3),
                      "bytes": int(rows[-1][2]), "queries": q.get("queries"),
                      "aim_s": AIM_REPORT_S if label.startswith("compliance district")
                      else None})

    hdr = (f"{'request':<16} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
           f"{'bytes':>8} {'queries':>7} {'errors':>6}")
    lines = [hdr, "-" * len(hdr)]
    for r in table + bare_rows:
        q = r.get("queries") if r.get("queries") is not None else "-"
        lines.append(f"{r['label']:<16} {r['conns']:>5} {r['rps']:>8.1f} {r['p50_ms']:>8.1f} "
                     f"{r['p99_ms']:>8.1f} {r['bytes'] or '-':>8} {q:>7} {r['errors']:>6}")
    lines.append("")
    hdr2 = (f"{'one at a time':<20} {'runs':>4} {'median s':>9} {'min s':>7} {'max s':>7} "
            f"{'1st byte':>8} {'bytes':>9} {'queries':>7}")
    lines += [hdr2, "-" * len(hdr2)]
    for t in timed:
        q = t["queries"] if t["queries"] is not None else "-"
        lines.append(f"{t['label']:<20} {t['runs']:>4} {t['median_s']:>9.3f} {t['min_s']:>7.3f} "
                     f"{t['max_s']:>7.3f} {t['first_byte_median_s']:>8.3f} {t['bytes']:>9} "
                     f"{q:>7}")
    if export_rows is not None:
        lines.append(f"export rows (openpyxl): {export_rows}")
    if verify:
        code, ms = verify[0].split()
        lines.append(f"records verify: exit {code} in {int(ms) / 1000:.1f} s")
    record_p50 = [r["p50_ms"] for r in table if r["label"] == "record page"]
    report_median = next((t["median_s"] for t in timed
                          if t["label"] == "compliance district"), None)
    lines.append(f"aims: record page p50 < {AIM_RECORD_P50_MS:.0f} ms: "
                 f"{', '.join(f'{p:.1f}' for p in record_p50) or '-'} ms; whole-district "
                 f"report < {AIM_REPORT_S:.0f} s: {report_median} s")
    if data.get("seconds"):
        lines.append("build: " + ", ".join(f"{k} {v} s" for k, v in data["seconds"].items()))
        lines.append("data: " + ", ".join(f"{k} {v}" for k, v in data.items()
                                          if k not in ("seconds",)))
    print("\n".join(lines))
    write_results(out, meta=meta, data=data, table=table, bare=bare_rows, timed=timed,
                  export_rows=export_rows, verify=verify, queries=queries,
                  app_raw=app_rows, bare_raw=bare)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("queries", "report"):
        raise SystemExit(__doc__)
    if sys.argv[1] == "queries":
        from completion_setup import count_queries

        from lms import create_app

        app = create_app({"WTF_CSRF_ENABLED": False})
        for row in count_queries(app, sys.argv[2], sys.argv[3], sys.argv[4:]):
            print(json.dumps(row))
    else:
        report(sys.argv[2:])


if __name__ == "__main__":
    main()
