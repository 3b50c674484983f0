"""Hot-path statements written out once per process, table and column names from the models.

Django compiles an ORM query on every call. On the webhook, event and lookup paths, and
on a click's way to the PBX (the API token, a typed number's contact, the originate's
claim), compiling cost more than running the statement, so these few statements are
built once (per model and column set) and run through Django's own ``connection.cursor()``
(seen by ``assertNumQueries``, ``execute_wrapper`` and tracing; its errors are Django's).
On PostgreSQL, server-side binding (settings.py, on unless DB_SERVER_SIDE_BINDING=0)
lets psycopg prepare them. Their rows become models as the ORM makes them:
``Model.from_db`` and each field's ``from_db_value`` (``from_rows``).
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
    return tuple(f.name for f in _concrete_fields(model) if not f.primary_key)


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


def select_list(model: type[models.Model], alias: str) -> str:
    """Every column of ``model`` as ``alias``.column, in the order ``from_rows`` reads."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in _concrete_fields(model))


def join(kind: str, model: type[models.Model], alias: str, equals: str, field: str = "") -> str:
    """``kind`` ("JOIN", "LEFT JOIN") of ``model`` as ``alias``, where its ``field`` (its pk
    by default) equals ``equals`` (an aliased column)."""
    quote = connection.ops.quote_name
    own = column(model, field) if field else quote(model._meta.pk.column)
    return f"{kind} {quote(model._meta.db_table)} {alias} ON {alias}.{own} = {equals}"


def from_rows(models_: Sequence[type[models.Model]], row: Sequence) -> list:
    """The instances of ``models_`` whose ``select_list``s make up ``row``, in order, read
    as the ORM reads them (``Model.from_db``, each field's ``from_db_value``); None for one
    whose pk is NULL (an outer join found nothing)."""
    objects, start = [], 0
    for model in models_:
        names, pk_index, converted = _reading(model)
        values = list(row[start : start + len(names)])
        start += len(names)
        if values[pk_index] is None:
            objects.append(None)
            continue
        for i, field in converted:
            values[i] = field.from_db_value(values[i], None, connection)
        objects.append(model.from_db(connection.alias, names, values))
    return objects


@cache
def _reading(model: type[models.Model]) -> tuple[list[str], int, list[tuple]]:
    fields = _concrete_fields(model)
    converted = [(i, f) for i, f in enumerate(fields) if hasattr(f, "from_db_value")]
    return [f.attname for f in fields], fields.index(model._meta.pk), converted


@cache
def _concrete_fields(model: type[models.Model]) -> list:
    """The model's columns in declaration order, the order ``Model.from_db`` takes."""
    fields = model._meta.get_fields()  # the documented Options API
    return [f for f in fields if f.concrete and not f.many_to_many]


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
