"""A pooled PostgreSQL connection is checked before each use without a round trip.

SQLAlchemy's `pool_pre_ping` sends an empty query to the server at every checkout: one round trip
per request, out of six for a booking. A connection the server has closed (a restart, an
administrator's `pg_terminate_backend`, an idle timeout) has something to read on its socket: the
server's last message, or the end of the stream. An idle connection with nothing to read is taken
as it is; one with something to read is pinged as before, and replaced if the ping fails
(`DisconnectionError` makes the pool connect again). A link that vanished without a word (a cable
pulled) is not seen before use, as before: the pre-ping would have waited for TCP's timeout too.
A server process that is told to end in the very moment its connection is taken from the pool (a
restart a few microseconds before the request) is not seen either: that request fails with a
connection error, and the pool connects afresh for the next; the ping narrowed that window, at a
round trip per request, without closing it.
"""

from __future__ import annotations

import select
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError


def check_on_checkout(engine: Engine) -> None:
    dialect = engine.dialect

    @event.listens_for(engine, "checkout")
    def _alive(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if not _has_input(dbapi_connection):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # noqa: BLE001 (whatever the driver raised, the connection is gone)
            raise DisconnectionError(f"the server closed the connection: {error}") from error


def _has_input(connection: Any) -> bool:
    """Whether the server sent something to a connection that is waiting for no answer."""
    if connection.closed or connection.broken:
        return True
    try:
        socket = connection.pgconn.socket
    except Exception:  # noqa: BLE001 (no socket: the connection is closed)
        return True
    poller = select.poll()
    poller.register(socket, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))
