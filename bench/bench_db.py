"""Where a bench's data lives, raw-SQL rows that survive new columns, and `--smoke` checks.

A full run gets its own PostgreSQL database on ``BENCH_PG`` (dropped at the end). A
`--smoke` run (tests/test_benches.py) uses what the test run is configured with: the
PostgreSQL server of ``DATABASE_URL`` under a database name of its own, or else a
SQLite file in the run's temporary folder (the embedded default).
"""

from __future__ import annotations

import math
import os
import sys
import urllib.parse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

PG_ADMIN = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def configured_postgres() -> str:
    """The test run's PostgreSQL server (``postgres://user@host:port``), or '' for none."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://")):
        return ""
    return urllib.parse.urlsplit(url)._replace(path="", query="", fragment="").geturl()


def database_url(name: str, smoke: bool, folder: Path) -> str:
    """The bench's database: ``name`` on BENCH_PG, or for a smoke run the configured one.

    Smoke runs add the process id to the name: engineers' test runs share the server.
    """
    if not smoke:
        return f"{PG_ADMIN}/{name}"
    server = configured_postgres()
    if server:
        return f"{server}/{name}_smoke_{os.getpid()}"
    return f"sqlite:///{folder / (name + '.sqlite3')}"


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def unset_columns(model, given: Iterable[str]) -> dict[str, Any]:
    """Every NOT NULL column of ``model`` a raw INSERT does not name, with the model's
    default: a column added later (0014's ``language``) cannot break the bench again."""
    given = set(given)
    values = {}
    for field in model._meta.concrete_fields:
        if field.null or field.primary_key or field.column in given:
            continue
        if not field.has_default():
            raise SystemExit(
                f"{model.__name__}.{field.name} is NOT NULL without a default: "
                "the bench's INSERT must give it a value"
            )
        values[field.column] = field.get_db_prep_save(field.get_default(), connection_of(model))
    return values


def connection_of(model):
    from django.db import connections, router

    return connections[router.db_for_write(model)]


def with_defaults(sql: str, model, given: Iterable[str], params: dict) -> str:
    """``sql`` with ``{more_columns}`` and ``{more_values}`` filled from unset_columns;
    the values go into ``params`` as ``%(default_<column>)s``."""
    extra = unset_columns(model, given)
    for column, value in extra.items():
        params[f"default_{column}"] = value
    return sql.format(
        more_columns="".join(f", {c}" for c in extra),
        more_values="".join(f", %(default_{c})s" for c in extra),
    )


class SmokeFailure(SystemExit):
    pass


def check(name: str, figures: Mapping[str, float], facts: Mapping[str, bool]) -> None:
    """A smoke run's verdict: every figure a finite number >= 0, every fact true.

    Never a timing threshold: the smoke proves the bench still measures, not how fast.
    """
    wrong = [f"{k}={v!r} is not a figure" for k, v in figures.items() if not _figure(v)]
    wrong += [f"not true: {k}" for k, ok in facts.items() if not ok]
    if wrong:
        print(f"smoke {name}: FAILED", *wrong, sep="\n  ", file=sys.stderr)
        raise SmokeFailure(1)
    print(f"smoke {name}: ok ({len(figures)} figures, {len(facts)} facts)")


def _figure(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value) and value >= 0
