"""The tickets behind a figure: the figure's ticket set (`sets.SETS`) with its
dimensions, evaluated over the reader's scope, then read through the access choke point
again (`visible_tickets`), so a drill-down never lists a ticket its reader cannot open."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from tierdesk.core.errors import InvalidInput, NotFound
from tierdesk.reports import sql as q
from tierdesk.reports.access import Scope
from tierdesk.reports.sets import SETS
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.models import Ticket

_INT_DIMS = {"level", "agent", "score", "problem"}


def _dim_value(name: str, raw: Any) -> Any:
    if name in _INT_DIMS:
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise InvalidInput({name: "must be a whole number"}) from None
    if name == "day":
        try:
            day = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        except ValueError:
            raise InvalidInput({name: "must be a date (YYYY-MM-DD)"}) from None
        return timezone.make_aware(datetime.combine(day, time.min))
    return str(raw)[:60]


def drill_ticket_ids(scope: Scope, period: q.Period, params: dict[str, Any]) -> set[int]:
    """The ids of the tickets of set `params["set"]` with the dimensions in `params`.
    An unknown set is NotFound; a missing or malformed dimension InvalidInput."""
    ticket_set = SETS.get(str(params.get("set", "")))
    if ticket_set is None:
        raise NotFound("No such figure.")
    st = q.Statement(scope)
    st.period(period)
    st.with_events()
    st.with_flags()
    st.with_intervals()
    given = set()
    for name in ticket_set.dims:
        if params.get(name) not in (None, ""):
            st.bind(**{f"d_{name}": _dim_value(name, params[name])})
            given.add(name)
    absent = [name for name in ticket_set.required if name not in given]
    if absent:
        raise InvalidInput({name: "is required for this figure" for name in absent})
    return {
        row[0] for row in st.run(f"SELECT DISTINCT z.ticket_id FROM ({ticket_set.build(given)}) z")
    }


MAX_LISTED = 500


def drill_tickets(
    scope: Scope, period: q.Period, params: dict[str, Any]
) -> tuple[QuerySet[Ticket], int]:
    """The newest `MAX_LISTED` tickets of the set, and how many it holds."""
    found = drill_ticket_ids(scope, period, params)
    ids = sorted(found, reverse=True)[:MAX_LISTED]
    tickets = (
        scope.tickets()
        .filter(pk__in=ids)
        .filter(pk__in=visible_tickets(scope.actor).values("pk"))
        .select_related("partner", "assignee")
        .order_by("-created_at")
    )
    return tickets, len(found)
