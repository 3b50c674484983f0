"""Hot-path statements written out once per process, table and column names from the models.

Django compiles an ORM query on every call. On the webhook, event and lookup paths
compiling cost more than running the statement, so these few statements are built
once (per model and column set) and run through Django's connection.
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
    values = [_db_value(obj, name) for name in columns]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(type(obj), tuple(columns), tuple(on_conflict)), values)
        row = cursor.fetchone()
    return row[0] if row else None


def update_columns(obj: models.Model, names: Sequence[str]) -> None:
    """UPDATE only ``names`` of ``obj``'s row. No save signals are sent."""
    values = [_db_value(obj, name) for name in names]
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(type(obj), tuple(names)), [*values, obj.pk])


def _db_value(obj: models.Model, name: str):
    field = obj._meta.get_field(name)
    return field.get_db_prep_save(getattr(obj, field.attname), connection)


def _column(model: type[models.Model], name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


@cache
def _insert_sql(model: type[models.Model], columns: tuple, on_conflict: tuple) -> str:
    quote = connection.ops.quote_name
    names = ", ".join(_column(model, name) for name in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({names}) VALUES ({placeholders})"  # noqa: S608 - names from the models
    if on_conflict:
        sql += f" ON CONFLICT ({', '.join(_column(model, n) for n in on_conflict)}) DO NOTHING"
    return f"{sql} RETURNING {quote(model._meta.pk.column)}"


@cache
def _update_sql(model: type[models.Model], names: tuple) -> str:
    quote = connection.ops.quote_name
    sets = ", ".join(f"{_column(model, name)} = %s" for name in names)
    pk = quote(model._meta.pk.column)
    return f"UPDATE {quote(model._meta.db_table)} SET {sets} WHERE {pk} = %s"  # noqa: S608
