"""The API's steady heartbeat on a short path.

One statement authenticates the bearer token and reads the learner's state (with the study
clock and the activity), and one conditional UPDATE credits the beat. Both run outside an
explicit transaction, so each commits on its own and a beat costs two round trips to the
database and no ORM object. The answer is built only after the UPDATE returned, that is
after its credit is committed: no acknowledged second can be lost by a crash.

Anything out of the ordinary leaves the short path before it has written anything (`None`):
no or an unknown or revoked token, an inactive account, a first visit, an activity that is
closed or earns no study time, a malformed body. The full path
(`lms.api.auth.token_required` and `views.beat_from_json`) then decides it with the same
rules. When the study clock is to change hands, the beat is applied in a transaction as on
the full path. The crediting rules themselves are all in `services.apply_beat`, which both
paths call. A token's use is recorded here as on the full path, at most once a minute (one
more statement then).
"""
from __future__ import annotations

from flask import g, request
from sqlalchemy.exc import OperationalError

from lms.activities.base import TIMED
from lms.activities.registry import registry
from lms.auth.models import ApiToken, User
from lms.auth.services import TOKEN_PREFIX, note_token_use
from lms.core.pool import skip_ping, use_autocommit
from lms.extensions import db, limiter
from lms.progress import services

HEARTBEATS = frozenset({"api.heartbeat", "progress.beat"})


@limiter.request_filter
def _heartbeats_are_not_rate_limited() -> bool:
    """A heartbeat has no rate limit (a beat earns at most the real time since the previous
    one, however often it is sent), so the limiter does not look for one on every beat."""
    return request.endpoint in HEARTBEATS


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX):
        return None
    return token


def _read(digest: str, activity_id: int) -> services.TokenBeat | None:
    """The token's learner and state, on a connection in autocommit. A connection found
    dead (the database restarted since it was last used) is replaced and the read tried
    once more: nothing was written yet."""
    for attempt in (1, 2):
        skip_ping()  # a dead connection is found by the read itself
        use_autocommit()
        try:
            return services.read_by_token(digest, activity_id)
        except OperationalError as exc:
            db.session.rollback()
            if attempt == 2 or not exc.connection_invalidated:
                raise
    return None  # pragma: no cover - the loop returns or raises


def token_beat(activity_id: int) -> services.BeatResult | None:
    """Apply a steady API heartbeat; None when the full path must decide it."""
    token = _bearer()
    if token is None or db.session().in_transaction():
        return None
    beat = services.parse_beat(request.get_json(silent=True))
    if beat is None:
        return None
    read = _read(ApiToken.digest_of(token), activity_id)
    seen = read.seen if read is not None else None
    if (read is None or not read.active or not seen.open
            or not registry().supports(seen.target.type_key, TIMED)):
        db.session.commit()  # ends the autocommit use: the full path reads afresh
        return None
    note_token_use(read.token_id, read.last_used_at)  # once a minute; commits by itself
    if seen.holder_id != activity_id:
        db.session.commit()  # the clock may change hands: in a transaction, as in full
    result = services.apply_beat(services.Learner(read.user_id), seen, **beat)
    if services.beat_message(result.reason):
        # The answer explains itself in the learner's language, as on the full path.
        g._login_user = db.session.get(User, read.user_id)
    return result
