"""Media streaming: Range answers are right, and a 200 MB download does not grow the worker.

    /work/main/.venv/bin/python bench/media_range.py [SIZE_MB] [--s3]   (default 200; ~20 s)

Builds the app on a temporary SQLite database and media folder (migrations, `demo load`,
`courses sync`), stores a synthetic SIZE_MB MP4 as media of the course `gongwen-xiezuo` through
`lms.catalog.services.upload_media`, serves it with gunicorn (1 sync worker), signs in as
`learner` and:
  (a) asks for 50 random 1 MB `Range: bytes=a-b` slices (plus 5 first-MB and 5 last-MB
      slices, a suffix and an open-ended range) and checks status 206, Content-Range,
      Content-Length and the bytes against the file; one range past the end must answer 416
      (a missing `Content-Range: bytes */size` there is only a warning). Times each slice
      (first vs last MB shows whether the server seeks or reads up to the offset) and the
      worker's CPU time;
  (b) downloads the whole file once, streamed and hashed, never kept in memory, while the
      gunicorn worker's VmRSS (/proc/<pid>/status) is sampled every 50 ms: baseline before,
      peak during, after, and the growth in MB.
With `--s3` the file is stored in S3-compatible object storage instead of the local folder:
moto's S3 server (requirements-dev.txt) started by this script on a free loopback port, so the
worker streams every range and the whole file from the bucket (`lms.core.storage.s3`).
Prints a result block and writes bench/results/media-range[-s3]-<date>.json.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import http.cookiejar
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024
SLICES = 50
SIGNING_KEY = "bench-media-range-fixed-key"


def write_mp4(path: Path, size: int) -> str:
    """A file that sniffs as MP4, filled with random data in 1 MB chunks; returns its SHA-256."""
    digest = hashlib.sha256()
    head = b"\x00\x00\x00\x18ftypisom"
    with open(path, "wb") as out:
        written = 0
        while written < size:
            block = os.urandom(min(MB, size - written))
            if written == 0:
                block = head + block[len(head):]
            out.write(block)
            digest.update(block)
            written += len(block)
    return digest.hexdigest()


def prepare(tmp: Path, mp4: Path) -> str:
    """Migrate, load the demo data and sample courses, upload the file; returns the media URL."""
    from flask_migrate import upgrade

    from lms import create_app
    from lms.catalog.models import Course
    from lms.catalog.services import upload_media
    from lms.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"],
                      "LMS_MEDIA_DIR": os.environ["LMS_MEDIA_DIR"], "SECRET_KEY": SIGNING_KEY})
    with app.app_context():
        upgrade()
    runner = app.test_cli_runner()
    for args in (["demo", "load"], ["courses", "sync"]):
        result = runner.invoke(args=args)
        if result.exit_code != 0:
            raise SystemExit(f"flask {' '.join(args)} failed:\n{result.output}")
    with app.app_context():
        course = db.session.scalar(db.select(Course).filter_by(slug="gongwen-xiezuo"))
        with open(mp4, "rb") as stream:
            row = upload_media(course, "big.mp4", stream)
        return row.url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            # The ppid is the 2nd field after the parenthesised command name.
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Sampler(threading.Thread):
    """Samples a process's RSS every `every` seconds, tagging each sample with the phase."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every, self.phase = pid, every, "idle"
        self.samples: list[tuple[str, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.samples.append((self.phase, rss_mb(self.pid)))
            time.sleep(self.every)

    def of(self, phase: str) -> list[float]:
        return [v for p, v in self.samples if p == phase]


def login(base: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    form = urllib.parse.urlencode({"username": "learner", "password": "Demo2026study",
                                   "csrf_token": token}).encode()
    with opener.open(f"{base}/login", data=form) as r:  # follows the 302 to the dashboard
        if urllib.parse.urlsplit(r.url).path == "/login":
            raise SystemExit("login failed")
    return opener


def get_range(opener, url: str, spec: str) -> tuple[int, dict, bytes, float]:
    # The URL is http://127.0.0.1:<port>/media/... built by this script.
    req = urllib.request.Request(url, headers={"Range": f"bytes={spec}"})  # noqa: S310
    t = time.perf_counter()
    try:
        with opener.open(req) as r:
            body = r.read()
            status, headers = r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        body, status, headers = e.read(), e.code, dict(e.headers)
    return status, headers, body, (time.perf_counter() - t) * 1000


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def check_ranges(opener, url: str, mp4: Path, size: int) -> dict:
    """The random slices, then 5 first-MB and 5 last-MB slices (timed), suffix, open-ended,
    and past-the-end ranges. Slices must be exactly right; the 416 answer's Content-Range
    (a SHOULD in RFC 9110) is only reported."""
    rng = random.Random(2026)
    cases = []
    for _ in range(SLICES):
        a = rng.randrange(0, size - MB + 1)
        cases.append(("random", f"{a}-{a + MB - 1}", a, a + MB - 1))
    cases += [("first", f"0-{MB - 1}", 0, MB - 1)] * 5
    cases += [("last", f"{size - MB}-{size - 1}", size - MB, size - 1)] * 5
    cases += [("suffix", f"-{MB}", size - MB, size - 1),
              ("open", f"{size - 10}-", size - 10, size - 1)]
    failures, warnings, timed = [], [], []
    with open(mp4, "rb") as f:
        for group, spec, a, b in cases:
            status, headers, body, ms = get_range(opener, url, spec)
            timed.append((group, a, ms))
            f.seek(a)
            expected = f.read(b - a + 1)
            want = f"bytes {a}-{b}/{size}"
            problems = []
            if status != 206:
                problems.append(f"status {status}")
            if headers.get("Content-Range") != want:
                problems.append(f"Content-Range {headers.get('Content-Range')!r} != {want!r}")
            if headers.get("Content-Length") != str(len(expected)):
                problems.append(f"Content-Length {headers.get('Content-Length')}")
            if body != expected:
                problems.append(f"body differs ({len(body)} bytes)")
            if problems:
                failures.append(f"bytes={spec}: " + "; ".join(problems))
    status, headers, _body, _ms = get_range(opener, url, f"{size}-")
    if status != 416:
        failures.append(f"bytes={size}-: status {status}, expected 416")
    elif headers.get("Content-Range") != f"bytes */{size}":
        warnings.append(f"bytes={size}-: 416 without 'Content-Range: bytes */{size}' "
                        f"(got {headers.get('Content-Range')!r})")

    def p50(values):
        return round(statistics.median(values), 1)

    rand = [(a, ms) for g, a, ms in timed if g == "random"]
    return {"requests": len(cases) + 1, "failures": failures, "warnings": warnings,
            "slice_ms_p50": p50([ms for _a, ms in rand]),
            "slice_ms_max": round(max(ms for _a, ms in rand), 1),
            "slice_ms_p50_first_half": p50([ms for a, ms in rand if a < size // 2]),
            "slice_ms_p50_second_half": p50([ms for a, ms in rand if a >= size // 2]),
            "first_mb_ms_p50": p50([ms for g, _a, ms in timed if g == "first"]),
            "last_mb_ms_p50": p50([ms for g, _a, ms in timed if g == "last"]),
            "timings": timed}


def full_download(opener, url: str, sampler: Sampler) -> dict:
    sampler.phase = "before"
    time.sleep(1.0)
    sampler.phase = "during"
    digest, size = hashlib.sha256(), 0
    t = time.perf_counter()
    with opener.open(url) as r, open(os.devnull, "wb") as sink:
        status = r.status
        while block := r.read(MB):
            digest.update(block)
            sink.write(block)
            size += len(block)
    seconds = time.perf_counter() - t
    sampler.phase = "after"
    time.sleep(1.0)
    return {"status": status, "bytes": size, "sha256": digest.hexdigest(),
            "seconds": round(seconds, 2), "mb_per_s": round(size / MB / seconds, 1)}


def start_s3() -> object:
    """moto's S3 server on a free loopback port with a bucket; the app's settings point there
    (the environment is inherited by gunicorn)."""
    import logging

    import boto3
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per S3 request

    port = free_port()
    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    s3.start()
    key = "bench"  # the loopback server takes any key
    settings = {"LMS_MEDIA_STORAGE": "s3", "LMS_S3_ENDPOINT": f"http://127.0.0.1:{port}",
                "LMS_S3_BUCKET": "bench-media", "LMS_S3_ACCESS_KEY": key,
                "LMS_S3_SECRET_KEY": key, "LMS_S3_REGION": "us-east-1"}
    os.environ.update(settings)
    boto3.client("s3", endpoint_url=settings["LMS_S3_ENDPOINT"], region_name="us-east-1",
                 aws_access_key_id=key, aws_secret_access_key=key
                 ).create_bucket(Bucket="bench-media")
    return s3


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--s3"]
    use_s3 = "--s3" in sys.argv[1:]
    size = int(args[0]) * MB if args else 200 * MB
    tmp = Path(tempfile.mkdtemp(prefix="bench-media-"))
    os.environ.update(DATABASE_URL=f"sqlite:///{tmp}/lms.sqlite3",
                      LMS_MEDIA_DIR=str(tmp / "media"), SECRET_KEY=SIGNING_KEY)
    server = log = s3 = None
    try:
        if use_s3:
            s3 = start_s3()
        mp4 = tmp / "big.mp4"
        t0 = time.perf_counter()
        sha = write_mp4(mp4, size)
        url_path = prepare(tmp, mp4)
        prep_s = time.perf_counter() - t0

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(tmp / "gunicorn.log", "wb")  # noqa: SIM115 (closed in `finally`)
        server = subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "-w", "1", "-k", "sync", "-b", f"127.0.0.1:{port}",
             "--log-level", "warning", "wsgi:app"], cwd=ROOT, stdout=log, stderr=log)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()  # noqa: S310
                break
            except OSError:
                if server.poll() is not None:
                    raise SystemExit((tmp / "gunicorn.log").read_text()) from None
                time.sleep(0.2)
        workers = children(server.pid)
        if len(workers) != 1:
            raise SystemExit(f"expected one gunicorn worker, found {workers}")
        worker = workers[0]

        opener = login(base)
        url = base + url_path
        sampler = Sampler(worker)
        sampler.start()
        sampler.phase = "ranges"
        cpu0 = cpu_seconds(worker)
        ranges = check_ranges(opener, url, mp4, size)
        cpu1 = cpu_seconds(worker)
        download = full_download(opener, url, sampler)
        ranges["worker_cpu_s"] = round(cpu1 - cpu0, 2)
        download["worker_cpu_s"] = round(cpu_seconds(worker) - cpu1, 2)
        sampler.stop.set()
        sampler.join()
        if children(server.pid) != [worker]:
            raise SystemExit("the gunicorn worker was replaced during the run (killed?)")

        before, during, after = sampler.of("before"), sampler.of("during"), sampler.of("after")
        rss = {"baseline_mb": round(statistics.median(before), 1),
               "peak_mb": round(max(during), 1),
               "after_mb": round(statistics.median(after), 1),
               "samples_during": len(during),
               "ranges_peak_mb": round(max(sampler.of("ranges")), 1)}
        rss["growth_mb"] = round(rss["peak_mb"] - rss["baseline_mb"], 1)
        download["matches_file"] = download["sha256"] == sha and download["bytes"] == size
        ok = not ranges["failures"] and download["matches_file"] and download["status"] == 200

        print(f"media_range: {size // MB} MB MP4 at {url_path} "
              f"({'in S3 (moto on loopback)' if use_s3 else 'in the local folder'}), "
              f"gunicorn 1 sync worker "
              f"(pid {worker}), prepared in {prep_s:.1f} s")
        print(f"  ranges : {ranges['requests'] - len(ranges['failures'])}/{ranges['requests']} "
              f"right ({SLICES} random 1 MB slices, 5 first MB, 5 last MB, suffix, open-ended, "
              f"past the end); worker CPU {ranges['worker_cpu_s']} s")
        print(f"  timing : random 1 MB slice p50 {ranges['slice_ms_p50']} ms, "
              f"max {ranges['slice_ms_max']} ms; offset in the first half "
              f"{ranges['slice_ms_p50_first_half']} ms, second half "
              f"{ranges['slice_ms_p50_second_half']} ms; first MB {ranges['first_mb_ms_p50']} ms,"
              f" last MB {ranges['last_mb_ms_p50']} ms")
        for failure in ranges["failures"]:
            print(f"    FAIL {failure}")
        for warning in ranges["warnings"]:
            print(f"    WARN {warning}")
        print(f"  full   : status {download['status']}, {download['bytes']} bytes, "
              f"{'same' if download['matches_file'] else 'DIFFERENT'} SHA-256, "
              f"{download['seconds']} s ({download['mb_per_s']} MB/s), "
              f"worker CPU {download['worker_cpu_s']} s")
        print(f"  RSS    : baseline {rss['baseline_mb']} MB, peak {rss['peak_mb']} MB during "
              f"({rss['samples_during']} samples), after {rss['after_mb']} MB; "
              f"growth {rss['growth_mb']} MB (peak during the ranges {rss['ranges_peak_mb']} MB)")
        print(f"  result : {'OK' if ok else 'FAILED'}")

        out_dir = ROOT / "bench" / "results"
        out_dir.mkdir(parents=True, exist_ok=True)
        kind = "-s3" if use_s3 else ""
        out = out_dir / f"media-range{kind}-{dt.datetime.now():%Y-%m-%d-%H%M}.json"
        out.write_text(json.dumps({
            "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "size_bytes": size, "url": url_path, "server": "gunicorn -w 1 -k sync",
            "store": "s3 (moto on loopback)" if use_s3 else "local",
            "ok": ok, "ranges": ranges, "download": download, "rss": rss,
            "rss_samples": sampler.samples,
        }, indent=1))
        print(f"JSON written to {out.relative_to(ROOT)}")
        if not ok:
            raise SystemExit(1)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if log is not None:
            log.close()
        if s3 is not None:
            s3.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
