"""Report tables: columns that say how to show and where each figure drills down."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

ColumnKind = Literal["text", "int", "rate", "seconds", "date"]


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    kind: ColumnKind = "int"
    # The drill-down of a figure: the ticket set and, per dimension, the row key holding
    # its value (a constant is given as ("=", value)).
    drill: str = ""
    dims: tuple[tuple[str, Any], ...] = ()


@dataclass
class Table:
    name: str
    title: Any
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)
    description: Any = ""

    def drill_params(self, column: Column, row: dict[str, Any]) -> dict[str, Any] | None:
        """The query of the drill-down behind one cell, or None (no list behind it)."""
        explicit = row.get("_links", {})
        if column.key in explicit:
            return explicit[column.key]
        if not column.drill:
            return None
        params: dict[str, Any] = {"set": column.drill}
        for dim, source in column.dims:
            value = source[1] if isinstance(source, tuple) else row.get(source)
            if value in (None, ""):
                continue  # a figure over every value of the dimension (resolution: no level)
            params[dim] = value
        if row.get("partner_id"):
            params["partner"] = row["partner_id"]
        return params


def ratio(numerator: int | None, denominator: int | None) -> float | None:
    if not denominator:
        return None
    return round((numerator or 0) / denominator, 4)


Builder = Callable[..., Table]
