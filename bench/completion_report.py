"""Tabulate `bench/completion` results against the bare Flask ceiling measured in the same run.

    .venv/bin/python bench/completion_report.py APP.jsonl BARE.json QUERIES.jsonl EXPORT.txt \
        DATA.json OUT.json [key=value ...]

APP.jsonl: rows appended by /work/shared/peers/lib/wrkrun.py; BARE.json: the output of
/work/shared/peers/bare-flask/bench.sh; QUERIES.jsonl: `completion_setup.py queries` output;
EXPORT.txt: one `status seconds bytes` line per timed export; DATA.json: the counts printed by
`completion_setup.py prepare`. Prints the table and writes it, with the raw rows, to OUT.json.
"""
from __future__ import annotations

import json
import statistics
import sys
from urllib.parse import urlsplit

from results_file import write_results  # bench/, the script's own folder


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _ratio(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else "-"


def main() -> None:
    """Read the run's files, print the table, write OUT.json."""
    app_path, bare_path, queries_path, export_path, data_path, out_path = sys.argv[1:7]
    meta = dict(kv.split("=", 1) for kv in sys.argv[7:])
    with open(app_path) as f:
        app_rows = [json.loads(line) for line in f if line.strip()]
    with open(bare_path) as f:
        bare = json.load(f)
    with open(queries_path) as f:
        queries = {q["url"]: q for q in (json.loads(line) for line in f if line.strip())}
    with open(export_path) as f:
        exports = [line.split() for line in f if line.strip()]
    with open(data_path) as f:
        data = json.load(f)
    bare_by = {(r["label"].split(" [", 1)[0], r["conns"]): r for r in bare["results"]}

    rows = []
    for r in app_rows:
        page = bare_by.get(("page", r["conns"]))
        path = _path(r["url"])
        rows.append({
            "label": r["label"], "path": path, "conns": r["conns"], "rps": r["rps"],
            "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
            "ratio_bare_page": round(r["rps"] / page["rps"], 3) if page else None,
            "bytes": r["html_bytes"], "queries": queries.get(path, {}).get("queries"),
            "errors": r["errors"],
        })
    for r in bare["results"]:
        route = r["label"].split(" [", 1)[0]
        if route == "page":
            rows.append({"label": "bare /page", "path": "/page", "conns": r["conns"],
                         "rps": r["rps"], "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
                         "ratio_bare_page": 1.0, "bytes": r["html_bytes"], "queries": 3,
                         "errors": r["errors"]})

    seconds = [float(e[1]) for e in exports]
    export = {"path": next((u for u in queries if u.endswith("/export.xlsx")), None),
              "runs": len(seconds), "median_s": round(statistics.median(seconds), 3),
              "min_s": round(min(seconds), 3), "max_s": round(max(seconds), 3),
              "bytes": int(exports[-1][2]),
              "queries": next((q["queries"] for u, q in queries.items()
                               if u.endswith("/export.xlsx")), None),
              "rows": data.get("enrolled")}

    hdr = (f"{'request':<16} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
           f"{'/bare page':>10} {'bytes':>7} {'queries':>7} {'errors':>6}")
    lines = [hdr, "-" * len(hdr)]
    for r in rows:
        q = r["queries"] if r["queries"] is not None else "-"
        lines.append(f"{r['label']:<16} {r['conns']:>5} {r['rps']:>8.1f} {r['p50_ms']:>8.1f} "
                     f"{r['p99_ms']:>8.1f} {_ratio(r['ratio_bare_page']):>10} "
                     f"{r['bytes']:>7} {q:>7} {r['errors']:>6}")
    lines.append(f"export .xlsx ({export['rows']} rows): median {export['median_s']:.3f} s "
                 f"(min {export['min_s']:.3f}, max {export['max_s']:.3f}, {export['runs']} runs), "
                 f"{export['bytes']} bytes, {export['queries']} queries")
    lines.append("data: " + ", ".join(f"{k} {v}" for k, v in data.items()))
    print("\n".join(lines))

    write_results(out_path, meta=meta, data=data, table=rows, export=export,
                  queries=list(queries.values()), app_raw=app_rows, bare_raw=bare)


if __name__ == "__main__":
    main()
