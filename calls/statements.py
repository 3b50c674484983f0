"""Hot-path statements written out once per process, table and column names from the models.

Django compiles an ORM query on every call. On the webhook, event and lookup paths
compiling cost more than running the statement, so these few statements are built
once (per model and column set) and run through Django's own ``connection.cursor()``
(seen by ``assertNumQueries``, ``execute_wrapper`` and tracing; its errors are Django's).
On PostgreSQL, server-side binding (settings.py, on unless DB_SERVER_SIDE_BINDING=0)
lets psycopg prepare them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import connection, models


def insert_returning_pk(
    obj: models.Model, columns: Sequence[str], on_conflict: Sequence[str] = ()
) -> int | None:
    """INSERT ``columns`` of ``obj``; its new pk, or None when ``on_conflict`` (a unique
    set of columns) already held the row (ON CONFLICT DO NOTHING: PostgreSQL, SQLite 3.35+)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_sql(type(obj), tuple(columns), tuple(on_conflict)), values(obj, columns)
        )
        row = cursor.fetchone()
    return row[0] if row else None


def fetch_one(sql: str, params: Sequence) -> tuple | None:
    """The one row of a hot-path statement (a SELECT, or a write with RETURNING)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def update_columns(obj: models.Model, names: Sequence[str]) -> None:
    """UPDATE only ``names`` of ``obj``'s row. No save signals are sent."""
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(type(obj), tuple(names)), [*values(obj, names), obj.pk])


def values(obj: models.Model, columns: Sequence[str]) -> list:
    """``obj``'s ``columns`` as the database takes them, in order."""
    return [_db_value(obj, name) for name in columns]


@cache
def insert_columns(model: type[models.Model]) -> tuple[str, ...]:
    """Every column an INSERT of ``model`` writes: all concrete fields but the pk."""
    fields = model._meta.get_fields()  # the documented Options API
    return tuple(f.name for f in fields if f.concrete and not f.primary_key)


@cache
def insert_select_sql(model: type[models.Model], columns: tuple, where: str) -> str:
    """INSERT ``columns`` (as %s parameters) only WHERE ``where`` holds, skipping a row a
    unique index already holds; RETURNING the new pk, so no row returned means not inserted.
    """
    quote = connection.ops.quote_name
    names = ", ".join(column(model, name) for name in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) SELECT {placeholders} "
        f"WHERE {where} ON CONFLICT DO NOTHING RETURNING {quote(model._meta.pk.column)}"
    )


def _db_value(obj: models.Model, name: str):
    field = obj._meta.get_field(name)
    return field.get_db_prep_save(getattr(obj, field.attname), connection)


def column(model: type[models.Model], name: str) -> str:
    """The quoted column of ``model``'s field ``name``."""
    return connection.ops.quote_name(model._meta.get_field(name).column)


@cache
def _insert_sql(model: type[models.Model], columns: tuple, on_conflict: tuple) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(column(model, name) for name in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608 - names from the models
    if on_conflict:
        sql += f" ON CONFLICT ({', '.join(column(model, n) for n in on_conflict)}) DO NOTHING"
    return f"{sql} RETURNING {quote(model._meta.pk.column)}"


@cache
def _update_sql(model: type[models.Model], names: tuple) -> str:
    quote = connection.ops.quote_name
    sets = ", ".join(f"{column(model, name)} = %s" for name in names)
    pk = quote(model._meta.pk.column)
    return f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {pk} = %s"  # noqa: S608
