"""The OpenAPI document as a contract generated clients can rely on: valid, named, typed.

Read from the served document (`/api/v1/openapi.json`), so an endpoint another router adds
is held to the same rules as soon as it is mounted:
- it passes openapi-spec-validator and names a `servers` entry;
- every operation has an operationId `<resource>_<verb>` (snake case, unique) and a tag
  the document describes;
- every field or parameter whose name says it is a closed set (`status`, `kind`, `code`…)
  is an enum; no two enums list the same values; no component is unused;
- every request body has an example; every POST takes an `Idempotency-Key`; the ticket's
  answers declare their `ETag` and its writes `If-Match`;
- every error code and gate item code the source can produce is in its enum.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from openapi_spec_validator import validate

from tierdesk.core import errors as error_module
from tierdesk.core.api_support import ErrorCode, MissingCode
from tierdesk.tickets.action_schemas import ACTIONS
from tierdesk.tickets.gates import HANDOVER_CODES
from tierdesk.tickets.services import ACTION_SERVICES

PACKAGE = Path(__file__).resolve().parent.parent / "tierdesk"
OPERATION_ID = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
# A field or parameter of one of these names holds a value of a closed set.
CLOSED_SET_NAMES = {
    "status",
    "from_status",
    "to_status",
    "priority",
    "level",
    "from_level",
    "to_level",
    "reproducibility",
    "cause",
    "actions",
    "kind",
    "role",
    "actor_role",
    "code",
    "channel",
    "outcome",
    "verification",
    "bounced_items",
    "plan",
    "events",
    "event",
    "order",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    answer = Client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def operations(document: dict[str, Any]):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _is_enum(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    """An enum, a list of an enum, or either of them or null."""
    schema = _resolve(document, schema)
    if "enum" in schema or "const" in schema:
        return True
    if schema.get("type") == "array":
        return _is_enum(document, schema.get("items", {}))
    if len(schema.get("allOf", [])) == 1:  # pydantic's way of giving a $ref a default
        return _is_enum(document, schema["allOf"][0])
    options = [s for s in schema.get("anyOf", schema.get("oneOf", [])) if s.get("type") != "null"]
    return bool(options) and all(_is_enum(document, s) for s in options)


def test_the_document_is_valid_openapi_and_names_its_server(document):
    validate(document)
    assert document["servers"] and document["servers"][0]["url"]


def test_every_operation_has_a_readable_unique_operation_id_and_a_described_tag(document):
    seen: dict[str, str] = {}
    described = {tag["name"] for tag in document.get("tags", [])}
    for label, operation in operations(document):
        op_id = operation.get("operationId", "")
        assert OPERATION_ID.match(op_id), f"{label}: operationId {op_id!r} is not <resource>_<verb>"
        assert not op_id.startswith("tierdesk_"), f"{label}: name it explicitly ({op_id})"
        assert op_id not in seen, f"{label} and {seen.get(op_id)} share {op_id}"
        seen[op_id] = label
        assert operation.get("tags"), f"{label} has no tag"
        assert set(operation["tags"]) <= described, f"{label}: describe its tag in api.TAGS"


def test_the_operation_id_check_catches_module_paths():
    # the names ninja makes up by itself fail the rule
    assert not OPERATION_ID.match("Tierdesk-Tickets-Api-Create")
    assert not OPERATION_ID.match("list")
    assert OPERATION_ID.match("ticket_hand_over")


def _closed_set_fields(document: dict[str, Any]):
    for name, component in document["components"]["schemas"].items():
        for field, schema in component.get("properties", {}).items():
            if field in CLOSED_SET_NAMES:
                yield f"{name}.{field}", schema
    for label, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in CLOSED_SET_NAMES:
                yield f"{label} ?{parameter['name']}", parameter["schema"]


def test_every_closed_set_field_is_an_enum(document):
    lacking = [
        where for where, schema in _closed_set_fields(document) if not _is_enum(document, schema)
    ]
    assert lacking == [], f"give these an enum (core.api_support.api_enum): {lacking}"


def test_the_enum_check_catches_a_plain_string(document):
    # a closed-set field typed as a plain string is reported
    assert not _is_enum(document, {"type": "string"})
    assert not _is_enum(document, {"anyOf": [{"type": "string"}, {"type": "null"}]})
    assert _is_enum(document, {"$ref": "#/components/schemas/TicketStatus"})


def test_no_two_enums_list_the_same_values_and_no_component_is_unused(document):
    components = document["components"]["schemas"]
    named = {
        name: tuple(sorted(map(str, c["enum"]))) for name, c in components.items() if "enum" in c
    }
    by_values: dict[tuple, list[str]] = {}
    for name, values in named.items():
        by_values.setdefault(values, []).append(name)
    assert [names for names in by_values.values() if len(names) > 1] == []
    # an inline enum of two or more values is not a copy of a named one
    rest = {**document, "components": {k: v for k, v in components.items() if k not in named}}
    for match in re.finditer(r'"enum": (\[[^\]]*\])', json.dumps(rest)):
        values = tuple(sorted(map(str, json.loads(match.group(1)))))
        assert len(values) < 2 or values not in by_values, f"use the named enum for {values}"
    used = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document["paths"])))
    pending = list(used)
    while pending:
        found = set(
            re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(components[pending.pop()]))
        )
        pending.extend(found - used)
        used |= found
    assert set(components) == used


def test_every_request_body_has_an_example(document):
    lacking = []
    for label, operation in operations(document):
        for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
            schema = _resolve(document, content.get("schema", {}))
            if not (content.get("examples") or content.get("example") or schema.get("examples")):
                lacking.append(f"{label} ({media_type})")
    assert lacking == []


def test_every_post_takes_an_idempotency_key(document):
    for label, operation in operations(document):
        if label.startswith("POST"):
            names = {p["name"] for p in operation.get("parameters", [])}
            assert "Idempotency-Key" in names, label
            ok = next(v for k, v in operation["responses"].items() if str(k).startswith("2"))
            assert "Idempotent-Replayed" in ok["headers"], label


def test_ticket_answers_declare_their_etag_and_ticket_writes_if_match(document):
    ticket_answers = [
        (label, operation)
        for label, operation in operations(document)
        if any(
            _resolve(document, c.get("schema", {})).get("title") == "TicketDetailOut"
            for r in operation["responses"].values()
            for c in r.get("content", {}).values()
        )
    ]
    assert len(ticket_answers) >= len(ACTIONS) + 3
    for label, operation in ticket_answers:
        ok = next(v for k, v in operation["responses"].items() if str(k).startswith("2"))
        assert "ETag" in ok.get("headers", {}), label
        if (
            not label.startswith(("GET", "POST /api/v1/tickets "))
            and label != "POST /api/v1/tickets"
        ):
            assert "If-Match" in {p["name"] for p in operation["parameters"]}, label
            assert "412" in operation["responses"] or 412 in operation["responses"], label


# Writes whose lost update costs nothing: the caller's own flag, set whatever it was.
NO_PRECONDITION = {"ticket_follow": "follows the ticket for the caller"}


def test_every_update_documents_its_precondition(document):
    # every PATCH or PUT of a record takes the `version` read, or the `ETag` in If-Match
    # (answering 412 when stale and declaring the ETag on its answer)
    lacking = []
    for label, operation in operations(document):
        if not label.startswith(("PATCH", "PUT")):
            continue
        if operation["operationId"] in NO_PRECONDITION:
            continue
        params = {p["name"] for p in operation.get("parameters", [])}
        body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
        fields = _resolve(document, body.get("schema", {})).get("properties", {})
        if "If-Match" in params:
            ok = next(v for k, v in operation["responses"].items() if str(k).startswith("2"))
            assert "412" in operation["responses"] and "ETag" in ok.get("headers", {}), label
        elif "version" not in fields:
            lacking.append(label)
    assert lacking == []
    for op_id in ("webhook_update", "saved_view_update", "person_update", "rule_update"):
        assert op_id in {o["operationId"] for _, o in operations(document)}


def test_every_download_declares_its_content_disposition(document):
    # every answer of bytes rather than JSON (a file, an archive) says it is a download
    downloads = {}
    for _label, operation in operations(document):
        ok = next(v for k, v in operation["responses"].items() if str(k).startswith("2"))
        if any(not t.endswith("json") for t in ok.get("content", {})):
            downloads[operation["operationId"]] = ok.get("headers", {})
    assert {"attachment_download", "person_export"} <= set(downloads)
    lacking = [op for op, headers in downloads.items() if "Content-Disposition" not in headers]
    assert lacking == []


def test_every_action_is_its_own_operation_with_its_own_body(document):
    # given every action a ticket service takes
    specs = {spec.action: spec for spec in ACTIONS}
    assert set(ACTION_SERVICES) <= set(specs), "add an ActionSpec to action_schemas.ACTIONS"
    for action in ACTION_SERVICES:
        operation = document["paths"][f"/api/v1/tickets/{{ticket_id}}/actions/{action}"]["post"]
        # then its operation is named after it, takes a body of its own (always sent)…
        assert operation["operationId"] == f"ticket_{action}"
        assert operation["requestBody"]["required"] is True
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": f"#/components/schemas/{specs[action].body.__name__}"}
        # …and can answer 422 either as invalid input or as a gate's refusal
        unprocessable = operation["responses"]["422"]["content"]["application/json"]["schema"]
        refs = {s["$ref"].rsplit("/", 1)[-1] for s in unprocessable["anyOf"]}
        assert refs == {"InvalidOut", "RefusedOut"}
    # the deprecated alias is not in the document
    assert "/api/v1/tickets/{ticket_id}/actions/{action}" not in document["paths"]


def test_each_action_body_names_exactly_its_required_fields(document):
    components = document["components"]["schemas"]
    required = {
        a: set(components[s.body.__name__].get("required", []))
        for a, s in ((spec.action, spec) for spec in ACTIONS)
    }
    assert required["take"] == set() and required["hand_over"] == set()
    assert required["resolve"] == {"resolution", "cause"}
    assert required["bounce"] == {"items", "note"}
    assert required["verify_fix"] == {"passed"}
    assert "customer_message" in components["TicketResolveIn"]["properties"]
    assert "customer_message" in components["TicketVerifyFixIn"]["properties"]
    # bounce names handover items from their enum
    items = components["TicketBounceIn"]["properties"]["items"]["items"]
    assert _resolve(document, items)["enum"] == list(HANDOVER_CODES)


def test_invalid_input_and_refusals_have_distinct_schemas(document):
    components = document["components"]["schemas"]
    assert "fields" in components["InvalidOut"]["required"]
    assert "missing" in components["RefusedOut"]["required"]
    assert "fields" not in components["RefusedOut"]["properties"]
    # an operation that no gate guards lists only invalid input
    message = document["paths"]["/api/v1/tickets/{ticket_id}/messages"]["post"]["responses"]
    assert message["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/InvalidOut"
    }


def test_every_gated_move_has_its_refusal_code_in_the_enum():
    from tierdesk.core.api_support import RefusedCode
    from tierdesk.tickets.workflow import TRANSITIONS

    codes = {f"{t.action}_refused" for t in TRANSITIONS if t.gate}
    assert codes - {c.value for c in RefusedCode} == set(), "add them to RefusedCode"


def _source_codes() -> tuple[set[str], set[str]]:
    """Error codes (class attributes of DomainErrors and `code=` arguments) and gate item
    codes (`Missing("…", …)`) written in the package's source."""
    error_codes, missing_codes = set(), set()
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts or path.parent.name == "demo":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name == "Missing" and node.args and isinstance(node.args[0], ast.Constant):
                    missing_codes.add(node.args[0].value)
                if name.endswith(
                    (
                        "Error",
                        "Refused",
                        "NotFound",
                        "Forbidden",
                        "Conflict",
                        "WrongState",
                        "Input",
                        "Failed",
                    )
                ) or name in {"DomainError"}:
                    if name == "ValidationError":  # Django's form errors, not the API's
                        continue
                    for keyword in node.keywords:
                        if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                            error_codes.add(keyword.value.value)
            if isinstance(node, ast.ClassDef):
                for statement in node.body:
                    if (
                        isinstance(statement, ast.Assign)
                        and [getattr(t, "id", None) for t in statement.targets] == ["code"]
                        and isinstance(statement.value, ast.Constant)
                        and isinstance(statement.value.value, str)
                    ):
                        error_codes.add(statement.value.value)
    return error_codes, missing_codes


def test_every_error_and_gate_code_of_the_source_is_in_its_enum():
    error_codes, missing_codes = _source_codes()
    for cls in vars(error_module).values():
        if isinstance(cls, type) and issubclass(cls, error_module.DomainError):
            error_codes.add(cls.code)
    assert "stale_version" in error_codes and "items" in missing_codes  # the reader works
    assert error_codes - {c.value for c in ErrorCode} == set(), "add them to ErrorCode"
    assert (missing_codes | set(HANDOVER_CODES)) - {c.value for c in MissingCode} == set(), (
        "add them to MissingCode"
    )


@pytest.mark.django_db
def test_an_unknown_filter_value_is_422_naming_the_parameter(world):
    from tierdesk.accounts.services import token_create

    _, token = token_create(email=world.user("l2").email)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    # when a typo reaches the status filter
    answer = client.get("/api/v1/tickets?status=in_progres")
    # then it is refused naming the parameter, instead of an empty page
    assert answer.status_code == 422
    assert answer.json()["code"] == "invalid" and "status" in answer.json()["fields"]
    assert client.get("/api/v1/tickets?level=4").json()["fields"].keys() == {"level"}
    assert client.get("/api/v1/tickets?status=in_progress&level=2").status_code == 200
