"""`POST /tickets/{id}/time`: log minutes on a ticket (the totals are the `time` block
of the ticket detail)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.decorators import decorate_view
from ninja.responses import Status

from tierdesk.core.api_support import ERRORS, accepts, request_actor
from tierdesk.timelog import services
from tierdesk.timelog.schemas import TimeEntryOut, TimeIn

router = Router(tags=["time"])


@router.post(
    "/tickets/{ticket_id}/time",
    response={201: TimeEntryOut, **ERRORS},
    operation_id="time_entry_create",
    summary="Log time spent on a ticket",
    description="Minutes (1–1440) of a reply, a note, an action or other work, at the "
    "caller's level. The ticket's totals by level and person are in its detail (`time`).",
)
@decorate_view(accepts("application/json"))
def time_entry_create(request: HttpRequest, ticket_id: int, payload: TimeIn):
    entry = services.time_log(
        actor=request_actor(request),
        ticket_id=ticket_id,
        minutes=payload.minutes,
        kind=payload.kind,
        note=payload.note,
    )
    return Status(
        201,
        {
            "id": entry.pk,
            "person": entry.user.email,
            "level": entry.level,
            "minutes": entry.minutes,
            "kind": entry.kind,
            "note": entry.note,
        },
    )
