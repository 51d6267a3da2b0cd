"""gunicorn settings: the one configuration for `make run`, production (deploy/lms-web.service)
and the benches. Each setting below can be changed from the environment (the systemd unit
reads /etc/lms/lms.env); options given on the command line win over this file, which is how
`make run` serves with one worker.

    GUNICORN_BIND      address to listen on              default 127.0.0.1:8000
    WEB_CONCURRENCY    worker processes                  default 2 x cores + 1
    GUNICORN_THREADS   threads per worker (gthread)      default 1; lms.env.example sets 4
    GUNICORN_TIMEOUT   seconds before a silent worker is restarted   default 60
    GUNICORN_ACCESS_LOG  "-" (stdout, the journal) or a file; empty: no access log
    GUNICORN_MAX_REQUESTS  replace a worker after this many requests   default 0: never
"""
import os

import gunicorn.http.wsgi

# gunicorn names itself in every answer's `Server` header: say something neutral instead.
gunicorn.http.wsgi.SERVER = "lms"

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threads let a worker answer other requests while one waits on PostgreSQL or a file; the
# worker count spreads the Python work over the cores. Threads only from the environment:
# gunicorn turns `-k sync` into gthread whenever threads > 1, and the benches that ask for
# sync workers must get them.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS") or 1)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter, so not all at once), giving
# back any slow growth of memory; 0 (the default, and what the benches measure): never.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS") or 0)
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# nginx on the same machine: only it may say which scheme the browser used.
forwarded_allow_ips = "127.0.0.1"


def post_worker_init(worker) -> None:
    """Load jieba's dictionary (about a second) before the worker takes requests, so the
    first catalogue search does not pay for it."""
    from lms.catalog.search import words

    words("预热")
