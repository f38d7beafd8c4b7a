"""`POST /tickets/{id}/actions/assign`: assign, reassign or unassign a ticket. Its own
router, mounted before the workflow actions' `/actions/{action}` so the path is not read
as an action of the workflow table (assignment is not a move). Like every ticket write it
takes `version` or `If-Match` and answers with the ticket and its `ETag`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router
from ninja.decorators import decorate_view
from pydantic import ConfigDict

from tierdesk.core.api_support import IF_MATCH, Text, accepts, errors, openapi_extra, request_actor
from tierdesk.tickets import assignees, services
from tierdesk.tickets.api import TICKET_HEADERS, ticket_answer, write_ticket
from tierdesk.tickets.schemas import Strict, TicketDetailOut

router = Router(tags=["tickets"])


class TicketAssignIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"assignee": "lena.vogel@integra.example", "reason": "Knows this connector."},
                {"assignee": None, "reason": "Out of office.", "version": 7},
            ]
        },
    )

    assignee: int | Text | None = Field(
        ..., description="The person's id or email; null hands the ticket back to the queue."
    )
    reason: Text = Field("", max_length=2000, description="Why (kept in the ticket's history).")
    version: int | None = Field(
        None,
        description="The version you read; a stale one gets 409 `stale_version`. Or send the "
        "`ETag` in `If-Match` (412 `precondition_failed` when stale).",
    )


@router.post(
    "/tickets/{ticket_id}/actions/assign",
    response={200: TicketDetailOut, **errors(400, 401, 403, 404, 409, 412, 413, 415, 422)},
    operation_id="ticket_assign",
    summary="Assign, reassign or unassign the ticket",
    description=(
        "A support lead assigns any open ticket to a person of its level (a partner admin: "
        "L1 tickets of their partner, to its L1 people); an assignee may hand their own "
        "ticket back (`assignee: null`). The status does not change. 422 names `assignee` "
        "when the person does not work the ticket's level in its scope."
    ),
    openapi_extra=openapi_extra(headers={200: TICKET_HEADERS}, parameters=[IF_MATCH]),
)
@decorate_view(accepts("application/json"))
def ticket_assign(
    request: HttpRequest, response: HttpResponse, ticket_id: int, payload: TicketAssignIn
):
    ref = payload.assignee

    def write(version):
        services.ticket_assign(
            actor=request_actor(request),
            ticket_id=ticket_id,
            assignee_id=None if ref is None else assignees.person_id(ref),
            reason=payload.reason,
            version=version,
        )

    write_ticket(request, ticket_id, payload.version, write)
    return ticket_answer(request, response, ticket_id)
