"""Ticket endpoints: parse → call a service or a selector → shape the answer. The actions
are in `api_actions.py`, messages, files and events in `api_conversation.py`, the history
at L2 and L3 in `api_history.py`.

Conventions of the whole API (docs/api.md): an explicit `operation_id` `<resource>_<verb>`,
a tag per resource, enums for closed sets, the error answers declared with
`core.api_support.errors(...)`, an `ETag` on every answer that carries a ticket and
`If-Match` on every write of one.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any, Literal

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from tierdesk.core.actor import Actor
from tierdesk.core.api_support import (
    ETAG,
    IF_MATCH,
    READ_ERRORS,
    Text,
    accepts,
    errors,
    openapi_extra,
    request_actor,
)
from tierdesk.core.errors import InvalidInput, PreconditionFailed, StaleVersion
from tierdesk.core.preconditions import if_match_tags
from tierdesk.tickets import access, paging, sections, selectors, services, workflow
from tierdesk.tickets.models import Channel, Ticket
from tierdesk.tickets.schemas import (
    CREATE_EXAMPLE,
    HandoverCheckOut,
    TicketDetailOut,
    TicketIn,
    TicketLevel,
    TicketPage,
    TicketPatch,
    TicketStatus,
    service_fields,
)

router = Router(tags=["tickets"])
JSON = accepts("application/json")


def ticket_out(t: Ticket, actor: Actor | None = None) -> dict:
    out = {
        **{f: getattr(t, f) for f in _PLAIN_FIELDS},
        "reference": t.reference,
        "partner": t.partner.name,
        "customer": t.customer.email if t.customer_id else None,
        "assignee": t.assignee.email if t.assignee_id else None,
        "l1_checks": {"connectivity": t.check_connectivity, "credentials": t.check_credentials},
    }
    if actor is not None and actor.is_customer:
        # A customer's view holds what the portal shows: not who at support works the
        # ticket, nor L1's own notes.
        out.update(assignee=None, l1_checks={"connectivity": "", "credentials": ""})
    return out


_PLAIN_FIELDS = (
    "id",
    "number",
    "title",
    "level",
    "status",
    "priority",
    "incident",
    "contract_id",
    "workspace_id",
    "flow_id",
    "flow_version",
    "no_flow_reason",
    "occurred_at",
    "occurred_until",
    "description",
    "expected_behaviour",
    "actual_behaviour",
    "steps_to_reproduce",
    "reproducibility",
    "context",
    "is_blocker",
    "blocker_impact",
    "needed_by",
    "pasted_log",
    "no_logs_reason",
    "version",
    "created_at",
    "updated_at",
)


def resolution_out(actor, t: Ticket) -> dict | None:
    """Staff see how a resolved ticket was solved; customers read the messages instead."""
    if actor.is_customer or not (t.resolution or t.resolved_at):
        return None
    return {
        "resolution": t.resolution,
        "cause": t.resolution_cause or None,
        "level": t.resolved_level,
        "resolved_by": t.resolved_by.email if t.resolved_by_id else None,
        "resolved_at": t.resolved_at,
    }


def _detail(request: HttpRequest, ticket: Ticket) -> dict:
    actor = request_actor(request)
    return {
        **ticket_out(ticket, actor),
        "handover_check": selectors.handover_check(ticket),
        "actions": workflow.allowed_actions(actor, ticket),
        "resolution": resolution_out(actor, ticket),
        **sections.api_values(actor, ticket),
    }


def _load(request: HttpRequest, ticket_id: int) -> Ticket:
    actor = request_actor(request)
    ticket = (
        access.visible_tickets(actor)
        .select_related("partner", "customer", "assignee", "resolved_by")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return access.get_ticket(actor, ticket_id)  # raises NotFound with the one answer
    return access.recorded(actor, ticket)


def etag(ticket: Ticket) -> str:
    return f'"{ticket.version}"'


def ticket_answer(request: HttpRequest, response: HttpResponse, ticket_id: int) -> dict:
    """The ticket as the caller sees it now, with its `ETag`."""
    ticket = _load(request, ticket_id)
    response["ETag"] = etag(ticket)
    return _detail(request, ticket)


def _if_match(request: HttpRequest, ticket_id: int) -> list[int] | None:
    """The versions `If-Match` accepts; None without the header or with `*`."""
    tags = if_match_tags(request)
    if tags is None:
        return None
    if not all(tag.isdigit() for tag in tags):
        raise InvalidInput({"If-Match": "is not an ETag this API gave out"})
    return [int(tag) for tag in tags]


def write_ticket(
    request: HttpRequest, ticket_id: int, body_version: int | None, write: Callable[[Any], Any]
) -> None:
    """Run `write(version)` under the request's precondition: `If-Match` (412 when the
    ticket changed since) or the body's `version` (409 `stale_version`)."""
    accepted = _if_match(request, ticket_id)
    if accepted is None:
        write(body_version)
        return
    if body_version is not None and body_version not in accepted:
        raise PreconditionFailed("The body's version and If-Match name different versions.")
    version = accepted[0]
    if len(accepted) > 1:
        current = access.get_ticket(request_actor(request), ticket_id).version
        version = current if current in accepted else accepted[0]
    try:
        write(version)
    except StaleVersion as exc:
        raise PreconditionFailed(exc.message) from None


TICKET_HEADERS = {"ETag": ETAG}


