"""`JsonRows`: the rows of a correlated subquery as one JSON text value, so that a query
reads a few child rows of each of its rows without a query of their own (PostgreSQL and
SQLite alike)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.db.models import Aggregate, Manager, OuterRef, QuerySet, Subquery, TextField


class JsonRows(Aggregate):
    """`[[field, ...], ...]`: one JSON array per row, as text (numbers keep their digits:
    decimals are read back with `json_rows`)."""

    function = "JSON_AGG"
    template = "CAST(JSON_AGG(JSON_BUILD_ARRAY(%(expressions)s)) AS TEXT)"
    output_field = TextField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="JSON_GROUP_ARRAY(JSON_ARRAY(%(expressions)s))",
            **extra_context,
        )


def json_rows_of(
    queryset: QuerySet[Any] | Manager[Any], link: str, outer: str, *fields: str
) -> Subquery:
    """The `fields` of the rows of `queryset` whose `link` is the outer row's `outer`, as
    `JsonRows` text (NULL when there are none)."""
    rows = (
        queryset.filter(**{link: OuterRef(outer)})
        .order_by()
        .values(link)
        .annotate(json_rows=JsonRows(*fields))
        .values("json_rows")
    )
    return Subquery(rows, output_field=TextField())


def json_rows(text: str | None) -> list[list[Any]]:
    """`JsonRows` text back as lists (decimals as Decimal); NULL (no rows) is []."""
    if not text:
        return []
    rows = json.loads(text, parse_float=Decimal)
    return [list(row) for row in rows]
