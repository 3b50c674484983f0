"""What a PostgreSQL administrator (or a restart) does to the product's connections."""

import time

import psycopg
from django.db import connection


def terminate(*pids: int) -> None:
    """pg_terminate_backend, and wait until the server has closed them: it answers at
    once and the backends exit a moment later."""
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            alive = admin.execute(
                "SELECT 1 FROM pg_stat_activity WHERE pid = ANY(%s)", [list(pids)]
            ).fetchone()
            if alive is None:
                return
            time.sleep(0.02)
