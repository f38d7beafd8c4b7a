"""What every API router shares: the error bodies, the closed sets of codes, declared
headers, the actor of a request, content types."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum, IntEnum, StrEnum
from typing import Annotated, Any, Literal

from django.http import HttpRequest, JsonResponse
from ninja import Schema
from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

from tierdesk.core.actor import Actor, actor_for


def api_enum(name: str, choices: Any, *, extra: tuple = (), doc: str = "") -> type[Enum]:
    """A closed set of the API, named `name` in the document, from a `TextChoices` /
    `IntegerChoices` (or any iterable of values) plus `extra` values. The API's name is
    its own, so the document never has two enums called `Status`."""
    values = [getattr(c, "value", c) for c in choices] + list(extra)
    if all(isinstance(v, int) for v in values):
        made = IntEnum(name, {f"L{v}" if name == "Level" else f"V{v}": v for v in values})
    else:
        members = {re.sub(r"\W+", "_", str(v)).upper() or "EMPTY": v for v in values}
        made = StrEnum(name, members)  # type: ignore[assignment]
    made.__doc__ = doc or f"One of the closed set {name}."
    return made


# The support levels (tickets.models.Level): the one enum of levels in the document.
Level = api_enum(
    "Level",
    (1, 2, 3),
    doc="1: the partner (L1), 2: the vendor's support (L2), 3: engineering (L3).",
)

# Every `code` an error body can carry. A test reads the source and fails when a
# DomainError code is not listed here: add new codes to this list.
ErrorCode = api_enum(
    "ErrorCode",
    (
        "error",
        "malformed",
        "unauthenticated",
        "not_authenticated",
        "no_role",
        "forbidden",
        "not_found",
        "conflict",
        "wrong_state",
        "stale_version",
        "unknown_action",
        "exists",
        "in_flight",
        "too_many_webhooks",
        "precondition_failed",
        "too_large",
        "unsupported_media_type",
        "invalid",
        "invalid_target",
        "idempotency_key_reused",
        "gate_refused",
        "throttled",
        "insufficient_scope",
        "builtin_rule",
        "scan_unavailable",
    ),
    doc="The stable code of an error answer.",
)

# Every code of a gate's missing item (and of a recommendation). A test reads the source
# and fails when a `Missing("code", …)` is not listed here.
MissingCode = api_enum(
    "MissingCode",
    (
        # the handover checklist (tickets/gates.HANDOVER_ITEMS) and its recommendation
        "platform_ids",
        "occurred_at",
        "description",
        "logs",
        "steps",
        "blocker",
        "deadline",
        "l1_checks",
        "screenshots",
        # the other gates
        "message",
        "resolution",
        "cause",
        "items",
        "note",
        "reproduction",
        "reproduced",
        "reproduction.steps",
        "reproduction.environment",
        "reproduction.observed",
        "reproduction.analysis",
        "reproduction.evidence",
        "override_reason",
        "reason",
        "reference",
        "passed",
        "notes",
        "period",
        "confirmed",
    ),
    doc="The stable code of a gate item that is not satisfied.",
)


class MissingOut(Schema):
    code: MissingCode  # type: ignore[valid-type]
    message: str


class ErrorOut(Schema):
    """An error: a stable `code` and a message for people."""

    code: ErrorCode  # type: ignore[valid-type]
    message: str


class InvalidOut(Schema):
    """Invalid input: `fields` names each field (or header) and what is wrong with it.
    Nothing was written."""

    code: Literal["invalid", "idempotency_key_reused"]
    message: str
    fields: dict[str, str]


# `<action>_refused` of every gated move of the workflow table (tickets/workflow.py). A
# test fails when a gated action's code is not listed here.
RefusedCode = api_enum(
    "RefusedCode",
    (
        "gate_refused",
        "create_handed_over_refused",
        "ask_customer_refused",
        "customer_reply_refused",
        "resolve_refused",
        "hand_over_refused",
        "bounce_refused",
        "escalate_refused",
        "return_to_l2_refused",
        "deliver_fix_refused",
        "verify_fix_refused",
        "reopen_refused",
        "close_refused",
    ),
    doc="The code of a refused move: `<action>_refused`.",
)


class RefusedOut(Schema):
    """A move the workflow refused: `missing` lists every unsatisfied gate item.
    Nothing was written."""

    code: RefusedCode  # type: ignore[valid-type]
    message: str
    missing: list[MissingOut]


# 422 of an operation that can be refused by a gate: invalid input, or the refusal.
Unprocessable = InvalidOut | RefusedOut


def errors(*codes: int, refused: bool = False) -> dict[int, Any]:
    """The error answers of an operation, by status: 422 is `InvalidOut` (fields), or
    with `refused` also `RefusedOut` (missing gate items); every other status `ErrorOut`."""
    out: dict[int, Any] = {code: ErrorOut for code in codes}
    if 422 in codes:
        out[422] = Unprocessable if refused else InvalidOut
    return out


# Every status a write may answer, 422 with both shapes: for an operation whose errors
# are not narrowed down yet. Prefer `errors(...)` naming exactly what it can answer.
ERRORS: dict[int, Any] = errors(400, 401, 403, 404, 409, 413, 415, 422, refused=True)

# A read of one resource: 422 when a path or query parameter is not of its type.
READ_ERRORS = errors(401, 403, 404, 422)


def header(description: str, **schema: Any) -> dict[str, Any]:
    return {"description": description, "schema": schema or {"type": "string"}}


ETAG = header(
    'The ticket\'s version as an entity tag (`"7"`): send it back in `If-Match`.',
    type="string",
    examples=['"7"'],
)
RETRY_AFTER = header("Seconds after which trying again may succeed.", type="integer")
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "description": "The `ETag` you read (or `*`): the write is refused with 412 "
    "`precondition_failed` when the ticket changed since. Same effect as `version` in the body.",
    "schema": {"type": "string"},
}


# Component schemas that operations reference by hand (in `openapi_extra`), added to the
# document by `tierdesk.api.finish_document`.
COMPONENTS: dict[str, dict[str, Any]] = {}
REF = "#/components/schemas/{model}"


def component_ref(model: Any) -> dict[str, str]:
    """`{"$ref": …}` to `model` (a pydantic model, or a JSON schema with a `title`) as a
    named component of the document."""
    if isinstance(model, dict):
        schema = dict(model)
        name = schema["title"]
    else:
        schema = model.model_json_schema(ref_template=REF)
        name = model.__name__
    for def_name, definition in schema.pop("$defs", {}).items():
        COMPONENTS.setdefault(def_name, definition)
    COMPONENTS[name] = schema
    return {"$ref": REF.format(model=name)}


def openapi_extra(
    *,
    headers: dict[int, dict[str, Any]] | None = None,
    parameters: list[dict[str, Any]] | None = None,
    examples: dict[str, Any] | None = None,
    media_type: str = "application/json",
) -> dict[str, Any]:
    """An operation's `openapi_extra`: response `headers` by status, extra `parameters`,
    and request body `examples` ({name: value}) for `media_type`."""
    extra: dict[str, Any] = {}
    if headers:
        extra["responses"] = {status: {"headers": named} for status, named in headers.items()}
    if parameters:
        extra["parameters"] = list(parameters)
    if examples:
        extra["requestBody"] = {
            "content": {media_type: {"examples": {k: {"value": v} for k, v in examples.items()}}}
        }
    return extra


def _storable_text(value: str) -> str:
    """PostgreSQL stores neither NUL characters nor lone surrogates (both arrive through
    JSON escapes or %00 in a URL): refuse them as a field error, not a 500."""
    if "\x00" in value:
        raise PydanticCustomError("text", "must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("text", "is not valid Unicode text") from None
    return value


def _storable_instant(value: datetime) -> datetime:
    """A time whose UTC value falls outside years 1–9999 cannot be stored and read back
    (9999-12-31T23:00:00-05:00 is in year 10000 in UTC). The moment goes on in UTC:
    PostgreSQL refuses offsets past ±15:59 that ISO 8601 and Python accept (+21:13)."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("instant", "is out of range (years 1 to 9999 in UTC)") from None


# Every string the API takes in, and every time: refused with 422 naming the field
# when the database could not store it.
Text = Annotated[str, AfterValidator(_storable_text)]
Instant = Annotated[AwareDatetime, AfterValidator(_storable_instant)]


def request_actor(request: HttpRequest) -> Actor:
    """The actor behind the authenticated request (token or session)."""
    return actor_for(request.auth)  # type: ignore[attr-defined]


def error_response(status: int, code: str, message: str, **extra: Any) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, **extra}, status=status)


def accepts(*content_types: str) -> Callable:
    """Refuse a request body of another content type with 415 before it is parsed.
    For `ninja.decorators.decorate_view`."""

    def decorator(run: Callable) -> Callable:
        @functools.wraps(run)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any):
            if request.method in ("POST", "PUT", "PATCH"):
                given = (request.content_type or "").split(";")[0].strip().lower()
                body = request.META.get("CONTENT_LENGTH") not in (None, "", "0")
                if (body or given) and given not in content_types:
                    return error_response(
                        415,
                        "unsupported_media_type",
                        f"Send the body as {' or '.join(content_types)}, not {given or 'nothing'}.",
                    )
            return run(request, *args, **kwargs)

        return wrapper

    return decorator