@router.post(
    "/tickets",
    response={201: TicketDetailOut, **errors(400, 401, 403, 413, 415, 422, refused=True)},
    summary="Open a ticket (with `hand_over`: straight to L2 through the handover gate)",
    operation_id="ticket_create",
    openapi_extra=openapi_extra(
        headers={201: TICKET_HEADERS}, examples={"handover": CREATE_EXAMPLE}
    ),
)
@decorate_view(JSON)
def create_ticket(request: HttpRequest, response: HttpResponse, payload: TicketIn):
    ticket = services.ticket_create(
        actor=request_actor(request),
        data=service_fields(payload),
        customer=payload.customer,
        hand_over=payload.hand_over,
        channel=Channel.API,
    )
    return Status(201, ticket_answer(request, response, ticket.pk))


class TicketFilters(Schema):
    level: TicketLevel | None = None  # type: ignore[valid-type]
    status: TicketStatus | None = None  # type: ignore[valid-type]
    partner: Text | None = None
    contract_id: Text | None = None
    flow_id: Text | None = None
    blocker: bool | None = None
    q: Text | None = Field(None, description="Words in the title or description, or a number.")
    cursor: Text | None = Field(None, description="The `next_cursor` of the previous page.")
    limit: int = Field(25, ge=1, le=100)
    at_risk: bool | None = Field(
        None, description="true: tickets at risk of missing a deadline, or past one."
    )
    order: Literal["newest", "deadline"] = Field(
        "newest", description="`deadline`: the nearest deadline (SLA or needed_by) first."
    )


def _decode_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput({"cursor": "is not a cursor this API gave out"}) from None


# A ticket number is at most this many digits; longer digit runs are only text to match.
_NUMBER_DIGITS = 12


@router.get(
    "/tickets",
    response={200: TicketPage, **errors(401, 403, 422)},
    summary="List tickets",
    operation_id="ticket_list",
)
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]):
    actor = request_actor(request)
    tickets = access.visible_tickets(actor)
    if filters.level is not None:
        tickets = tickets.filter(level=filters.level)
    if filters.status:
        tickets = tickets.filter(status=filters.status)
    if filters.partner:
        tickets = tickets.filter(partner__name__iexact=filters.partner)
    if filters.contract_id:
        tickets = tickets.filter(contract_id=filters.contract_id.lower())
    if filters.flow_id:
        tickets = tickets.filter(flow_id=filters.flow_id.lower())
    if filters.blocker is not None:
        tickets = tickets.filter(is_blocker=filters.blocker)
    if filters.q:
        text = filters.q.strip()
        match = Q(title__icontains=text) | Q(description__icontains=text)
        # isdigit() is also true of "²" and "١٢٣", which int() refuses or reads as another
        # number; and int() refuses more than 4300 digits.
        if text.isascii() and text.isdigit() and len(text) <= _NUMBER_DIGITS:
            match |= Q(number=int(text))
        tickets = tickets.filter(match)
    if filters.at_risk is not None:
        tickets = tickets.filter(sla_at_risk=filters.at_risk)
    if filters.order == "deadline":
        rows, next_cursor = paging.deadline_page(
            tickets.select_related("partner", "customer", "assignee"),
            cursor=filters.cursor,
            limit=filters.limit,
        )
        return {"items": [ticket_out(t, actor) for t in rows], "next_cursor": next_cursor}
    if filters.cursor:
        tickets = tickets.filter(pk__lt=_decode_cursor(filters.cursor))
    rows = list(
        tickets.select_related("partner", "customer", "assignee").order_by("-pk")[
            : filters.limit + 1
        ]
    )
    next_cursor = None
    if len(rows) > filters.limit:
        rows = rows[: filters.limit]
        next_cursor = base64.urlsafe_b64encode(str(rows[-1].pk).encode()).decode().rstrip("=")
    return {"items": [ticket_out(t, actor) for t in rows], "next_cursor": next_cursor}


@router.get(
    "/tickets/{ticket_id}",
    response={200: TicketDetailOut, **READ_ERRORS},
    summary="One ticket, with its checklist, SLA, the caller's actions and its resolution",
    operation_id="ticket_get",
    openapi_extra=openapi_extra(headers={200: TICKET_HEADERS}),
)
def get_ticket(request: HttpRequest, response: HttpResponse, ticket_id: int):
    return ticket_answer(request, response, ticket_id)


@router.patch(
    "/tickets/{ticket_id}",
    response={200: TicketDetailOut, **errors(400, 401, 403, 404, 409, 412, 413, 415, 422)},
    summary="Change fields (send `version` or `If-Match`)",
    operation_id="ticket_update",
    openapi_extra=openapi_extra(headers={200: TICKET_HEADERS}, parameters=[IF_MATCH]),
)
@decorate_view(JSON)
def patch_ticket(
    request: HttpRequest, response: HttpResponse, ticket_id: int, payload: TicketPatch
):
    if payload.version is None and "If-Match" not in request.headers:
        raise InvalidInput({"version": "send the version you read, or the ETag in If-Match"})

    def write(version):
        services.ticket_update(
            actor=request_actor(request),
            ticket_id=ticket_id,
            changes=service_fields(payload),
            version=version,
        )

    write_ticket(request, ticket_id, payload.version, write)
    return ticket_answer(request, response, ticket_id)


@router.get(
    "/tickets/{ticket_id}/handover-check",
    response={200: HandoverCheckOut, **READ_ERRORS},
    summary="What the handover to L2 still misses",
    operation_id="ticket_handover_check",
)
def handover_check(request: HttpRequest, ticket_id: int):
    return selectors.handover_check(access.get_ticket(request_actor(request), ticket_id))
