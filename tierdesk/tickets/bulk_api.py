"""`POST /tickets/bulk`: one action on up to `BULK_MAX` tickets, each through its own
service (`services.tickets_bulk`). The answer is 200 with one result per ticket, in the
order sent: `ok`, the ticket's new `version`, or the `error` the single operation would
have answered (its `status` and body: `ErrorOut`, `InvalidOut` or `RefusedOut`). A ticket
the caller may not see is `not_found`, exactly like one that does not exist. 422 only
when the request as a whole is invalid (nothing was tried)."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view
from pydantic import ConfigDict

from tierdesk.core.api_support import (
    ErrorOut,
    InvalidOut,
    RefusedOut,
    Text,
    accepts,
    api_enum,
    errors,
    request_actor,
)
from tierdesk.tickets import assignees, services
from tierdesk.tickets.schemas import Priority, Strict, minutes_field
from tierdesk.tickets.services.bulk import NOT_FOUND

router = Router(tags=["tickets"])

BulkActionName = api_enum(
    "BulkAction", services.BulkAction, doc="What bulk work does to each selected ticket."
)


Id = Annotated[int, Field(ge=1, lt=2**63)]


class BulkTicketIn(Strict):
    id: Id
    version: int | None = Field(
        None,
        ge=0,
        lt=2**63,
        description="The version you saw; a stale one is refused for that ticket (409).",
    )


class TicketBulkIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"action": "take", "tickets": [{"id": 41, "version": 3}, {"id": 42}]},
                {
                    "action": "assign",
                    "tickets": [{"id": 41}, {"id": 57}],
                    "assignee": "lena.vogel@integra.example",
                    "reason": "Knows this connector.",
                },
                {"action": "priority", "tickets": [{"id": 41}], "priority": "high"},
                {
                    "action": "note",
                    "tickets": [{"id": 41}, {"id": 42}],
                    "body": "Same outage as TD-10040.",
                    "minutes": 2,
                },
            ]
        },
    )

    action: BulkActionName  # type: ignore[valid-type]
    tickets: list[BulkTicketIn] = Field(
        ..., description=f"1 to {services.BULK_MAX} distinct tickets, tried in this order."
    )
    assignee: Id | Text | None = Field(
        None, description="assign: the person's id or email; null hands the tickets back."
    )
    priority: Priority | None = None  # type: ignore[valid-type]
    body: Text = Field("", description="note: the internal note.")
    reason: Text = Field("", max_length=2000, description="assign: why (kept in the history).")
    minutes: int | None = minutes_field()


class BulkResultOut(Schema):
    ticket_id: int
    ok: bool
    number: int | None = Field(description="The ticket's number; null when it was not found.")
    version: int | None = Field(description="The ticket's version after the change.")
    http_status: int = Field(description="The HTTP status the single operation would answer.")
    error: ErrorOut | InvalidOut | RefusedOut | None


class TicketBulkOut(Schema):
    action: BulkActionName  # type: ignore[valid-type]
    done: int
    refused: int
    results: list[BulkResultOut]


@router.post(
    "/tickets/bulk",
    response={200: TicketBulkOut, **errors(400, 401, 403, 413, 415, 422)},
    operation_id="ticket_bulk",
    summary="Take, assign, reprioritise, note or close many tickets at once",
    description=(
        f"Each ticket (at most {services.BULK_MAX}) goes through the same service, gate, "
        "permission and version check as its single operation; the others go through when "
        "one is refused. One result per ticket, in the order sent. A ticket you may not "
        "see is `not_found`, like one that does not exist."
    ),
)
@decorate_view(accepts("application/json"))
def ticket_bulk(request: HttpRequest, payload: TicketBulkIn):
    actor = request_actor(request)
    assignee_id = None
    if payload.action.value == services.BulkAction.ASSIGN and payload.assignee is not None:
        assignee_id = assignees.person_id(payload.assignee)
    outcomes = services.tickets_bulk(
        actor=actor,
        action=payload.action.value,
        items=[services.BulkItem(t.id, t.version) for t in payload.tickets],
        assignee_id=assignee_id,
        priority=payload.priority.value if payload.priority else "",
        body=payload.body,
        reason=payload.reason,
        minutes=payload.minutes,
    )
    results = [
        {
            "ticket_id": o.ticket_id,
            "ok": o.ok,
            "number": o.number,
            "version": o.version,
            "http_status": o.error.status if o.error else 200,
            "error": _error_body(o.error) if o.error else None,
        }
        for o in outcomes
    ]
    done = sum(1 for o in outcomes if o.ok)
    return {
        "action": payload.action,
        "done": done,
        "refused": len(outcomes) - done,
        "results": results,
    }


def _error_body(exc) -> dict:
    body = exc.as_dict()
    if body.get("code") == "not_found":
        body["message"] = NOT_FOUND  # the same words for missing and not yours
    return body
