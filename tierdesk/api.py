"""The REST API under /api/v1: one NinjaAPI, bearer tokens or the browser session, one
translation of domain errors into the error bodies of `core/api_support.py`, an
`Idempotency-Key` on every POST, and the finishing touches of the OpenAPI document
(`servers`, tags, declared headers, no unused components)."""

from __future__ import annotations

import functools
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest
from ninja import NinjaAPI
from ninja.decorators import _apply_decorators
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer, SessionAuth

from tierdesk.accounts.api import router as accounts_router
from tierdesk.accounts.services import token_lookup
from tierdesk.automation.api import router as automation_router
from tierdesk.chat.api import router as chat_router
from tierdesk.core import idempotency
from tierdesk.core.api_support import COMPONENTS, header
from tierdesk.core.errors import DomainError
from tierdesk.core.security import client_address
from tierdesk.directory.api import router as directory_router
from tierdesk.grants.api import router as grants_router
from tierdesk.identity.access import token_permit
from tierdesk.identity.api import router as identity_router
from tierdesk.identity.api_people import router as people_router
from tierdesk.kb.api import router as kb_router
from tierdesk.logs.api import router as logs_router
from tierdesk.macros.api import router as macros_router
from tierdesk.notifications.api import router as notifications_router
from tierdesk.notify.api import router as notify_router
from tierdesk.problems.api import links_router as ticket_links_router
from tierdesk.problems.api import router as problems_router
from tierdesk.problems.hooks_api import router as hooks_router
from tierdesk.reports.api import router as reports_router
from tierdesk.savedviews.api import router as saved_views_router
from tierdesk.search.api import router as search_router
from tierdesk.tickets.api import router as tickets_router
from tierdesk.tickets.api_actions import router as actions_router
from tierdesk.tickets.api_conversation import router as conversation_router
from tierdesk.tickets.api_history import router as history_router
from tierdesk.tickets.assign_api import router as assign_router
from tierdesk.tickets.bulk_api import router as bulk_router
from tierdesk.timelog.api import router as time_router
from tierdesk.triage.api import router as triage_router


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        # Failed tokens are counted per client address; past the limit: 429 + Retry-After.
        record = token_lookup(token, address=client_address(request))
        if record is None:
            return None
        # The one scope check of every operation: 403 insufficient_scope.
        token_permit(record, method=request.method or "GET", path=request.path)
        request.api_token = record  # type: ignore[attr-defined]
        return record.user


TAGS = [
    {"name": "me", "description": "Who a token acts as."},
    {
        "name": "tickets",
        "description": "Tickets, and every move of the workflow as its own "
        "operation (`POST /tickets/{id}/actions/<action>`).",
    },
    {"name": "messages", "description": "A ticket's conversation and internal notes."},
    {"name": "attachments", "description": "Logs, screenshots and other files of a ticket."},
    {"name": "events", "description": "A ticket's audit trail (staff only)."},
    {
        "name": "history",
        "description": "What happened to a ticket at L2 and L3: handover "
        "attempts, reproduction records, fixes and their verification (staff only).",
    },
    {"name": "directory", "description": "Contracts, workspaces and flows."},
    {"name": "webhooks", "description": "Signed event deliveries to your systems."},
    {
        "name": "automation",
        "description": "Automation rules (conditions, actions, built-in rules) and their dry "
        "run: the vendor's admins, and partner admins for their own partner.",
    },
    {"name": "time", "description": "Minutes staff spent on a ticket, by level and person."},
    {"name": "notifications", "description": "Support staff's in-app notifications."},
    {
        "name": "saved views",
        "description": "Queues saved with their filters and order, personal or shared with "
        "the team, each with the number of its tickets the caller may see.",
    },
    {
        "name": "macros",
        "description": "Reply templates with placeholders (yours and your organisation's), "
        "applied to a ticket through its actions.",
    },
    {
        "name": "logs",
        "description": "Lines of a ticket's uploaded logs around when it happened, as the "
        "caller may read them.",
    },
    {
        "name": "search",
        "description": "Full-text search over what the caller may see, and similar tickets.",
    },
    {
        "name": "reports",
        "description": "Per-level figures over a period: handovers, bounces, resolutions, "
        "escalations, time in each level, SLA compliance (leads, L2, partner admins).",
    },
    {"name": "kb", "description": "Knowledge-base articles, as the caller may read them."},
    {
        "name": "triage",
        "description": "Obvious causes (connectivity, DNS, TLS, credentials, expired tokens, "
        "rate limits, quotas) recognised in a text or log, with the article that solves them.",
    },
    {"name": "chats", "description": "Live chats at L1: the chats you may see and their measures."},
    {
        "name": "problems",
        "description": "The engineering issue behind tickets of any partners: its fix, "
        "verification, workaround and tracker. Partners and customers read its public parts.",
    },
    {
        "name": "ticket links",
        "description": "A ticket's problem, its links (relates to, duplicates) and the merge.",
    },
    {"name": "hooks", "description": "Inbound webhooks of engineering trackers (Jira, GitHub)."},
    {
        "name": "support access",
        "description": "Support access a customer granted to a workspace on the platform, "
        "recorded on their ticket (the grants are the ticket detail's `support_access`).",
    },
    {
        "name": "tokens",
        "description": "API tokens: scoped (read, write, admin), optionally expiring and "
        "bound to networks; the secret is shown once.",
    },
    {
        "name": "people",
        "description": "The people an admin or partner admin administers: invite, change, "
        "deactivate.",
    },
]


class TierdeskAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any):
        schema = super().get_openapi_schema(*args, **kwargs)
        _declare_throttling(schema)
        finish_document(schema)
        return schema


def _declare_throttling(schema: dict) -> None:
    """Every authenticated operation may also answer 429: too many failed tokens from the
    client's address (accounts/throttle.py), with Retry-After in seconds."""
    throttled = {
        "description": "Too many failed tokens from this address; retry after the "
        "number of seconds in Retry-After.",
        "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
    }
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            responses = operation.get("responses") if isinstance(operation, dict) else None
            if responses is not None and (401 in responses or "401" in responses):
                responses.setdefault(429, throttled)


api = TierdeskAPI(
    title="Tierdesk API",
    version="1",
    description=(
        "The partners' integration surface: hand tickets over from your own helpdesk, "
        "follow them through L2 and L3. Authenticate with `Authorization: Bearer <token>` "
        "(`tierdesk token create EMAIL`). The integrator's guide, the versioning policy "
        "and the changelog are in `docs/api.md`."
    ),
    urls_namespace="api",
    auth=[BearerToken(), SessionAuth()],
    servers=[{"url": "/", "description": "This Tierdesk (paths start with /api/v1)"}],
    openapi_extra={"tags": TAGS},
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError):
    response = api.create_response(request, exc.as_dict(), status=exc.status)
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _field_name(loc: list) -> str:
    parts = [str(p) for p in loc if p not in ("body", "payload", "query", "path", "form", "file")]
    return ".".join(parts) or "body"


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError):
    fields: dict[str, str] = {}
    for error in exc.errors:
        name = _field_name(list(error.get("loc", [])))
        message = error.get("msg", "is invalid")
        if error.get("type") == "extra_forbidden":
            message = "is not a field of this resource"
        elif error.get("type") == "timezone_aware":
            message = "needs a time zone offset (RFC 3339, e.g. 2026-11-27T14:05:00+01:00)"
        fields.setdefault(name, message)
    body = {"code": "invalid", "message": "Some fields are invalid.", "fields": fields}
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError):
    body = {"code": "unauthenticated", "message": "Send a valid token: Authorization: Bearer …"}
    return api.create_response(request, body, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError):
    code = {400: "malformed", 401: "unauthenticated", 403: "forbidden", 404: "not_found"}.get(
        exc.status_code, "error"
    )
    message = str(exc)
    if exc.status_code == 400:
        message = "The request body is not valid JSON."
    return api.create_response(request, {"code": code, "message": message}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig):
    body = {"code": "too_large", "message": "The request body is too large."}
    return api.create_response(request, body, status=413)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"code": "not_found", "message": "Not found."}, status=404)


api.add_router("/", accounts_router)
api.add_router("/", assign_router)  # before /actions/{action}: assignment is not a move
api.add_router("/", bulk_router)
# The per-action routes come before the tickets router's paths they share a prefix with.
api.add_router("/", actions_router)
api.add_router("/", tickets_router)
api.add_router("/", conversation_router)
api.add_router("/", history_router)
api.add_router("/", directory_router)
api.add_router("/", notify_router)
api.add_router("/", kb_router)
api.add_router("/", triage_router)
api.add_router("/", time_router)
api.add_router("/", notifications_router)
api.add_router("/", saved_views_router)
api.add_router("/", macros_router)
api.add_router("/", logs_router)
api.add_router("/", search_router)
api.add_router("/", reports_router)
api.add_router("/", chat_router)
api.add_router("/", problems_router)
api.add_router("/", ticket_links_router)
api.add_router("/", hooks_router)
api.add_router("/", identity_router)
api.add_router("/", people_router)
api.add_router("/", grants_router)
api.add_router("/", automation_router)
# Mount every router above this line: the POSTs of the routers mounted so far get their
# Idempotency-Key below (tests/test_api_idempotency.py checks that none is left out).


