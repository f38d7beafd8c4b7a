"""The orders a queue can be read in (the queue pages and saved views): nearest deadline
first (the default, `selectors.queue_page`), or by when tickets were opened or last
changed — each a keyset on (the moment, id), so a page costs the same however deep."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from tierdesk.tickets import selectors
from tierdesk.tickets.models import Ticket

DEFAULT = "deadline"
ORDERS = {
    "deadline": _("Nearest deadline first"),
    "newest": _("Newest first"),
    "oldest": _("Oldest first"),
    "updated": _("Recently changed first"),
}
# order -> (field, newest first?)
_KEYSET = {
    "newest": ("created_at", True),
    "oldest": ("created_at", False),
    "updated": ("updated_at", True),
}


def _encode(moment: datetime, pk: int) -> str:
    raw = f"{moment.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, int] | None:
    try:
        stamp, _sep, pk = base64.urlsafe_b64decode(cursor + "==").decode().partition("|")
        moment = datetime.fromisoformat(stamp)
        return (moment, int(pk)) if moment.tzinfo is not None else None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def ordered_page(
    tickets: QuerySet[Ticket], *, order: str = DEFAULT, cursor: str = "", limit: int = 25
) -> tuple[list[Ticket], str | None]:
    """One page in `order` (an unknown order reads as the default); a cursor that does not
    parse starts over."""
    if order not in _KEYSET:
        return selectors.queue_page(tickets, cursor=cursor, limit=limit)
    field, newest_first = _KEYSET[order]
    after = _decode(cursor) if cursor else None
    if after is not None:
        moment, pk = after
        op = "lt" if newest_first else "gt"
        tickets = tickets.filter(
            Q(**{f"{field}__{op}": moment}) | Q(**{field: moment, f"pk__{op}": pk})
        )
    sign = "-" if newest_first else ""
    rows = list(tickets.order_by(f"{sign}{field}", f"{sign}pk")[: limit + 1])
    for row in rows:
        row.deadline = getattr(row, selectors.DEADLINE)
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], _encode(getattr(last, field), last.pk)
