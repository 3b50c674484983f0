"""Django's PostgreSQL backend, but the pool never hands out a connection the server
has already closed.

After a PostgreSQL restart, a failover or an administrator's pg_terminate_backend,
every idle connection in each process's pool is dead, and Django (with
CONN_HEALTH_CHECKS off) hands it out anyway: each one failed one request, or one
originate task, whose call then stayed queued. Django's own check
(CONN_HEALTH_CHECKS) costs a round trip per checkout, on every click. A server that
closes a connection first sends it an error and EOF, so an idle connection with
anything to read is dead: one non-blocking poll of its socket tells, with no round
trip. (A connection lost without a word, e.g. a cable, is still found only by use.)
psycopg_pool takes such a check as its ``check`` argument, but Django builds the pool
and passes its own (the round trip, or none), so the check runs here, on checkout.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper


class DatabaseWrapper(PostgresWrapper):
    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        if self.pool is None:
            return connection
        # at most every connection the pool holds, plus the new one it then opens
        for _ in range(self.pool.max_size):
            if not closed_by_server(connection):
                return connection
            connection.close()
            self.pool.putconn(connection)  # a closed connection is dropped, and replaced
            connection = super().get_new_connection(conn_params)
        return connection


def closed_by_server(connection) -> bool:
    """Whether an idle connection has something to read: the server's goodbye (an idle
    session receives nothing else here; we never LISTEN). poll, not select: a web
    process holds a socket per open agent page, and select refuses numbers past 1023."""
    poller = select.poll()
    poller.register(connection.pgconn.socket, select.POLLIN)
    return bool(poller.poll(0))
