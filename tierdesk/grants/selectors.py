"""What is read of the grants: always for a ticket already fetched through
`tickets.access` (the section contract), so who sees the ticket is never decided here."""

from __future__ import annotations

from typing import Any

from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.grants.models import SupportAccessGrant

SHOWN = 10


def ticket_grants(ticket) -> list[SupportAccessGrant]:
    return list(SupportAccessGrant.objects.filter(ticket=ticket)[:SHOWN])


def as_dict(grant: SupportAccessGrant, now) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "workspace_id": grant.workspace_id,
        "until": grant.until,
        "granted_at": grant.granted_at,
        "revoked_at": grant.revoked_at,
        "active": grant.active(now),
    }


def grants_block(actor: Actor, ticket) -> list[dict[str, Any]]:
    """The `support_access` key of the API's ticket detail (customers see their own)."""
    now = clock.now()
    return [as_dict(g, now) for g in ticket_grants(ticket)]


def page_block(actor: Actor, ticket) -> dict[str, Any] | None:
    """The ticket page's block: the grants with their expiry (none: no block)."""
    rows = grants_block(actor, ticket)
    return {"grants": rows} if rows else None