# ---------------------------------------------------------------------------------------
# Idempotency-Key on every POST
# ---------------------------------------------------------------------------------------
def _operation_of(run: Any) -> Any:
    while not hasattr(run, "__self__"):
        run = run.__wrapped__
    return run.__self__


def idempotent(run: Any) -> Any:
    """Wrap an operation's `run`: authenticate first (once), then run it at most once per
    `Idempotency-Key` (`core/idempotency.py`). Applied to every POST below."""
    operation = _operation_of(run)
    checks = operation._run_checks

    def checks_once(request: HttpRequest):
        return None if getattr(request, "_tierdesk_checked", False) else checks(request)

    operation._run_checks = checks_once

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any):
        refused = checks(request)
        if refused:
            return refused
        request._tierdesk_checked = True  # type: ignore[attr-defined]
        try:
            return idempotency.run_once(request, lambda: run(request, *args, **kwargs))
        except idempotency.KeyProblem as problem:
            body = {
                "code": problem.code,
                "message": problem.message,
                "fields": {idempotency.HEADER: problem.reason},
            }
            return api.create_response(request, body, status=422)

    return wrapper


def _post_operations():
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                if "POST" in operation.methods:
                    yield operation


for _operation in _post_operations():
    _apply_decorators((idempotent,), _operation)


# ---------------------------------------------------------------------------------------
# The document
# ---------------------------------------------------------------------------------------
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "description": "Any unique string (a UUID): a retry with the same key and body gets the "
    "first answer again and writes nothing; the same key with another body is refused "
    "with 422 `idempotency_key_reused`. Remembered for 24 hours.",
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH},
}
REPLAYED = header("`true` when this answer is the replay of an earlier request's.")
INVALID_KEY = {
    "description": "The Idempotency-Key is malformed, or was used with another body.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/InvalidOut"}}},
}


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[-1])
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def _prune_components(schema: dict[str, Any]) -> None:
    """Drop component schemas no operation reaches (ninja adds every model's $defs)."""
    components = schema.get("components", {}).get("schemas", {})
    used: set[str] = set()
    _refs(schema.get("paths", {}), used)
    pending = list(used)
    while pending:
        name = pending.pop()
        found: set[str] = set()
        _refs(components.get(name, {}), found)
        pending.extend(found - used)
        used |= found
    for name in list(components):
        if name not in used:
            del components[name]


def _named_enums(node: Any, enums: dict[str, Any]) -> Any:
    """An enum ninja inlined (multipart forms, parameters) as a `$ref` to its component."""
    if isinstance(node, dict):
        title = node.get("title")
        if "enum" in node and title in enums and node["enum"] == enums[title]["enum"]:
            return {"$ref": f"#/components/schemas/{title}"}
        return {key: _named_enums(value, enums) for key, value in node.items()}
    if isinstance(node, list):
        return [_named_enums(value, enums) for value in node]
    return node


def finish_document(schema: dict[str, Any]) -> None:
    """Every POST takes an `Idempotency-Key` and says when its answer is a replay; no
    component is left that nothing uses."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, component in COMPONENTS.items():
        components.setdefault(name, component)
    enums = {name: c for name, c in components.items() if "enum" in c}
    schema["paths"] = _named_enums(schema.get("paths", {}), enums)
    for operations in schema.get("paths", {}).values():
        post = operations.get("post")
        if post is None:
            continue
        parameters = post.setdefault("parameters", [])
        if not any(p.get("name") == idempotency.HEADER for p in parameters):
            parameters.append(IDEMPOTENCY_KEY)
        # A malformed or reused Idempotency-Key is answered 422 naming the header.
        responses = post.setdefault("responses", {})
        if 422 not in responses and "422" not in responses:
            responses[422] = INVALID_KEY
        for status, answer in post.get("responses", {}).items():
            if str(status).startswith("2"):
                answer.setdefault("headers", {})[idempotency.REPLAYED] = REPLAYED
    _prune_components(schema)
