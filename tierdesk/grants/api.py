"""`POST /tickets/{id}/support-access` and `…/{grant_id}/revoke`: the customer records the
support access they granted on the platform, and its revocation. Staff read the grants in
the ticket's detail (`support_access`)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.decorators import decorate_view
from ninja.responses import Status

from tierdesk.core import clock
from tierdesk.core.api_support import ERRORS, accepts, request_actor
from tierdesk.grants import services
from tierdesk.grants.schemas import GrantIn, GrantOut
from tierdesk.grants.selectors import as_dict

router = Router(tags=["support access"])


@router.post(
    "/tickets/{ticket_id}/support-access",
    response={201: GrantOut, **ERRORS},
    operation_id="support_access_grant",
    summary="Record support access granted to a workspace (customers)",
    description="The customer granted the vendor's support access to a workspace on the "
    "platform until a moment (at most 90 days ahead); support sees it on the ticket and is "
    "reminded before it ends. A new grant for the same workspace replaces the one before.",
)
@decorate_view(accepts("application/json"))
def support_access_grant(request: HttpRequest, ticket_id: int, payload: GrantIn):
    grant = services.grant_record(
        actor=request_actor(request),
        ticket_id=ticket_id,
        workspace_id=payload.workspace_id,
        until=payload.until,
    )
    return Status(201, as_dict(grant, clock.now()))


@router.post(
    "/tickets/{ticket_id}/support-access/{grant_id}/revoke",
    response={200: GrantOut, **ERRORS},
    operation_id="support_access_revoke",
    summary="Record that the support access was revoked (customers)",
    description="The customer revoked the access on the platform; support no longer looks.",
)
def support_access_revoke(request: HttpRequest, ticket_id: int, grant_id: int):
    grant = services.grant_revoke(
        actor=request_actor(request), ticket_id=ticket_id, grant_id=grant_id
    )
    return as_dict(grant, clock.now())
