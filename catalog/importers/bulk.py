"""Bulk writes for large imports, with a bounded number of statements.

Django's bulk_create on SQLite splits rows into batches of 999 / (number of columns) rows
(66 courses per INSERT) and instantiates a model per row; bulk_update builds a CASE
expression per field and row (minutes of Python for tens of thousands of rows). Here rows
are plain dicts and, on SQLite, each chunk is one prepared statement run with
`executemany`: faster, and a constant number of statements. Other backends keep
bulk_create, which sends multi-row INSERTs and returns the new ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import CharField, Field, Model, TextField
from django.utils import timezone

T = TypeVar("T")
Row = dict[str, Any]  # field name or attname (provider_id) -> Python value

LOOKUP_CHUNK = 900  # values per `__in` query: under SQLite's historical 999-variable limit
WRITE_CHUNK = 5000  # rows per executemany call / bulk_create batch


def chunks(items: Sequence[T], size: int = LOOKUP_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    field = model._meta.get_field(name)
    if not isinstance(field, Field) or not field.column:
        raise TypeError(f"{model.__name__}.{name} is not a concrete column")
    return field


def _getter(field: Field[Any, Any], default: Any) -> Callable[[Row], Any]:
    name, attname = field.name, field.attname
    missing = object()

    def get(row: Row) -> Any:
        value = row.get(attname, missing)
        if value is missing:
            value = row.get(name, default)
        return value

    return get


def _converter(
    field: Field[Any, Any], get: Callable[[Row], Any], connection: Any
) -> Callable[[Row], Any]:
    """Row -> the field's database value. Values of fields other than free text repeat a
    lot (timestamps, foreign keys, flags, prices), so their conversions are memoised: it
    halves the time of a large insert."""
    prep = field.get_db_prep_save
    if isinstance(field, CharField | TextField):
        return lambda row: prep(get(row), connection)
    memo: dict[Any, Any] = {}

    def convert(row: Row) -> Any:
        value = get(row)
        try:
            return memo[value]
        except KeyError:
            memo[value] = converted = prep(value, connection)
            return converted
        except TypeError:  # unhashable
            return prep(value, connection)

    return convert


def insert_rows(model: type[Model], rows: Sequence[Row]) -> list[int] | None:
    """INSERT rows; missing fields get their defaults, auto_now(_add) fields the time now.

    Returns the new primary keys in order when the backend reports them, else None (the
    caller reads them back by natural key).
    """
    if not rows:
        return []
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "sqlite":
        objs = model._default_manager.bulk_create(
            [model(**row) for row in rows], batch_size=WRITE_CHUNK
        )
        ids = [obj.pk for obj in objs]
        return ids if all(pk is not None for pk in ids) else None
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    converters = []
    for field in fields:
        is_timestamp = getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        default = now if is_timestamp else field.get_default()
        converters.append(_converter(field, _getter(field, default), connection))
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    # Identifiers come from the model's metadata; values are parameters.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    with connection.cursor() as cursor:
        for chunk in chunks(rows, WRITE_CHUNK):
            cursor.executemany(sql, [[convert(row) for convert in converters] for row in chunk])
    return None


def update_rows(model: type[Model], rows: Sequence[Row], fields: Sequence[str]) -> None:
    """UPDATE `fields` of each row, found by its "id": one prepared statement per chunk."""
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    columns = [_field(model, name) for name in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(column.column))} = %s" for column in columns)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    # Identifiers come from the model's metadata; values are parameters.
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608
    pairs = [(_getter(column, None), column.get_db_prep_save) for column in columns]
    with connection.cursor() as cursor:
        for chunk in chunks(rows, WRITE_CHUNK):
            params = [
                [prep(get(row), connection) for get, prep in pairs] + [row["id"]] for row in chunk
            ]
            _execute_many(connection, cursor, sql, params)


def _execute_many(connection: Any, cursor: Any, sql: str, params: list[list[Any]]) -> None:
    """One statement, many parameter rows. psycopg2's executemany sends one statement per
    row (a round trip each); execute_batch joins them into pages, ~10× fewer round trips."""
    if connection.vendor == "postgresql":
        from psycopg2.extras import execute_batch

        execute_batch(cursor.cursor, sql, params, page_size=1000)
    else:
        cursor.executemany(sql, params)


def delete_where_in(model: type[Model], field: str, values: Sequence[Any]) -> None:
    """DELETE rows whose `field` is in `values`, one query per chunk."""
    for chunk in chunks(values):
        model._default_manager.filter(**{f"{field}__in": chunk}).delete()
