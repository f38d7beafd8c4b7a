from __future__ import annotations

import json
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.decorators import decorate_view
from pydantic import Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from tierdesk.accounts.models import Organisation, Role
from tierdesk.core.api_support import READ_ERRORS, Text, accepts, errors, request_actor
from tierdesk.core.errors import DomainError, Forbidden, InvalidInput
from tierdesk.directory import access
from tierdesk.directory.models import SupportPlan
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


# The import document, checked here before the service sees it: the service trusts the
# shapes (objects where objects go, strings where strings go) and the column lengths.
PlatformId = Text
Plan = Literal[tuple(SupportPlan.values)]  # type: ignore[valid-type]


class FlowDoc(Schema):
    id: PlatformId = Field(description="24 hexadecimal characters.")
    name: Text = Field("", max_length=200)


class WorkspaceDoc(Schema):
    id: PlatformId = Field(description="24 hexadecimal characters.")
    name: Text = Field("", max_length=200)
    flows: list[FlowDoc] = Field(default_factory=list)


class ContractDoc(Schema):
    id: PlatformId = Field(description="24 hexadecimal characters.")
    name: Text = Field(max_length=200)
    plan: Plan | None = None
    workspaces: list[WorkspaceDoc] = Field(default_factory=list)


class PartnerDoc(Schema):
    partner: Text = Field(description="The partner organisation's name.")
    contracts: list[ContractDoc] = Field(default_factory=list)


_DOCS = TypeAdapter(list[PartnerDoc])


def _inline_refs(schema: Any, defs: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _inline_refs(defs[schema["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: _inline_refs(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline_refs(v, defs) for v in schema]
    return schema


def _import_json_schema() -> dict[str, Any]:
    schema = TypeAdapter(PartnerDoc | list[PartnerDoc]).json_schema()
    return _inline_refs(schema, schema.get("$defs", {}))


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


@router.get("/contracts", response={200: list[ContractOut], **errors(401, 403)})
def contracts(request: HttpRequest):
    actor = request_actor(request)
    rows = access.visible_contracts(actor).select_related("partner").order_by("name", "pk")
    return [
        {"id": c.platform_id, "name": c.name, "plan": c.plan, "partner": c.partner.name}
        for c in rows
    ]


@router.get("/contracts/{contract_id}/workspaces", response={200: list[NamedOut], **READ_ERRORS})
def workspaces(request: HttpRequest, contract_id: Text):
    contract = access.get_contract(request_actor(request), contract_id)
    return [{"id": w.platform_id, "name": w.name} for w in contract.workspaces.order_by("name")]


@router.get("/workspaces/{workspace_id}/flows", response={200: list[NamedOut], **READ_ERRORS})
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
                "application/json": {"schema": _import_json_schema()},
                "text/csv": {
                    "schema": {
                        "type": "string",
                        "description": "Columns: partner, contract_id, contract_name, plan, "
                        "workspace_id, workspace_name, flow_id, flow_name.",
                    }
                },
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
    docs = _checked_docs(parse_directory(text, fmt=fmt))
    restrict = (
        Organisation.objects.get(pk=actor.org_id) if actor.role == Role.PARTNER_ADMIN else None
    )
    result = directory_import(docs=docs, restrict_to=restrict)
    return {"created": result.created, "updated": result.updated}
