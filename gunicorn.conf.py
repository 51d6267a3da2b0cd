"""gunicorn settings used by `make run` (and suitable for production with more workers)."""
import gunicorn.http.wsgi

# gunicorn names itself in every answer's `Server` header: say something neutral instead.
gunicorn.http.wsgi.SERVER = "lms"


def post_worker_init(worker) -> None:
    """Load jieba's dictionary (about a second) before the worker takes requests, so the
    first catalogue search does not pay for it."""
    from lms.catalog.search import words

    words("预热")
