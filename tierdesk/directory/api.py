from __future__ import annotations

import json

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.decorators import decorate_view

from tierdesk.accounts.models import Organisation, Role
from tierdesk.core.api_support import accepts, errors, request_actor
from tierdesk.core.errors import DomainError, Forbidden, InvalidInput
from tierdesk.directory import access
from tierdesk.directory.services import directory_import, parse_directory

router = Router(tags=["directory"])


class ContractOut(Schema):
    id: str
    name: str
    plan: str
    partner: str


class NamedOut(Schema):
    id: str
    name: str


class ImportOut(Schema):
    created: dict[str, int]
    updated: dict[str, int]


@router.get("/contracts", response={200: list[ContractOut], **errors(401, 403)})
def contracts(request: HttpRequest):
    actor = request_actor(request)
    rows = access.visible_contracts(actor).select_related("partner").order_by("name", "pk")
    return [
        {"id": c.platform_id, "name": c.name, "plan": c.plan, "partner": c.partner.name}
        for c in rows
    ]


@router.get(
    "/contracts/{contract_id}/workspaces", response={200: list[NamedOut], **errors(401, 403, 404)}
)
def workspaces(request: HttpRequest, contract_id: str):
    contract = access.get_contract(request_actor(request), contract_id)
    return [{"id": w.platform_id, "name": w.name} for w in contract.workspaces.order_by("name")]


@router.get(
    "/workspaces/{workspace_id}/flows", response={200: list[NamedOut], **errors(401, 403, 404)}
)
def flows(request: HttpRequest, workspace_id: str):
    actor = request_actor(request)
    space = access.get_workspace(actor, workspace_id)
    return [{"id": f.platform_id, "name": f.name} for f in access.visible_flows(actor, space)]


@router.post(
    "/directory/import",
    response={200: ImportOut, **errors(400, 401, 403, 404, 413, 415, 422)},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
            },
        }
    },
    summary="Import contracts, workspaces and flows (idempotent)",
)
@decorate_view(accepts("application/json", "text/csv"))
def import_directory(request: HttpRequest):
    actor = request_actor(request)
    if actor.role not in (Role.ADMIN, Role.PARTNER_ADMIN):
        raise Forbidden("Only admins import the directory.")
    fmt = "csv" if request.content_type == "text/csv" else "json"
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput({"body": "must be UTF-8"}) from None
    if fmt == "json":
        try:
            json.loads(text)
        except ValueError:
            raise DomainError("The request body is not valid JSON.", code="malformed") from None
    docs = parse_directory(text, fmt=fmt)
    restrict = (
        Organisation.objects.get(pk=actor.org_id) if actor.role == Role.PARTNER_ADMIN else None
    )
    result = directory_import(docs=docs, restrict_to=restrict)
    return {"created": result.created, "updated": result.updated}
