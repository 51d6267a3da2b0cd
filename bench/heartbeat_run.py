"""Drive wrk for bench/heartbeat, check every learner's credited total, write the report.

    heartbeat_run.py run    --label L --url BASE --learners F --state S --first A --count N
                            --conns C --seconds D [--interval-ms I] --results R.jsonl [--meta k=v]
    heartbeat_run.py check  --learners F --state S --db-url URL --interval-s I
    heartbeat_run.py report --results R.jsonl --bare BARE.json --out OUT.json [k=v ...]

`run` gives learners A..A+N-1 of F to C connections (one wrk thread each, so every answer
is matched to its learner), runs bench/heartbeat.lua through wrk with the shared
wrk-report.lua appended (exact p50/p99 from wrk's histogram, via ../shared/peers/lib/
wrkrun.py), and adds what each learner sent and was answered to the state file S, so the
next run continues their sequence numbers. The rate is answered beats over the time from
the first request sent to the last answer received.

`check` compares, for every learner in S, the credited total in activity_states with the
sum of `counted` the server answered (exact: nothing lost, nothing doubled) and with the
real time between the learner's first beat sent and last answer (never more, plus one
second for whole-second rounding); it lists beats answered `gap`, `other_activity`,
`concurrent`, anything unexpected, non-200 answers and beats left unanswered, and for paced
runs learners credited less than (beats - 1) x interval by more than one interval without
a gap. Prints PASS or FAIL; exits 1 on FAIL.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

from results_file import write_results  # bench/, the script's own folder

HERE = Path(__file__).resolve().parent
# The shared peers beside the repository (bench/heartbeat sets PEERS_LIB to the same).
PEERS_LIB = Path(os.environ.get(
    "PEERS_LIB", Path(__file__).resolve().parents[2] / "shared" / "peers" / "lib"))
GRACE_S = 5  # wrk runs this much longer than the script, which stops itself at an answer
             # (a stall of the shared machine can hold an answer for over a second)
EXPECTED = {"started", "credited"}  # reasons a well-behaved learner gets
WARN = {"gap"}                      # a paced learner's beat came late: the server fell behind


def _wrkrun():
    sys.path.insert(0, str(PEERS_LIB))
    import wrkrun  # noqa: PLC0415 - the shared runner, used in place

    return wrkrun


def load_learners(path: str) -> list[dict]:
    """The learners file written by heartbeat_setup.py."""
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def load_state(path: str) -> dict:
    """Per-learner totals so far, keyed by learner index (as a string)."""
    return json.loads(Path(path).read_text()) if Path(path).exists() else {}


def cmd_run(a: argparse.Namespace) -> None:
    """One wrk run; appends a result row and updates the state file."""
    learners = load_learners(a.learners)
    state = load_state(a.state)
    chosen = list(range(a.first, a.first + a.count))
    if a.first + a.count > len(learners) or a.count < a.conns:
        raise SystemExit(f"need {a.first + a.count} learners (have {len(learners)}), "
                         f"at least one per connection")
    work = Path(tempfile.mkdtemp(prefix="bench-heartbeat-wrk."))
    try:
        files = {c: open(work / f"in-{c}.txt", "w") for c in range(1, a.conns + 1)}  # noqa: SIM115
        for n, i in enumerate(chosen):
            row, seq = learners[i], state.get(str(i), {}).get("seq", 0)
            files[n % a.conns + 1].write(f"{i} {row['token']} {row['activity_id']} {seq}\n")
        for f in files.values():
            f.close()
        os.environ.update(BEAT_DIR=str(work), BEAT_SECONDS=str(a.seconds),
                          BEAT_INTERVAL_MS=str(a.interval_ms), BEAT_CONNS=str(a.conns))
        wrkrun = _wrkrun()
        script = wrkrun.compose_script(str(HERE / "heartbeat.lua"))
        try:
            r = wrkrun.run_wrk(a.url + "/", script, a.conns, a.conns, a.seconds + GRACE_S,
                               a.timeout)
        finally:
            os.unlink(script)
        beats = counted = non200 = lost = 0
        first, last = float("inf"), 0.0
        reasons: Counter = Counter()
        short = []
        missing = [c for c in files if not (work / f"out-{c}.txt").exists()]
        for c in files:
            out = work / f"out-{c}.txt"
            if not out.exists():
                continue
            for line in out.read_text().splitlines():
                idx, seq, b, cnt, t1, t2, bad, lst, rs = line.split(" ")
                b, cnt, bad, lst = int(b), int(cnt), int(bad), int(lst)
                these = Counter({k: int(v) for k, v in (p.split("=") for p in rs.split(","))}
                                if rs != "-" else {})
                s = state.setdefault(idx, {"seq": 0, "beats": 0, "counted": 0, "non200": 0,
                                           "lost": 0, "first": None, "last": None,
                                           "reasons": {}, "paced_short": 0})
                s["seq"] = int(seq)
                s["beats"] += b
                s["counted"] += cnt
                s["non200"] += bad
                s["lost"] += lst
                if float(t1):
                    s["first"] = min(s["first"] or float(t1), float(t1))
                    s["last"] = max(s["last"] or 0.0, float(t2))
                    first, last = min(first, float(t1)), max(last, float(t2))
                s["reasons"] = dict(Counter(s["reasons"]) + these)
                beats, counted, non200, lost = beats + b + bad, counted + cnt, non200 + bad, \
                    lost + lst
                reasons += these
                if a.interval_ms and b > 1 and not these.get("gap"):
                    shortfall = (b - 1) * a.interval_ms // 1000 - cnt
                    if shortfall > a.interval_ms // 1000:
                        s["paced_short"] += 1
                        short.append((idx, b, cnt))
        for c in missing:  # a thread that never stopped itself: its learners are unaccounted
            for n, i in enumerate(chosen):
                if n % a.conns + 1 == c:
                    state.setdefault(str(i), {"seq": 0, "beats": 0, "counted": 0, "non200": 0,
                                              "lost": 0, "first": None, "last": None,
                                              "reasons": {}, "paced_short": 0})
                    state[str(i)]["unaccounted"] = 1
        Path(a.state).write_text(json.dumps(state))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    window = max(last - first, 1.0) / 1000
    errors = (r["err_connect"] + r["err_read"] + r["err_write"] + r["err_status"]
              + r["err_timeout"] + non200 + lost + len(missing))
    row = {"label": a.label, "conns": a.conns, "threads": a.conns,
           "rps": round(beats / window, 2), "p50_ms": round(r["p50_ms"], 2),
           "p99_ms": round(r["p99_ms"], 2), "errors": errors, "duration_s": a.seconds,
           "window_s": round(window, 3), "beats": beats, "counted": counted,
           "learners": a.count, "interval_ms": a.interval_ms,
           "offered_rps": round(a.count * 1000 / a.interval_ms, 1) if a.interval_ms else None,
           "reasons": dict(reasons), "paced_short": len(short), "threads_unfinished": missing,
           "meta": dict(kv.split("=", 1) for kv in a.meta), "wrk": r}
    with open(a.results, "a") as f:
        f.write(json.dumps(row) + "\n")
    extra = f" of {row['offered_rps']:.0f} offered" if a.interval_ms else ""
    print(f"  {a.label:<30} c={a.conns:<3} {row['rps']:>8.1f} beats/s{extra}  p50 "
          f"{row['p50_ms']:>7.1f} ms  p99 {row['p99_ms']:>7.1f} ms  errors {errors}  "
          f"reasons {dict(reasons)}", flush=True)


def cmd_check(a: argparse.Namespace) -> None:
    """Credited totals in the database against what the server acknowledged."""
    from sqlalchemy import create_engine, text  # noqa: PLC0415 - only this command needs it

    learners = load_learners(a.learners)
    state = load_state(a.state)
    engine = create_engine(a.db_url)
    with engine.connect() as conn:
        db = {(u, act): secs for u, act, secs in conn.execute(text(
            "SELECT s.user_id, s.activity_id, s.study_seconds FROM activity_states s "
            "JOIN users u ON u.id = s.user_id WHERE u.username LIKE 'hb%'"))}
    engine.dispose()
    problems: Counter = Counter()
    examples: dict[str, list] = {}
    warned: Counter = Counter()

    def flag(kind: str, detail) -> None:
        problems[kind] += 1
        examples.setdefault(kind, [])
        if len(examples[kind]) < 5:
            examples[kind].append(detail)

    credited = 0
    for idx, s in state.items():
        row = learners[int(idx)]
        total = db.get((row["user_id"], row["activity_id"]))
        credited += total or 0
        who = f"{row['username']} (activity {row['activity_id']})"
        if total != s["counted"]:
            flag("database total != acknowledged", f"{who}: {total} != {s['counted']}")
        if s["first"] is not None and (total or 0) > (s["last"] - s["first"]) / 1000 + 1:
            flag("more than the real time", f"{who}: {total} s in "
                 f"{(s['last'] - s['first']) / 1000:.1f} s")
        if s.get("unaccounted"):
            flag("answers not collected (wrk thread did not stop itself)", who)
            continue
        if s["non200"]:
            flag("non-200 answers", f"{who}: {s['non200']}")
        if s["lost"]:
            flag("beats left unanswered", f"{who}: {s['lost']}")
        if s.get("paced_short"):
            flag("paced credit short without a gap", f"{who}: beats {s['beats']}, "
                 f"credited {s['counted']}")
        for reason, n in s["reasons"].items():
            if reason in WARN:
                warned[reason] += n
            elif reason not in EXPECTED:
                flag(f"answered {reason}", f"{who}: {n}")
    beats = sum(s["beats"] for s in state.values())
    print(f"  {len(state)} learners, {beats} beats answered, {credited} s credited in the "
          f"database, {sum(s['counted'] for s in state.values())} s acknowledged")
    for reason, n in warned.items():
        print(f"  note: {n} beats answered {reason} (a paced learner's beat came more than "
              f"1.5 intervals after the previous one: the server fell behind)")
    for kind, n in problems.items():
        print(f"  {kind}: {n} learners, e.g. {'; '.join(map(str, examples[kind]))}")
    verdict = "PASS" if not problems else "FAIL"
    print(f"  correctness: {verdict}")
    if a.json:
        Path(a.json).write_text(json.dumps({
            "verdict": verdict, "learners": len(state), "beats": beats,
            "credited_s": credited, "problems": dict(problems), "examples": examples,
            "notes": dict(warned)}))
    sys.exit(0 if not problems else 1)


def cmd_report(a: argparse.Namespace) -> None:
    """Our runs side by side with the bare POST /beat at the same connection counts."""
    rows = [json.loads(line) for line in Path(a.results).read_text().splitlines() if line.strip()]
    bare_rows = json.loads(Path(a.bare).read_text()).get("results", []) \
        if a.bare and Path(a.bare).exists() else []
    bare = {(r["meta"].get("db"), r["conns"]): r for r in bare_rows
            if r["label"].startswith("beat POST") and r["meta"].get("worker") == "sync"}
    checks = {}
    for path in a.check:
        db, _sep, file = path.partition("=")
        checks[db] = json.loads(Path(file).read_text()) if Path(file).exists() else None
    hdr = (f"{'db':<9} {'run':<14} {'conns':>5} {'beats/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
           f"{'errors':>6} {'bare/s':>8} {'bare p99':>9} {'ratio':>6}")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        db = r["meta"].get("db")
        b = bare.get((db, r["conns"])) if not r["interval_ms"] else None
        ratio = r["rps"] / b["rps"] if b and b["rps"] else None
        r["bare_rps"], r["bare_p99_ms"] = (b["rps"], b["p99_ms"]) if b else (None, None)
        r["ratio_to_bare"] = round(ratio, 3) if ratio else None
        run = f"paced {r['offered_rps']:.0f}/s" if r["interval_ms"] else "closed loop"
        bare_rps = f"{b['rps']:.1f}" if b else "-"
        bare_p99 = f"{b['p99_ms']:.1f}" if b else "-"
        shown = f"{ratio:.2f}" if ratio else "-"
        print(f"{db:<9} {run:<14} {r['conns']:>5} {r['rps']:>9.1f} {r['p50_ms']:>8.1f} "
              f"{r['p99_ms']:>8.1f} {r['errors']:>6} {bare_rps:>8} {bare_p99:>9} {shown:>6}")
    for db, c in checks.items():
        print(f"{db}: correctness {c['verdict'] if c else 'not checked'}")
    write_results(a.out, benchmark="bench/heartbeat", results=rows,
                  bare_beat=list(bare.values()), correctness=checks,
                  **dict(kv.split("=", 1) for kv in a.extra))


def main() -> None:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    for name in ("--label", "--url", "--learners", "--state", "--results"):
        r.add_argument(name, required=True)
    for name in ("--first", "--count", "--conns", "--seconds"):
        r.add_argument(name, type=int, required=True)
    r.add_argument("--interval-ms", type=int, default=0)
    r.add_argument("--timeout", default="10s")
    r.add_argument("--meta", action="append", default=[])
    c = sub.add_parser("check")
    for name in ("--learners", "--state", "--db-url"):
        c.add_argument(name, required=True)
    c.add_argument("--json")
    p = sub.add_parser("report")
    p.add_argument("--results", required=True)
    p.add_argument("--bare")
    p.add_argument("--out", required=True)
    p.add_argument("--check", action="append", default=[], help="DB=check.json")
    p.add_argument("extra", nargs="*", help="k=v recorded in the JSON")
    a = ap.parse_args()
    {"run": cmd_run, "check": cmd_check, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
