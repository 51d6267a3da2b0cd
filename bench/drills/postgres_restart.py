"""Drill: PostgreSQL restarted (and crashed) under heartbeat load; no acknowledged second lost.

    .venv/bin/python bench/drills/postgres_restart.py [--learners 120] [--threads 16]
                                                      [--interval 2] [--phase-seconds 8]

Starts a private PostgreSQL cluster (initdb into a temporary folder, its own port and socket
folder: never the machine's server), migrates it, loads the demo district and a course, gives
LEARNERS learners an API token and a state in one of its activities (bench/heartbeat_setup.py),
and runs gunicorn (2 sync workers) against it with `REDIS_URL` naming a port where no Redis
listens (the heartbeat path needs no Redis). A pool of THREADS client threads then behaves like
the study page (static/js/study.js): every learner takes a beat each INTERVAL seconds and queues
it; the queue is sent oldest first, each beat with its `age`; a beat that fails (no answer, or a
5xx) stays queued and is sent again, with the same `seq`, at the next tick.

Under that load, with PHASE seconds of steady beats between faults:
  1. `pg_ctl restart -m fast`;
  2. a crash: `pg_ctl stop -m immediate`, PHASE/2 seconds with the database down, `pg_ctl start`;
  3. `pg_ctl restart -m immediate` (crash and recovery at once);
  4. one gunicorn worker killed with SIGKILL while beats are in flight (an app instance's crash);
then every queue is drained and gunicorn stopped. It is never restarted during the drill.

Checks, per learner: every beat taken was acknowledged in the end (nothing left queued); the
credited total in activity_states equals the sum of `counted` the server acknowledged (nothing
acknowledged lost, nothing credited twice); never more than the real time between the learner's
first and last beat (+1 s); after each fault, beats were acknowledged again within RECOVER s
without restarting gunicorn (its master's pid unchanged). Prints the figures and PASS or FAIL
(exit 1).
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SLUG = "gongwen-xiezuo"
RECOVER = 20.0  # seconds within which beats must be acknowledged again after a fault


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Cluster:
    """A private PostgreSQL cluster in a temporary folder (run as `postgres` when root)."""

    def __init__(self, base: Path):
        self.base, self.port = base, free_port()
        self.data, self.sock = base / "pgdata", base / "sock"
        self.sock.mkdir()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to `postgres`
            shutil.chown(base, "postgres")
            shutil.chown(self.sock, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync")

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self.as_user, *cmd], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.STDOUT)

    def ctl(self, *args: str) -> None:
        opts = f"-p {self.port} -k {self.sock} -c listen_addresses=127.0.0.1"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l",
                  str(self.base / "postgres.log"), "-o", opts, "-w", "-t", "60", *args)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/drill"

    def query(self, sql: str) -> str:
        return subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "drill",
             "-Atc", sql], check=True, capture_output=True, text=True).stdout


@dataclass
class Learner:
    index: int
    token: str
    activity_id: int
    seq: int = 0
    queue: list = field(default_factory=list)   # [seq, taken_at] not yet accepted
    counted: int = 0
    acknowledged: int = 0
    failures: int = 0
    retried_ok: int = 0     # beats acknowledged after at least one failed send
    replayed_after_failure: int = 0  # ...answered `replayed`: the failed send had committed
    total: int = 0          # `credited_seconds` of the last answer: the server's own total
    failed_seqs: set = field(default_factory=set)
    reasons: Counter = field(default_factory=Counter)
    first: float | None = None
    last: float | None = None


class Page:
    """The study page's heartbeat loop for a few learners (one client thread)."""

    def __init__(self, base: str, learners: list[Learner], interval: float, stats: dict):
        self.base, self.learners, self.interval, self.stats = base, learners, interval, stats

    def send(self, learner: Learner) -> bool:
        """Send the learner's queue oldest first; False at the first failure (kept)."""
        while learner.queue:
            seq, taken = learner.queue[0]
            body = json.dumps({"seq": seq, "visible": True,
                               "age": max(0.0, time.time() - taken)}).encode()
            req = urllib.request.Request(  # noqa: S310 - http on loopback
                f"{self.base}/api/v1/activities/{learner.activity_id}/heartbeat", data=body,
                headers={"Authorization": f"Bearer {learner.token}",
                         "Content-Type": "application/json"}, method="POST")
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
                    answer = json.loads(resp.read())
            except urllib.error.HTTPError as exc:
                if exc.code < 500:  # refused for good, as the page drops it
                    learner.queue.pop(0)
                    learner.reasons[f"http{exc.code}"] += 1
                    continue
                return self._failed(learner, seq)
            except (OSError, ValueError):
                return self._failed(learner, seq)
            learner.queue.pop(0)
            learner.acknowledged += 1
            learner.counted += int(answer["counted"])
            learner.total = int(answer["credited_seconds"])
            learner.reasons[answer["reason"]] += 1
            learner.last = taken
            if seq in learner.failed_seqs:
                learner.retried_ok += 1
                if answer["reason"] == "replayed":
                    learner.replayed_after_failure += 1
            with self.stats["lock"]:
                self.stats["acked_at"] = time.time()
                self.stats["acks"] += 1
        return True

    def _failed(self, learner: Learner, seq: int) -> bool:
        learner.failures += 1
        learner.failed_seqs.add(seq)
        with self.stats["lock"]:
            self.stats["failures"] += 1
        return False

    def run(self, stop: threading.Event, drain_until: list) -> None:
        """Like the page's timer, a learner's beats are taken every interval whatever the
        network does (a beat's moment is its slot, even when this thread was busy sending)."""
        slot = self.interval / max(1, len(self.learners))
        start = time.time()
        for n, learner in enumerate(self.learners):
            learner.first = start + n * slot
        while True:
            for learner in self.learners:
                if stop.is_set():
                    self.send(learner)
                    continue
                due = learner.first + learner.seq * self.interval
                if time.time() < due:
                    time.sleep(min(slot, due - time.time()))
                while learner.first + learner.seq * self.interval <= time.time():
                    learner.queue.append([learner.seq + 1,
                                          learner.first + learner.seq * self.interval])
                    learner.seq += 1
                self.send(learner)
            if stop.is_set() and (all(not lr.queue for lr in self.learners)
                                  or time.time() > drain_until[0]):
                return


