"""Ticket endpoints: parse → call a service or a selector → shape the answer."""

from __future__ import annotations

import base64
import binascii
from typing import Literal

from django.db.models import Q
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.files import UploadedFile
from ninja.responses import Status

from tierdesk.core.api_support import (
    ERRORS,
    READ_ERRORS,
    Text,
    accepts,
    errors,
    request_actor,
)
from tierdesk.core.errors import InvalidInput
from tierdesk.sla import selectors as sla_selectors
from tierdesk.tickets import access, selectors, services, workflow
from tierdesk.tickets.downloads import attachment_response
from tierdesk.tickets.models import Attachment, Channel, Message, Ticket, TicketEvent
from tierdesk.tickets.schemas import (
    Action,
    ActionIn,
    AttachmentOut,
    EventOut,
    HandoverCheckOut,
    MessageIn,
    MessageOut,
    ReproductionIn,
    ReproductionOut,
    TicketDetailOut,
    TicketIn,
    TicketPage,
    TicketPatch,
    service_fields,
)

router = Router(tags=["tickets"])
JSON = accepts("application/json")


def ticket_out(t: Ticket) -> dict:
    return {
        **{f: getattr(t, f) for f in _PLAIN_FIELDS},
        "reference": t.reference,
        "partner": t.partner.name,
        "customer": t.customer.email if t.customer_id else None,
        "assignee": t.assignee.email if t.assignee_id else None,
        "l1_checks": {"connectivity": t.check_connectivity, "credentials": t.check_credentials},
    }


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


def _detail(request: HttpRequest, ticket: Ticket) -> dict:
    actor = request_actor(request)
    return {
        **ticket_out(ticket),
        "handover_check": selectors.handover_check(ticket),
        "sla": sla_selectors.ticket_sla(ticket),
        "actions": workflow.allowed_actions(actor, ticket),
    }


def _load(request: HttpRequest, ticket_id: int) -> Ticket:
    actor = request_actor(request)
    return (
        access.visible_tickets(actor)
        .select_related("partner", "customer", "assignee")
        .filter(pk=ticket_id)
        .first()
    ) or access.get_ticket(actor, ticket_id)  # raises NotFound with the one answer


@router.post("/tickets", response={201: TicketDetailOut, **ERRORS}, summary="Open a ticket")
@decorate_view(JSON)
def create_ticket(request: HttpRequest, payload: TicketIn):
    ticket = services.ticket_create(
        actor=request_actor(request),
        data=service_fields(payload),
        customer=payload.customer,
        hand_over=payload.hand_over,
        channel=Channel.API,
    )
    return Status(201, _detail(request, _load(request, ticket.pk)))


class TicketFilters(Schema):
    level: int | None = None
    status: Text | None = None
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


@router.get("/tickets", response={200: TicketPage, **errors(401, 403, 422)}, summary="List tickets")
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]):
    tickets = access.visible_tickets(request_actor(request))
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
        rows, next_cursor = sla_selectors.deadline_page(
            tickets.select_related("partner", "customer", "assignee"),
            cursor=filters.cursor,
            limit=filters.limit,
        )
        return {"items": [ticket_out(t) for t in rows], "next_cursor": next_cursor}
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
    return {"items": [ticket_out(t) for t in rows], "next_cursor": next_cursor}


@router.get("/tickets/{ticket_id}", response={200: TicketDetailOut, **READ_ERRORS})
def get_ticket(request: HttpRequest, ticket_id: int):
    return _detail(request, _load(request, ticket_id))


@router.patch("/tickets/{ticket_id}", response={200: TicketDetailOut, **ERRORS})
@decorate_view(JSON)
def patch_ticket(request: HttpRequest, ticket_id: int, payload: TicketPatch):
    services.ticket_update(
        actor=request_actor(request),
        ticket_id=ticket_id,
        changes=service_fields(payload),
        version=payload.version,
    )
    return _detail(request, _load(request, ticket_id))


@router.get(
    "/tickets/{ticket_id}/handover-check",
    response={200: HandoverCheckOut, **READ_ERRORS},
    summary="What the handover to L2 still misses",
)
def handover_check(request: HttpRequest, ticket_id: int):
    return selectors.handover_check(access.get_ticket(request_actor(request), ticket_id))


@router.post(
    "/tickets/{ticket_id}/actions/{action}",
    response={200: TicketDetailOut, **ERRORS},
    summary="Move the ticket through the workflow",
)
@decorate_view(JSON)
def act(request: HttpRequest, ticket_id: int, action: Action, payload: ActionIn | None = None):
    body = payload.model_dump(exclude_unset=True) if payload else {}
    version = body.pop("version", None)
    services.ticket_act(
        actor=request_actor(request),
        ticket_id=ticket_id,
        action=action.value,
        payload=body,
        version=version,
    )
    return _detail(request, _load(request, ticket_id))


