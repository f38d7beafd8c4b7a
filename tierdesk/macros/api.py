"""`/macros`: the macros the caller uses (list, create, change, delete), one rendered
for a ticket, and applied to a ticket (its reply, fields and action through the ticket
services)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status

from tierdesk.core.api_support import Text, accepts, errors, request_actor
from tierdesk.macros import access, selectors, services
from tierdesk.macros.models import Macro
from tierdesk.macros.rendering import render_for
from tierdesk.macros.schemas import (
    MacroAppliedOut,
    MacroApplyIn,
    MacroIn,
    MacroOut,
    MacroPage,
    MacroPreviewOut,
    MacroPut,
    MacroScope,
)
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import Channel

router = Router(tags=["macros"])
JSON = accepts("application/json")
MAX_RESULTS = 200


class MacroFilters(Schema):
    q: Text = ""
    scope: MacroScope | None = None  # type: ignore[valid-type]


def macro_out(actor, macro: Macro) -> dict[str, Any]:
    return {
        "id": macro.pk,
        "name": macro.name,
        "scope": macro.scope,
        "owner": macro.owner.email if macro.owner_id else None,
        "body": macro.body,
        "set_priority": macro.set_priority or None,
        "action": macro.action or None,
        "resolution": macro.resolution,
        "cause": macro.cause or None,
        "may_manage": access.may_manage(actor, macro),
        "version": macro.version,
        "updated_at": macro.updated_at,
    }


def _draft(payload: MacroIn | MacroPut) -> services.MacroDraft:
    def value(v: Any) -> str:
        return getattr(v, "value", v) or ""

    return services.MacroDraft(
        name=payload.name,
        body=payload.body,
        set_priority=value(payload.set_priority),
        action=value(payload.action),
        resolution=payload.resolution,
        cause=value(payload.cause),
    )


@router.get(
    "/macros",
    response={200: MacroPage, **errors(401, 403, 422)},
    summary="The macros you use: your own first, then your organisation's",
    operation_id="macro_list",
)
def macro_list(request: HttpRequest, filters: Query[MacroFilters]):
    actor = request_actor(request)
    scope = getattr(filters.scope, "value", "") or ""
    rows = selectors.macro_list(actor, query=filters.q, scope=scope)[:MAX_RESULTS]
    return {"items": [macro_out(actor, m) for m in rows]}


@router.post(
    "/macros",
    response={201: MacroOut, **errors(400, 401, 403, 415, 422)},
    summary="Write a macro: your own, or your organisation's (vendor staff, partner admins)",
    operation_id="macro_create",
)
@decorate_view(JSON)
def macro_create(request: HttpRequest, payload: MacroIn):
    actor = request_actor(request)
    macro = services.macro_create(
        actor=actor, scope=getattr(payload.scope, "value", payload.scope), draft=_draft(payload)
    )
    return Status(201, macro_out(actor, macro))


@router.put(
    "/macros/{macro_id}",
    response={200: MacroOut, **errors(400, 401, 403, 404, 409, 415, 422)},
    summary="Change a macro you manage (its scope stays)",
    operation_id="macro_update",
)
@decorate_view(JSON)
def macro_update(request: HttpRequest, macro_id: int, payload: MacroPut):
    actor = request_actor(request)
    macro = services.macro_update(
        actor=actor, macro_id=macro_id, draft=_draft(payload), version=payload.version
    )
    return macro_out(actor, macro)


@router.delete(
    "/macros/{macro_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    summary="Delete a macro you manage",
    operation_id="macro_delete",
)
def macro_delete(request: HttpRequest, macro_id: int):
    services.macro_delete(actor=request_actor(request), macro_id=macro_id)
    return Status(204, None)


@router.get(
    "/macros/{macro_id}/preview",
    response={200: MacroPreviewOut, **errors(401, 403, 404, 422)},
    summary="The macro's reply rendered for a ticket you may see",
    operation_id="macro_preview",
)
def macro_preview(request: HttpRequest, macro_id: int, ticket_id: int):
    actor = request_actor(request)
    ticket = get_ticket(actor, ticket_id)
    macro = access.get_macro(actor, macro_id)
    return {"ticket_id": ticket.pk, "text": render_for(actor, macro, ticket)}


@router.post(
    "/macros/{macro_id}/apply",
    response={200: MacroAppliedOut, **errors(400, 401, 403, 404, 409, 415, 422, refused=True)},
    summary="Apply a macro to a ticket: its fields, then its action or its reply",
    description="One transaction: the priority change (`ticket_update`), then the action "
    "(`ask_customer`, `resolve`) with the reply as the customer's text, or the reply alone. "
    "Refused like each of them (stale version 409, wrong state 409, a gate 422); a refusal "
    "writes nothing.",
    operation_id="macro_apply",
)
@decorate_view(JSON)
def macro_apply(request: HttpRequest, macro_id: int, payload: MacroApplyIn):
    actor = request_actor(request)
    applied = services.macro_apply(
        actor=actor,
        macro_id=macro_id,
        ticket_id=payload.ticket_id,
        version=payload.version,
        body=payload.body,
        sign=payload.sign,
        channel=Channel.API,
    )
    return {
        "ticket_id": applied.ticket.pk,
        "version": applied.ticket.version,
        "status": applied.ticket.status,
        "text": applied.text,
    }
