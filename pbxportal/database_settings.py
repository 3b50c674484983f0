"""The default database from DATABASE_URL (SQLite under var/ when unset), with what each
engine needs here: SQLite's locking, PostgreSQL's pool and server-side binding."""

from __future__ import annotations

from pathlib import Path

import environ


def default_database(env: environ.Env, var_dir: Path) -> dict:
    db = env.db("DATABASE_URL", default=f"sqlite:///{var_dir / 'db.sqlite3'}")
    postgres = db["ENGINE"] == "django.db.backends.postgresql"
    if db["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web process read while the worker writes; the timeout rides out
        # the short write locks instead of failing with "database is locked".
        db.setdefault("OPTIONS", {}).update(
            {
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
                # Take the write lock at BEGIN: two requests checking "has this agent an
                # active call?" then inserting are serialised instead of both succeeding.
                "transaction_mode": "IMMEDIATE",
            }
        )
        # A file, not :memory:, so worker processes started by tests see the test data.
        db["TEST"] = {"NAME": str(var_dir / "test-db.sqlite3")}
    elif env.bool("DB_POOL", default=True) and postgres:
        # A bounded pool shared by every thread of the process (web threads, the
        # worker's, live streams'), rather than one kept connection per thread: idle threads
        # would each hold one. It requires CONN_MAX_AGE = 0. With CONN_HEALTH_CHECKS the pool
        # checks a connection as it hands it out: after a PostgreSQL restart or failover a
        # dead one is replaced instead of failing a request or an originate task.
        db["CONN_MAX_AGE"] = 0
        db["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
        db.setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN", default=2),
            "max_size": env.int("DB_POOL_MAX", default=20),
            "timeout": 10,
        }
    else:
        db.setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
        db.setdefault("CONN_HEALTH_CHECKS", True)
    if postgres and env.bool("DB_SERVER_SIDE_BINDING", default=True):
        # Django's server-side binding: psycopg prepares a statement run 5 times on a
        # connection (the caller lookup's, the hot paths' in calls/statements.py): lookup 0.91x
        # its baseline with it, 0.74x without (docs/benchmarks.md). The whole suite passes
        # with it; set DB_SERVER_SIDE_BINDING=0 behind PgBouncer in transaction mode < 1.21.
        db.setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
    return db
