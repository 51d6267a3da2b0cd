"""Tabulate `bench/pages` results against the bare Flask ceiling measured in the same run.

    .venv/bin/python bench/pages_report.py APP.jsonl BARE.json OUT.json [key=value ...]

APP.jsonl: rows appended by /work/shared/peers/lib/wrkrun.py (label = page path);
BARE.json: the output of /work/shared/peers/bare-flask/bench.sh (labels "page [postgres/sync]",
"hello [postgres/sync]"). Prints the table and writes it, with the raw rows, to OUT.json.
"""
from __future__ import annotations

import json
import sys

from results_file import write_results  # bench/, the script's own folder


def main() -> None:
    app_path, bare_path, out_path = sys.argv[1:4]
    meta = dict(kv.split("=", 1) for kv in sys.argv[4:])
    with open(app_path) as f:
        app_rows = [json.loads(line) for line in f if line.strip()]
    with open(bare_path) as f:
        bare = json.load(f)
    bare_rps = {}
    for r in bare["results"]:
        route = r["label"].split(" [", 1)[0]
        bare_rps[(route, r["conns"])] = r

    rows = []
    for r in app_rows:
        page = bare_rps.get(("page", r["conns"]))
        hello = bare_rps.get(("hello", r["conns"]))
        rows.append({
            "page": r["label"], "conns": r["conns"], "rps": r["rps"],
            "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
            "ratio_bare_page": round(r["rps"] / page["rps"], 3) if page else None,
            "ratio_bare_hello": round(r["rps"] / hello["rps"], 3) if hello else None,
            "html_bytes": r["html_bytes"], "errors": r["errors"],
        })
    for r in bare["results"]:
        route = r["label"].split(" [", 1)[0]
        if route in ("hello", "page"):
            rows.append({
                "page": f"bare /{route}", "conns": r["conns"], "rps": r["rps"],
                "p50_ms": r["p50_ms"], "p99_ms": r["p99_ms"],
                "ratio_bare_page": round(r["rps"] / bare_rps[("page", r["conns"])]["rps"], 3),
                "ratio_bare_hello": round(r["rps"] / bare_rps[("hello", r["conns"])]["rps"], 3),
                "html_bytes": r["html_bytes"], "errors": r["errors"],
            })

    hdr = (f"{'page':<26} {'conns':>5} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
           f"{'/bare page':>10} {'/bare hello':>11} {'HTML bytes':>10} {'errors':>6}")
    lines = [hdr, "-" * len(hdr)]
    for r in rows:
        def ratio(v):
            return f"{v:.2f}" if v is not None else "-"
        lines.append(f"{r['page']:<26} {r['conns']:>5} {r['rps']:>9.1f} {r['p50_ms']:>8.1f} "
                     f"{r['p99_ms']:>8.1f} {ratio(r['ratio_bare_page']):>10} "
                     f"{ratio(r['ratio_bare_hello']):>11} {r['html_bytes']:>10} "
                     f"{r['errors']:>6}")
    print("\n".join(lines))

    write_results(out_path, meta=meta, table=rows, app_raw=app_rows, bare_raw=bare)


if __name__ == "__main__":
    main()