def message_out(m: Message) -> dict:
    return {
        "id": m.pk,
        "body": m.body,
        "internal": m.internal,
        "author": m.author.email if m.author_id else None,
        "channel": m.channel,
        "created_at": m.created_at,
    }


@router.get("/tickets/{ticket_id}/messages", response={200: list[MessageOut], **READ_ERRORS})
def list_messages(request: HttpRequest, ticket_id: int):
    actor = request_actor(request)
    ticket = access.get_ticket(actor, ticket_id)
    return [message_out(m) for m in access.visible_messages(actor, ticket).select_related("author")]


@router.post("/tickets/{ticket_id}/messages", response={201: MessageOut, **ERRORS})
@decorate_view(JSON)
def post_message(request: HttpRequest, ticket_id: int, payload: MessageIn):
    message = services.message_add(
        actor=request_actor(request),
        ticket_id=ticket_id,
        body=payload.body,
        internal=payload.internal,
        channel=Channel.API,
    )
    return Status(201, message_out(message))


def attachment_out(a: Attachment) -> dict:
    return {
        "id": a.pk,
        "filename": a.filename,
        "kind": a.kind,
        "content_type": a.content_type,
        "size": a.size,
        "sha256": a.sha256,
        "internal": a.internal,
        "redactions": a.redactions or {},
        "created_at": a.created_at,
        "download_url": reverse("api:download_attachment", kwargs={"attachment_id": a.pk}),
    }


@router.post("/tickets/{ticket_id}/attachments", response={201: AttachmentOut, **ERRORS})
@decorate_view(accepts("multipart/form-data"))
def upload_attachment(
    request: HttpRequest,
    ticket_id: int,
    file: File[UploadedFile],
    kind: Form[Text],
    internal: Form[bool | None] = None,
):
    attachment = services.attachment_add(
        actor=request_actor(request),
        ticket_id=ticket_id,
        file=file,
        filename=file.name or "upload",
        kind=kind,
        internal=internal,
    )
    return Status(201, attachment_out(attachment))


@router.get(
    "/tickets/{ticket_id}/attachments",
    response={200: list[AttachmentOut], **READ_ERRORS},
)
def list_attachments(request: HttpRequest, ticket_id: int):
    actor = request_actor(request)
    ticket = access.get_ticket(actor, ticket_id)
    return [attachment_out(a) for a in access.visible_attachments(actor, ticket)]


@router.get(
    "/attachments/{attachment_id}",
    response={200: None, **READ_ERRORS},
    url_name="download_attachment",
    summary="Download (always as an attachment, never inline)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file's bytes, whatever its kind.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_attachment(request: HttpRequest, attachment_id: int):
    return attachment_response(access.get_attachment(request_actor(request), attachment_id))


def event_out(e: TicketEvent) -> dict:
    return {
        "id": e.pk,
        "kind": e.kind,
        "actor": e.actor.email if e.actor_id else None,
        "actor_role": e.actor_role,
        "from_level": e.from_level,
        "from_status": e.from_status,
        "to_level": e.to_level,
        "to_status": e.to_status,
        "reason": e.reason,
        "data": e.data,
        "created_at": e.created_at,
    }


@router.get("/tickets/{ticket_id}/events", response={200: list[EventOut], **READ_ERRORS})
def list_events(request: HttpRequest, ticket_id: int):
    actor = request_actor(request)
    ticket = access.get_ticket(actor, ticket_id)
    return [event_out(e) for e in access.visible_events(actor, ticket).select_related("actor")]


@router.post("/tickets/{ticket_id}/reproduction", response={201: ReproductionOut, **ERRORS})
@decorate_view(JSON)
def record_reproduction(request: HttpRequest, ticket_id: int, payload: ReproductionIn):
    record = services.reproduction_record(
        actor=request_actor(request), ticket_id=ticket_id, **payload.model_dump()
    )
    draft = selectors.reproduction_draft(record.ticket)
    return Status(
        201,
        {
            "id": record.pk,
            "reproduced": record.reproduced,
            "steps": record.steps,
            "environment": record.environment,
            "observed": record.observed,
            "analysis": record.analysis,
            "evidence_attachment_ids": list(record.evidence.values_list("pk", flat=True)),
            "evidence_log_lines": record.evidence_log_lines,
            "created_at": record.created_at,
            "escalation_missing": [m.as_dict() for m in workflow.reproduction_missing(draft)],
        },
    )
