"""`/api/v1/tokens`: parse → call a service or access → shape the answer. A token needs
the admin scope here (identity/access.required_scope)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.decorators import decorate_view
from ninja.responses import Status

from tierdesk.accounts.models import ApiToken
from tierdesk.core import clock
from tierdesk.core.api_support import accepts, errors, request_actor
from tierdesk.core.security import client_address
from tierdesk.identity import access, services
from tierdesk.identity.schemas import TokenCreatedOut, TokenIn, TokenOut

router = Router(tags=["tokens"])
JSON = accepts("application/json")


def token_out(record: ApiToken) -> dict:
    return {
        "id": record.pk,
        "name": record.name,
        "prefix": record.prefix,
        "person": {"id": record.user_id, "email": record.user.email},
        "scopes": list(record.scopes or []),
        "expires_at": record.expires_at,
        "allowed_networks": list(record.allowed_networks or []),
        "created_at": record.created_at,
        "last_used_at": record.last_used_at,
        "last_used_address": record.last_used_address or None,
        "revoked_at": record.revoked_at,
        "active": record.is_active and not record.is_expired(clock.now()),
    }


@router.get(
    "/tokens",
    response={200: list[TokenOut], **errors(401, 403)},
    summary="Your tokens, and those of the people you administer",
    operation_id="token_list",
)
def list_tokens(request: HttpRequest):
    return [token_out(t) for t in access.visible_tokens(request_actor(request))]


@router.post(
    "/tokens",
    response={201: TokenCreatedOut, **errors(400, 401, 403, 404, 413, 415, 422)},
    summary="Make a token (the secret is shown only in this answer)",
    operation_id="token_create",
)
@decorate_view(JSON)
def create_token(request: HttpRequest, payload: TokenIn):
    record, secret = services.api_token_create(
        actor=request_actor(request),
        name=payload.name,
        scopes=[s.value for s in payload.scopes],
        expires_at=payload.expires_at,
        allowed_networks=payload.allowed_networks,
        user_id=payload.user_id,
        address=client_address(request),
    )
    return Status(201, {**token_out(record), "token": secret})


@router.get(
    "/tokens/{token_id}",
    response={200: TokenOut, **errors(401, 403, 404, 422)},
    summary="One token",
    operation_id="token_get",
)
def get_token(request: HttpRequest, token_id: int):
    return token_out(access.get_token(request_actor(request), token_id))


@router.delete(
    "/tokens/{token_id}",
    response={200: TokenOut, **errors(401, 403, 404, 422)},
    summary="Revoke a token: it is refused from now on",
    operation_id="token_revoke",
)
def revoke_token(request: HttpRequest, token_id: int):
    record = services.api_token_revoke(actor=request_actor(request), token_id=token_id)
    return token_out(record)
