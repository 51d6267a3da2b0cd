"""Read locust's CSV files from bench/rush and write the rush's figures.

    python bench/rush_report.py --csv PREFIX --cpu CPU.env --out RESULT.json [--users N ...]

Prints, and writes to RESULT.json: users sustained, requests/s, the error rate and, per
endpoint, requests, requests/s, p50/p95/p99/max and failures (the steady part, after every
user started); the ramp's aggregate p95 from the history file; the CPU seconds gunicorn,
PostgreSQL and locust used during the steady part, and per request.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shlex
from datetime import UTC, datetime
from pathlib import Path


def number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def read_env(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        values[key] = shlex.split(value)[0] if value else ""
    return values


def endpoint(row: dict) -> dict:
    return {
        "name": f"{row['Type']} {row['Name']}".strip(),
        "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
        "rps": round(number(row["Requests/s"]) or 0, 2),
        "p50_ms": number(row["50%"]), "p95_ms": number(row["95%"]),
        "p99_ms": number(row["99%"]), "max_ms": round(number(row["Max Response Time"]) or 0),
        "avg_ms": round(number(row["Average Response Time"]) or 0, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", required=True)
    parser.add_argument("--cpu", required=True)
    parser.add_argument("--out", required=True)
    for name in ("users", "spawn-rate", "run-time", "interval", "workers", "threads",
                 "learners", "redis", "note"):
        parser.add_argument(f"--{name}", default="")
    args = parser.parse_args()

    with open(f"{args.csv}_stats.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    table = [endpoint(r) for r in rows if r["Name"] != "Aggregated"]
    total = endpoint(next(r for r in rows if r["Name"] == "Aggregated"))
    table.sort(key=lambda r: -(r["p95_ms"] or 0))

    with open(f"{args.csv}_stats_history.csv", newline="") as f:
        history = [r for r in csv.DictReader(f) if r["Name"] == "Aggregated"]
    users = [int(r["User Count"]) for r in history]
    peak = max(users) if users else 0
    # Locust stops its users during the last seconds (--stop-timeout): not part of the rush.
    last = int(history[-1]["Timestamp"]) if history else 0
    held = [int(r["User Count"]) for r in history if int(r["Timestamp"]) <= last - 10]
    # The history restarts its counts at the reset: the last row before it is the ramp's.
    ramp = None
    for before, after in zip(history, history[1:], strict=False):
        if int(after["Total Request Count"]) < int(before["Total Request Count"]):
            ramp = {"requests": int(before["Total Request Count"]),
                    "failures": int(before["Total Failure Count"]),
                    "p95_ms": number(before["95%"]), "p99_ms": number(before["99%"])}
            break
    # Users held through the steady part: the lowest count from the moment the peak was
    # first reached until 10 s before the end.
    steady = held[held.index(peak):] if peak in held else held
    sustained = min(steady) if steady else 0

    cpu = read_env(Path(args.cpu))
    seconds = float(cpu["end_at"]) - float(cpu["measured_at"])
    app = float(cpu["end_app_cpu"]) - float(cpu["measured_app_cpu"])
    pg = float(cpu["end_pg_cpu"]) - float(cpu["measured_pg_cpu"])
    loc = float(cpu["locust_cpu_at_end"]) - float(cpu["locust_cpu_at_measured"])
    requests = total["requests"]
    result = {
        "benchmark": "bench/rush",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "host": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "setup": {"users": int(args.users or 0), "spawn_rate": args.spawn_rate,
                  "run_time": args.run_time, "heartbeat_seconds": int(args.interval or 0),
                  "gunicorn": f"{args.workers} workers x {args.threads} threads (gthread)",
                  "learner_accounts": int(args.learners or 0), "redis": args.redis,
                  "database": "postgresql", "locust": "1 process, FastHttpUser",
                  "note": args.note},
        "users_sustained": sustained,
        "users_peak": peak,
        "steady_seconds": round(seconds, 1),
        "requests": requests,
        "rps": total["rps"],
        "failures": total["failures"],
        "error_rate": round(total["failures"] / requests, 5) if requests else None,
        "p50_ms": total["p50_ms"], "p95_ms": total["p95_ms"], "p99_ms": total["p99_ms"],
        "endpoints": table,
        "ramp": ramp,
        "cpu_seconds": {"gunicorn": round(app, 1), "postgresql_all": round(pg, 1),
                        "locust": round(loc, 1)},
        "cpu_ms_per_request": {
            "gunicorn": round(1000 * app / requests, 2) if requests else None,
            "postgresql_all": round(1000 * pg / requests, 2) if requests else None},
        "cores_busy": {"gunicorn": round(app / seconds, 2),
                       "postgresql_all": round(pg / seconds, 2),
                       "locust": round(loc / seconds, 2)},
        "loadavg": {"before": cpu.get("start_loadavg"), "at_steady": cpu.get("measured_loadavg"),
                    "after": cpu.get("end_loadavg")},
    }
    Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")

    print(f"users sustained {sustained} (peak {peak}), {seconds:.0f} s steady, "
          f"{requests} requests, {total['rps']} req/s, errors {total['failures']} "
          f"({result['error_rate']}), p50 {total['p50_ms']} p95 {total['p95_ms']} "
          f"p99 {total['p99_ms']} ms")
    print(f"{'endpoint':58} {'reqs':>7} {'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} "
          f"{'max':>6} {'fail':>5}")
    for r in table:
        print(f"{r['name'][:58]:58} {r['requests']:7} {r['rps']:7} {r['p50_ms'] or 0:6.0f} "
              f"{r['p95_ms'] or 0:6.0f} {r['p99_ms'] or 0:6.0f} {r['max_ms']:6} {r['failures']:5}")
    if ramp:
        print(f"ramp: {ramp['requests']} requests, p95 {ramp['p95_ms']} ms, "
              f"failures {ramp['failures']}")
    print("cpu seconds in the steady part: " + json.dumps(result["cpu_seconds"])
          + "; cores busy " + json.dumps(result["cores_busy"])
          + "; ms per request " + json.dumps(result["cpu_ms_per_request"]))
    print("load average: " + json.dumps(result["loadavg"]))
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
