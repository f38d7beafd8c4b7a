from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.decorators import decorate_view
from pydantic import Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from tierdesk.accounts.models import Organisation, Role
from tierdesk.core.api_support import (
    READ_ERRORS,
    Text,
    accepts,
    api_enum,
    component_ref,
    errors,
    request_actor,
)
from tierdesk.core.errors import DomainError, Forbidden, InvalidInput
from tierdesk.directory import access
from tierdesk.directory.models import SupportPlan as SupportPlanChoices
from tierdesk.directory.services import directory_import, parse_directory

router = Router(tags=["directory"])
SupportPlan = api_enum("SupportPlan", SupportPlanChoices, doc="A contract's support plan.")


class ContractOut(Schema):
    id: str
    name: str
    plan: SupportPlan  # type: ignore[valid-type]
    partner: str


class NamedOut(Schema):
    id: str
    name: str


class ImportOut(Schema):
    created: dict[str, int]
    updated: dict[str, int]


# The import document, checked here before the service sees it: the service trusts the
# shapes (objects where objects go, strings where strings go) and the column lengths.
PlatformId = Text


class DirectoryFlow(Schema):
    id: PlatformId = Field(description="24 hexadecimal characters.")
    name: Text = Field("", max_length=200)


class DirectoryWorkspace(Schema):
    id: PlatformId = Field(description="24 hexadecimal characters.")
    name: Text = Field("", max_length=200)
    flows: list[DirectoryFlow] = Field(default_factory=list)


class DirectoryContract(Schema):
    id: PlatformId = Field(description="24 hexadecimal characters.")
    name: Text = Field(max_length=200)
    plan: SupportPlan | None = None  # type: ignore[valid-type]
    workspaces: list[DirectoryWorkspace] = Field(default_factory=list)


class DirectoryPartner(Schema):
    """One partner's contracts, workspaces and flows."""

    partner: Text = Field(description="The partner organisation's name.")
    contracts: list[DirectoryContract] = Field(default_factory=list)


_DOCS = TypeAdapter(list[DirectoryPartner])

IMPORT_EXAMPLE = {
    "partner": "Acme",
    "contracts": [
        {
            "id": "5f0c1e2a3b4c5d6e7f809a1b",
            "name": "Acme production",
            "plan": "premium",
            "workspaces": [
                {
                    "id": "5f0c1e2a3b4c5d6e7f809a1c",
                    "name": "Shop",
                    "flows": [{"id": "5f0c1e2a3b4c5d6e7f809a1d", "name": "Orders to ERP"}],
                }
            ],
        }
    ],
}
CSV_COLUMNS = "partner,contract_id,contract_name,plan,workspace_id,workspace_name,flow_id,flow_name"
CSV_EXAMPLE = (
    CSV_COLUMNS + "\nAcme,5f0c1e2a3b4c5d6e7f809a1b,Acme production,premium,"
    "5f0c1e2a3b4c5d6e7f809a1c,Shop,5f0c1e2a3b4c5d6e7f809a1d,Orders to ERP\n"
)


def _field_path(loc: tuple) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _checked_docs(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    try:
        return [d.model_dump() for d in _DOCS.validate_python(docs)]
    except PydanticValidationError as exc:
        fields: dict[str, str] = {}
        for error in exc.errors():
            fields.setdefault(_field_path(error["loc"]) or "body", error["msg"])
        raise InvalidInput(fields) from None


@router.get(
    "/contracts",
    response={200: list[ContractOut], **errors(401, 403)},
    summary="The contracts the caller may see",
    operation_id="contract_list",
)
def contracts(request: HttpRequest):
    actor = request_actor(request)
    rows = access.visible_contracts(actor).select_related("partner").order_by("name", "pk")
    return [
        {"id": c.platform_id, "name": c.name, "plan": c.plan, "partner": c.partner.name}
        for c in rows
    ]


@router.get(
    "/contracts/{contract_id}/workspaces",
    response={200: list[NamedOut], **READ_ERRORS},
    summary="A contract's workspaces",
    operation_id="workspace_list",
)
def workspaces(request: HttpRequest, contract_id: Text):
    contract = access.get_contract(request_actor(request), contract_id)
    return [{"id": w.platform_id, "name": w.name} for w in contract.workspaces.order_by("name")]


@router.get(
    "/workspaces/{workspace_id}/flows",
    response={200: list[NamedOut], **READ_ERRORS},
    summary="A workspace's flows",
    operation_id="flow_list",
)
def flows(request: HttpRequest, workspace_id: Text):
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
                "application/json": {
                    # One partner per request in the document (a JSON array of them is
                    # accepted too): generated clients handle a union with a list badly.
                    "schema": component_ref(DirectoryPartner),
                    "examples": {"one_partner": {"value": IMPORT_EXAMPLE}},
                },
                "text/csv": {
                    "schema": {
                        "type": "string",
                        "format": "binary",
                        "description": f"A header line `{CSV_COLUMNS}`, then one line per "
                        "flow (a workspace or contract without flows: leave the later "
                        "columns empty). UTF-8.",
                    },
                    "examples": {"one_flow": {"value": CSV_EXAMPLE}},
                },
            },
        }
    },
    summary="Import contracts, workspaces and flows (idempotent)",
    description="JSON: one partner's document (a JSON array of such documents is accepted "
    "too), or CSV (`text/csv`) with one line per flow. Importing the same document again "
    "changes nothing; names are updated. A partner admin imports only their own partner.",
    operation_id="directory_import",
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
    docs = _checked_docs(parse_directory(text, fmt=fmt))
    restrict = (
        Organisation.objects.get(pk=actor.org_id) if actor.role == Role.PARTNER_ADMIN else None
    )
    result = directory_import(docs=docs, restrict_to=restrict)
    return {"created": result.created, "updated": result.updated}
