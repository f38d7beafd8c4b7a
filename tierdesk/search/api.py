"""`GET /api/v1/search` and `GET /api/v1/tickets/{id}/similar`."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from tierdesk.core.api_support import READ_ERRORS, Level, Text, request_actor
from tierdesk.search import selectors
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.api_enums import TicketStatus
from tierdesk.tickets.models import Ticket

router = Router(tags=["search"])


class SearchFilters(Schema):
    q: Text = Field(
        ...,
        max_length=500,
        description='Words, "phrases", -excluded, OR; filters status:, level:, partner:, '
        "flow:, customer:; ticket references in any prefix (TD-10001, ACME#10001).",
    )
    cursor: Text | None = Field(None, max_length=200, description="next_cursor of the page before.")
    limit: int = Field(selectors.DEFAULT_LIMIT, ge=1, le=selectors.MAX_LIMIT)


class SearchHitOut(Schema):
    id: int
    number: int
    reference: str
    title: str
    status: TicketStatus  # type: ignore[valid-type]
    level: Level  # type: ignore[valid-type]
    score: float
    snippet: str = Field(description="HTML: the text escaped, the matches in <mark>.")


class SearchPageOut(Schema):
    count: int = Field(description="How many tickets match (at most 1000, see count_capped).")
    count_capped: bool
    next_cursor: str | None
    items: list[SearchHitOut]


class SimilarOut(Schema):
    id: int
    number: int
    reference: str
    title: str
    status: TicketStatus  # type: ignore[valid-type]
    resolution: str
    reasons: list[str] = Field(description="Why it matched: same error, same flow, similar words.")


def _ticket_fields(ticket: Ticket) -> dict:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "reference": ticket.reference,
        "title": ticket.title,
        "status": ticket.status,
    }


@router.get(
    "/search",
    response={200: SearchPageOut, **READ_ERRORS},
    operation_id="search_query",
    summary="Search the tickets you may see",
)
def search_query(request: HttpRequest, filters: Query[SearchFilters]):
    results = selectors.search(
        request_actor(request), filters.q, cursor=filters.cursor, limit=filters.limit
    )
    return {
        "count": results.count,
        "count_capped": results.count_capped,
        "next_cursor": results.next_cursor,
        "items": [
            {
                **_ticket_fields(hit.ticket),
                "level": hit.ticket.level,
                "score": hit.score,
                "snippet": hit.snippet,
            }
            for hit in results.hits
        ],
    }


@router.get(
    "/tickets/{ticket_id}/similar",
    response={200: list[SimilarOut], **READ_ERRORS},
    operation_id="ticket_similar",
    summary="Similar tickets, and why",
)
def ticket_similar(request: HttpRequest, ticket_id: int):
    actor = request_actor(request)
    ticket = get_ticket(actor, ticket_id)
    return [
        {**_ticket_fields(s.ticket), "resolution": s.ticket.resolution, "reasons": s.reasons}
        for s in selectors.similar_tickets(actor, ticket)
    ]
