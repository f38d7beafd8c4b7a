# ruff: noqa: S608  (table and column names come from the models, never from input)
"""Writing rows with PostgreSQL's COPY (psycopg 3 `cursor.copy`): the columns a generator
gives, every other column of the model filled with the value Django would have written
(its default, an empty string, false or NULL), computed once per table."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Model


def _filler(field) -> Any:
    if field.has_default():
        value = field.get_default()
        return json.dumps(value) if field.get_internal_type() == "JSONField" else value
    if field.null:
        return None
    kind = field.get_internal_type()
    if kind == "BooleanField":
        return False
    if kind == "JSONField":
        return "{}"
    if kind in ("CharField", "TextField", "SlugField", "EmailField", "FileField"):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.column} needs a value")


class Table:
    """One model's COPY: `given` are the columns each row supplies, in this order (a
    sequence, or one string of names separated by spaces)."""

    def __init__(self, model: type[Model] | str, given: Sequence[str] | str, *, rest=True):
        if isinstance(given, str):
            given = given.split()
        if isinstance(model, str):  # a table without a model class (an M2M through table)
            self.table, self.columns, self.fill = model, list(given), ()
            return
        self.table = model._meta.db_table
        fields = {f.column: f for f in model._meta.concrete_fields}
        unknown = [c for c in given if c not in fields]
        if unknown:
            raise ValueError(f"{model.__name__} has no column {unknown}")
        others = [f for c, f in fields.items() if c not in given] if rest else []
        self.columns = [*given, *(f.column for f in others)]
        self.fill = tuple(_filler(f) for f in others)

    def copy(self, rows: Iterable[Sequence[Any]]) -> int:
        """COPY the rows in; returns how many were written."""
        cols = ", ".join(f'"{c}"' for c in self.columns)
        count = 0
        with connection.cursor() as cur:
            raw = cur.cursor if hasattr(cur, "cursor") else cur
            with raw.copy(f'COPY "{self.table}" ({cols}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row((*row, *self.fill))
                    count += 1
        return count


def restart_identity(model: type[Model] | str) -> None:
    """Point the table's id sequence past the highest id (the rows were given their ids)."""
    table = model if isinstance(model, str) else model._meta.db_table
    with connection.cursor() as cur:
        cur.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
            'COALESCE((SELECT max(id) FROM "' + table + '"), 0) + 1, false)',
            [f'"{table}"'],
        )
