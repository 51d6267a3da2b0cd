"""The check a pooled database connection gets before a request uses it.

Like SQLAlchemy's `pool_pre_ping`, a connection taken from the pool is tried with a cheap
`SELECT 1` first, so a database restarted since the connection was last used costs no request
an error: the dead connection, and every other connection of the pool, are replaced. A request
that has said it recovers by itself (`skip_ping`) gets no such round trip: the study
heartbeat's short path, which retries its read once on a fresh connection when the first one
is found dead (nothing has been written by then).
"""
from __future__ import annotations

from collections.abc import Callable

from flask import Flask, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError, InvalidRequestError

from lms.extensions import db

AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


def statement_by_statement(view: Callable) -> Callable:
    """Mark a view whose statements each commit by themselves, from the first (the session's
    user) on: no `BEGIN` and `COMMIT` round trips. For a view whose writes are single
    conditional statements (the study heartbeat); it calls `leave_autocommit()` before
    anything that needs a transaction."""
    view.lms_autocommit = True
    return view


def use_autocommit() -> bool:
    """Run this session's statements in autocommit from here on; False (nothing changed) when
    its connection is already in a transaction."""
    if db.session().in_transaction():
        return False
    try:
        db.session.connection(execution_options=AUTOCOMMIT)
    except InvalidRequestError:  # a connection shared with an open transaction (tests)
        db.session.rollback()
        return False
    return True


def leave_autocommit() -> None:
    """End statement-by-statement use: the next statement begins a transaction."""
    if g.pop("lms_autocommit", False):
        db.session.commit()


def skip_ping() -> None:
    """This request's next connection from the pool is used without a ping."""
    g.lms_skip_ping = True


def init_app(app: Flask) -> None:
    """Ping connections on checkout (instead of `pool_pre_ping`), except where skipped; run
    views marked `statement_by_statement` in autocommit."""
    with app.app_context():
        engine = db.engine

    @app.before_request
    def _autocommit_for_marked_views() -> None:
        view = app.view_functions.get(request.endpoint or "")
        if getattr(view, "lms_autocommit", False):
            g.lms_autocommit = use_autocommit()

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
