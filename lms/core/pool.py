"""The check a pooled database connection gets before a request uses it.

Like SQLAlchemy's `pool_pre_ping`, a connection taken from the pool is tried with a cheap
`SELECT 1` first, so a database restarted since the connection was last used costs no request
an error: the dead connection, and every other connection of the pool, are replaced. A request
that has said it recovers by itself (`skip_ping`) gets no such round trip: the study
heartbeat's short path, which retries its read once on a fresh connection when the first one
is found dead (nothing has been written by then).
"""
from __future__ import annotations

from flask import Flask, g, has_request_context
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError

from lms.extensions import db


def skip_ping() -> None:
    """This request's next connection from the pool is used without a ping."""
    g.lms_skip_ping = True


def init_app(app: Flask) -> None:
    """Ping connections on checkout (instead of `pool_pre_ping`), except where skipped."""
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, _record, _proxy) -> None:
        if has_request_context() and g.pop("lms_skip_ping", False):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            if engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise DisconnectionError() from exc  # the pool takes a fresh connection
            raise