def flask(env: dict, *args: str) -> None:
    subprocess.run([str(ROOT / ".venv/bin/flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


def wait_for(cond, seconds: float) -> float | None:
    """Seconds until `cond()` held (None: it did not within `seconds`)."""
    start = time.time()
    while time.time() - start < seconds:
        if cond():
            return time.time() - start
        time.sleep(0.1)
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=120)
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--interval", type=int, default=2)
    ap.add_argument("--phase-seconds", type=float, default=8.0)
    a = ap.parse_args()

    base = Path(tempfile.mkdtemp(prefix="drill-pg-restart."))
    cluster, gunicorn = None, None
    problems: list[str] = []
    stack = contextlib.ExitStack()
    try:
        cluster = Cluster(base)
        cluster.ctl("start")
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres",
                        "-d", "postgres", "-qc", "CREATE DATABASE drill"], check=True)
        log(f"private PostgreSQL on port {cluster.port} in {base}")
        env = {**os.environ, "DATABASE_URL": cluster.url, "SECRET_KEY": "drill-secret",
               "LMS_MEDIA_DIR": str(base / "media"), "LMS_HEARTBEAT_SECONDS": str(a.interval),
               "LMS_PRESENCE_CHECK_MINUTES": "0", "PYTHONPATH": str(ROOT),
               # Redis "crashed": nothing listens there, and heartbeats must not care.
               "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
        flask(env, "db", "upgrade")
        flask(env, "demo", "load")
        flask(env, "courses", "import", f"courses/{SLUG}")
        learners_file = base / "learners.jsonl"
        subprocess.run([str(ROOT / ".venv/bin/python"), "bench/heartbeat_setup.py", SLUG,
                        str(a.learners), str(learners_file)], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        learners = [Learner(i, r["token"], r["activity_id"]) for i, r in enumerate(
            json.loads(line) for line in learners_file.read_text().splitlines())]
        user_ids = [json.loads(line)["user_id"] for line in learners_file.read_text().splitlines()]
        log(f"migrated; {len(learners)} learners with a token and a state")

        port = free_port()
        gunicorn_log = stack.enter_context((base / "gunicorn.log").open("w"))
        gunicorn = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}",
             "--log-level", "warning", "--timeout", "30", "wsgi:app"],
            cwd=ROOT, env=env, stdout=gunicorn_log, stderr=subprocess.STDOUT)
        master = gunicorn.pid
        url = f"http://127.0.0.1:{port}"

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310
                    return True
            except OSError:
                return False

        if wait_for(healthy, 120) is None:  # a busy machine: workers load the search dictionary
            raise SystemExit("gunicorn did not start")
        log(f"gunicorn (2 sync workers) on port {port}, master pid {master}")

        stats = {"lock": threading.Lock(), "acked_at": 0.0, "acks": 0, "failures": 0}
        stop, drain_until = threading.Event(), [0.0]
        pages = [Page(url, learners[t::a.threads], a.interval, stats) for t in range(a.threads)]
        threads = [threading.Thread(target=p.run, args=(stop, drain_until), daemon=True)
                   for p in pages]
        for t in threads:
            t.start()

        def recovered(fault: str, since: float) -> None:
            took = wait_for(lambda: stats["acked_at"] > since + 0.05, RECOVER)
            failures = stats["failures"]
            if took is None:
                problems.append(f"{fault}: no beat acknowledged within {RECOVER:.0f} s")
                log(f"{fault}: NOT recovered within {RECOVER:.0f} s")
            else:
                log(f"{fault}: beats acknowledged again {took:.1f} s later "
                    f"(failed sends so far: {failures})")

        phase = a.phase_seconds
        time.sleep(phase)
        log(f"steady: {stats['acks']} beats acknowledged, {stats['failures']} failed sends")
        log("fault 1: pg_ctl restart -m fast")
        cluster.ctl("restart", "-m", "fast")
        recovered("restart -m fast", time.time())
        time.sleep(phase)
        log(f"fault 2: PostgreSQL crashed (stop -m immediate), down for {phase / 2:.0f} s")
        cluster.ctl("stop", "-m", "immediate")
        time.sleep(phase / 2)
        cluster.ctl("start")
        recovered("crash and start", time.time())
        time.sleep(phase)
        log("fault 3: pg_ctl restart -m immediate (crash recovery)")
        cluster.ctl("restart", "-m", "immediate")
        recovered("restart -m immediate", time.time())
        time.sleep(phase)
        workers = subprocess.run(["pgrep", "-P", str(master)], capture_output=True,
                                 text=True).stdout.split()
        if workers:
            log(f"fault 4: gunicorn worker {workers[0]} killed (SIGKILL) under load")
            os.kill(int(workers[0]), signal.SIGKILL)
            recovered("worker killed", time.time())
        time.sleep(phase)
        log("stopping new beats; draining the pages' queues")
        drain_until[0] = time.time() + 60
        stop.set()
        for t in threads:
            t.join(timeout=90)
        if gunicorn.poll() is not None or gunicorn.pid != master:
            problems.append("gunicorn's master exited during the drill")
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=30)
        gunicorn = None

        ids = ",".join(str(int(u)) for u in user_ids)
        rows = cluster.query(f"SELECT user_id, study_seconds FROM activity_states "  # noqa: S608
                             f"WHERE user_id IN ({ids})")
        credited = {int(u): int(s) for u, s in (r.split("|") for r in rows.split())}
        reasons, left, lost, unexplained, over = Counter(), 0, [], [], []
        retried = sum(lr.retried_ok for lr in learners)
        failed = sum(len(lr.failed_seqs) for lr in learners)
        committed_unanswered = sum(lr.replayed_after_failure for lr in learners)
        for lr, uid in zip(learners, user_ids, strict=True):
            reasons.update(lr.reasons)
            left += len(lr.queue)
            db_total = credited.get(uid, 0)
            if db_total < lr.counted or db_total != lr.total:
                lost.append((lr.index, lr.counted, lr.total, db_total))
            # Credit beyond the acknowledged `counted` only from a beat whose first send
            # committed but lost its answer (its retry was answered `replayed`), at most one
            # interval each.
            if db_total - lr.counted > a.interval * lr.replayed_after_failure:
                unexplained.append((lr.index, lr.counted, db_total))
            span = (lr.last or 0) - (lr.first or 0)
            if db_total > span + 1:
                over.append((lr.index, db_total, round(span, 1)))
        total_ack = sum(lr.counted for lr in learners)
        total_db = sum(credited.get(uid, 0) for uid in user_ids)
        print()
        print(f"beats taken {sum(lr.seq for lr in learners)}, acknowledged "
              f"{sum(lr.acknowledged for lr in learners)}, still queued {left}; failed sends "
              f"{stats['failures']} ({failed} distinct beats), acknowledged on a retry "
              f"{retried}, of which {committed_unanswered} had committed before their answer "
              f"was lost (answered `replayed`, credited once)")
        print(f"answers: {dict(reasons)}")
        print(f"credited in the database {total_db} s; sum of acknowledged `counted` {total_ack} s;"
              f" every learner's total equals the last total the server answered them: "
              f"{'yes' if not lost else 'NO'}")
        if left:
            problems.append(f"{left} beats never acknowledged")
        if lost:
            problems.append(f"acknowledged credit missing for {len(lost)} learners "
                            f"(index, counted, last answered total, database): {lost[:5]}")
        if unexplained:
            problems.append(f"credit never acknowledged for {len(unexplained)} learners: "
                            f"{unexplained[:5]}")
        if over:
            problems.append(f"credited beyond real time for {len(over)} learners: {over[:5]}")
        if failed == 0:
            problems.append("no beat failed: the faults were not felt (check the drill)")
        unexpected = set(reasons) - {"started", "credited", "gap", "replayed"}
        if unexpected:
            problems.append(f"unexpected answers: {sorted(unexpected)}")
        if reasons.get("replayed", 0) > committed_unanswered:
            problems.append("beats answered `replayed` that had not been sent before")
        if problems:
            print("FAIL: " + "; ".join(problems))
            return 1
        print(f"PASS: PostgreSQL restarted, crashed and restarted by a crash, and a worker killed,"
              f" under {len(learners)} learners' heartbeats: the app recovered each time without"
              f" a restart; {failed} failed beats were kept by the page and credited once on a"
              f" retry; every acknowledged second ({total_ack} s) is in the database, and"
              f" nothing beyond it but {total_db - total_ack} s of beats that committed as their"
              f" answer was lost, answered on their retry")
        return 0
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.kill()
            gunicorn.wait()
        if cluster is not None:
            with contextlib.suppress(subprocess.CalledProcessError):
                cluster.ctl("stop", "-m", "immediate")
        stack.close()
        if os.environ.get("DRILL_KEEP"):
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
