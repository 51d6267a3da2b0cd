"""What each request of the rush costs in CPU: the figures the capacity arithmetic in
docs/deploy.md starts from, and which hold on a machine shared with other work (they count
the CPU time the processes used, not the time they waited for a core).

    python bench/rush_cost.py --db wt_ops_rush [--repeat 60] [--out RESULT.json]

Needs the database bench/rush prepared (`KEEP_DB=1 bash bench/rush`). Serves it with gunicorn
(one sync worker: one process to count), signs in learners of the rush with `requests`, and
for each kind of request sends REPEAT of them one after another; the gunicorn worker's CPU
time (/proc/<pid>/stat) and that of the one PostgreSQL backend serving it (its pid from
pg_stat_activity) are read before and after. Prints and writes milliseconds of CPU per request
for the app and for PostgreSQL, and the wall time (p50) for comparison.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
DATA_CSRF = re.compile(r'data-csrf="([^"]+)"')
SEQ = re.compile(r'data-seq="(\d+)"')


def cpu(pid: int) -> float:
    """CPU seconds (user + system) of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign_in(base: str, username: str, password: str) -> requests.Session:
    s = requests.Session()
    token = CSRF.search(s.get(f"{base}/login").text).group(1)
    page = s.post(f"{base}/login", data={"csrf_token": token, "username": username,
                                         "password": password})
    if "/logout" not in page.text:
        raise SystemExit(f"sign-in of {username} failed")
    return s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="wt_ops_rush")
    parser.add_argument("--repeat", type=int, default=60)
    parser.add_argument("--out")
    args = parser.parse_args()
    if not args.db.startswith("wt_") and not args.db.startswith("bench_"):
        raise SystemExit("use a bench database")
    dsn = f"postgresql://postgres@127.0.0.1:5432/{args.db}"
    with psycopg.connect(dsn) as con:
        learners = [r[0] for r in con.execute(
            "select username from users where username like 'rush%' order by id limit 200")]
        studied = con.execute(
            "select a.id, c.slug from activities a join courses c on c.id = a.course_id "
            "where a.type_key = 'lecture' and not a.retired and c.status = 'published' "
            "order by a.id limit 1").fetchone()
        quiz = con.execute(
            "select a.id from activities a join courses c on c.id = a.course_id "
            "where a.type_key = 'quiz' and not a.retired and c.status = 'published' "
            "order by a.id limit 1").fetchone()[0]
    if not learners:
        raise SystemExit("no rush learners: run KEEP_DB=1 bash bench/rush first")
    port = free_port()
    env = dict(os.environ, LMS_PRESENCE_CHECK_MINUTES="0",
               DATABASE_URL=f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.db}",
               LMS_MEDIA_DIR=tempfile.mkdtemp(prefix="rush-cost-"))
    env["SECRET_KEY"] = "bench-rush-fixed-secret-key"  # noqa: S105 - a bench key, as bench/rush
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "-w", "1",
         "-k", "sync", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                if requests.get(f"{base}/healthz", timeout=5).ok:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        worker = int(subprocess.check_output(["pgrep", "-P", str(server.pid)]).split()[0])
        password = "Demo2026study"  # noqa: S105 - the demo accounts' password (README)
        me = sign_in(base, learners[0], password)
        admin = sign_in(base, "zzb_admin", password)
        # the backend serving the worker: the only connection of this database from it
        with psycopg.connect(dsn) as con:
            backends = [r[0] for r in con.execute(
                "select pid from pg_stat_activity where datname = %s and pid <> "
                "pg_backend_pid()", (args.db,))]
        page = me.get(f"{base}/activities/{studied[0]}").text
        beat_headers = {"X-CSRFToken": DATA_CSRF.search(page).group(1)}
        seq = [int(SEQ.search(page).group(1))]
        others = iter(learners[1:] * 10)

        def beat():
            seq[0] += 1
            return me.post(f"{base}/activities/{studied[0]}/beat", headers=beat_headers,
                           json={"seq": seq[0], "visible": True, "position": seq[0], "age": 0})

        def login():
            return sign_in(base, next(others), password)

        def quiz_round():
            """Start (or resume) an attempt, answer its first question, submit: 3 requests."""
            html = me.get(f"{base}/activities/{quiz}").text
            token = CSRF.search(html)
            started = me.post(f"{base}/activities/{quiz}/attempt",
                              data={"csrf_token": token.group(1)})
            attempt = re.search(r"/attempts/(\d+)", started.url).group(1)
            csrf = DATA_CSRF.search(started.text).group(1)
            slot = re.search(r'data-slot="(\d+)" data-type="multichoice"', started.text)
            if slot:
                me.put(f"{base}/attempts/{attempt}/answers/{slot.group(1)}",
                       headers={"X-CSRFToken": csrf}, json={"response": 0})
            return me.post(f"{base}/attempts/{attempt}",
                           data={"csrf_token": csrf, "submit": "1"})

        kinds = [
            ("GET /", lambda: me.get(f"{base}/"), 1),
            ("GET /courses", lambda: me.get(f"{base}/courses"), 1),
            ("GET /courses/[slug]", lambda: me.get(f"{base}/courses/{studied[1]}"), 1),
            ("GET /activities/[id]", lambda: me.get(f"{base}/activities/{studied[0]}"), 1),
            ("POST /activities/[id]/beat", beat, 1),
            ("GET /me/learning", lambda: me.get(f"{base}/me/learning"), 1),
            ("GET /me/record", lambda: me.get(f"{base}/me/record"), 1),
            ("quiz: open, start, answer one, submit (6 requests)", quiz_round, 6),
            ("sign-in (GET /login, POST /login -> /)", login, 3),
            ("GET /admin/records/compliance", lambda: admin.get(
                f"{base}/admin/records/compliance"), 1),
        ]
        results = []
        for name, call, requests_each in kinds:
            repeat = args.repeat if "sign-in" not in name else max(10, args.repeat // 3)
            call()  # warm
            walls = []
            app0 = cpu(worker)
            pg0 = sum(cpu(p) for p in backends if Path(f"/proc/{p}").exists())
            for _ in range(repeat):
                t = time.perf_counter()
                answer = call()
                walls.append((time.perf_counter() - t) * 1000)
                if getattr(answer, "status_code", 200) != 200:  # a sign-in gives a session
                    raise SystemExit(f"{name}: {answer.status_code}")
            app = cpu(worker) - app0
            pg = sum(cpu(p) for p in backends if Path(f"/proc/{p}").exists()) - pg0
            row = {"request": name, "repeat": repeat, "requests_each": requests_each,
                   "app_cpu_ms": round(1000 * app / repeat, 1),
                   "pg_cpu_ms": round(1000 * pg / repeat, 1),
                   "wall_p50_ms": round(statistics.median(walls), 1)}
            results.append(row)
            print(f"{name:48} app {row['app_cpu_ms']:7.1f} ms  pg {row['pg_cpu_ms']:6.1f} ms"
                  f"  wall p50 {row['wall_p50_ms']:7.1f} ms", flush=True)
        load = Path("/proc/loadavg").read_text().split()[:3]
        if args.out:
            Path(args.out).write_text(json.dumps({
                "benchmark": "bench/rush_cost.py", "db": args.db, "repeat": args.repeat,
                "gunicorn": "1 sync worker", "loadavg_after": " ".join(load),
                "rows": results}, indent=1, ensure_ascii=False) + "\n")
        print("load average", " ".join(load))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
