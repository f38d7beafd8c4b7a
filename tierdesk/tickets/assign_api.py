"""`POST /tickets/{id}/actions/assign`: assign, reassign or unassign a ticket. Its own
router, mounted before the workflow actions' `/actions/{action}` so the path is not read
as an action of the workflow table (assignment is not a move)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router
from ninja.decorators import decorate_view

from tierdesk.core.api_support import ERRORS, Text, accepts, request_actor
from tierdesk.tickets import assignees, services
from tierdesk.tickets.api import _detail, _load
from tierdesk.tickets.schemas import Strict, TicketDetailOut

router = Router(tags=["tickets"])


class AssignIn(Strict):
    assignee: int | Text | None = Field(
        ..., description="The person's id or email; null hands the ticket back to the queue."
    )
    reason: Text = Field("", max_length=2000, description="Why (kept in the ticket's history).")
    version: int | None = Field(None, description="The version you saw; a stale one is 409.")


@router.post(
    "/tickets/{ticket_id}/actions/assign",
    response={200: TicketDetailOut, **ERRORS},
    operation_id="ticket_assign",
    summary="Assign, reassign or unassign the ticket",
    description=(
        "A support lead assigns any open ticket to a person of its level (a partner admin: "
        "L1 tickets of their partner, to its L1 people); an assignee may hand their own "
        "ticket back (`assignee: null`). The status does not change. 422 names `assignee` "
        "when the person does not work the ticket's level in its scope."
    ),
)
@decorate_view(accepts("application/json"))
def ticket_assign(request: HttpRequest, ticket_id: int, payload: AssignIn):
    actor = request_actor(request)
    ref = payload.assignee
    services.ticket_assign(
        actor=actor,
        ticket_id=ticket_id,
        assignee_id=None if ref is None else assignees.person_id(ref),
        reason=payload.reason,
        version=payload.version,
    )
    return _detail(request, _load(request, ticket_id))
