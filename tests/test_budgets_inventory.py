"""The query-budget inventory is complete: every route of the URL conf and every operation
of the OpenAPI document is either measured (a list or a create, in the tables of
tests/test_budgets_*.py or a named test elsewhere) or named here as what it is (a detail
page, an action, a sign-in step…). A new list page or list operation without an entry
fails here, and so does an entry the budget table of docs/performance.md lacks."""

from __future__ import annotations

import re
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

from tests.test_budgets_api_creates import API_CREATES
from tests.test_budgets_api_lists import API_LISTS, API_LISTS_ELSEWHERE
from tests.test_budgets_web_creates import WEB_CREATES, WEB_CREATES_ELSEWHERE
from tests.test_budgets_web_lists import WEB_LISTS, WEB_LISTS_ELSEWHERE
from tierdesk.api import api

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"

# Routes that are no list and create nothing: what each is
WEB_OTHER = {
    "detail page (one record)": [
        "connector-detail", "portal:kb-article", "kb-article", "kb-article-short", "kb-edit",
        "saved-view", "macro-edit", "automation-update", "identity:person", "ticket-edit",
        "log-view", "identity:brand", "identity:sso", "profile", "time-settings",
        "notification-preferences", "portal:updates", "identity:second-factor",
    ],
    "action on a record (a POST that changes it)": [
        "connector-health", "connector-rotate", "portal:reopen", "portal:close",
        "satisfaction:reopen", "triage-probe", "triage-send-article", "triage-resolve",
        "rota-availability", "rota-rule", "notification-read", "notifications-read-all",
        "ticket-follow", "presence-beat", "macro-delete", "macro-signature", "macro-apply",
        "automation-delete", "automation-dry-run", "chat:presence", "chat:accept", "chat:end",
        "chat:send-article",
        "chat:draft", "chat:invite", "grants:revoke", "identity:token-revoke",
        "identity:webhook-redeliver", "tickets-bulk", "ticket-action", "ticket-assign",
        "problem-action", "ticket-merge", "kb-category", "kb-category-delete",
        "session-end", "sessions-end-others", "portal:session-end", "portal:sessions-end-others",
    ],
    "form helper (htmx partial of one form)": [
        "triage-live", "portal:suggestions", "ticket-new-checklist", "platform-ids",
        "ticket-checklist", "ticket-reproduction-check", "password-strength",
    ],
    "file download": [
        "portal:file", "chat:file", "chat:widget-file", "attachment", "attachment-image",
        "identity:export", "identity:export-own", "chat:widget-brand",
    ],
    "sign-in, session and account steps": [
        "login", "logout", "second-factor-verify", "sso-login", "sso-callback", "sso-org-login",
        "sso-org-start", "invitation-accept", "sender-verify", "password_reset",
        "password_reset_done", "password_reset_confirm", "password_reset_complete",
        "password_change", "chat:widget", "chat:widget-session",
    ],
    "operations probe (no list; fixed queries)": ["healthz", "readyz", "metrics"],
    "the API's own pages": ["api:api-root", "api:openapi-json", "api:openapi-view"],
}

# GET operations that answer one record or a fixed-size aggregate, not a list
API_SINGLE = {
    "me_get", "ticket_get", "ticket_handover_check", "attachment_download", "webhook_get",
    "kb_article_get", "saved_view_get", "macro_preview", "problem_get", "ticket_problem_get",
    "token_get", "person_get", "person_export", "rule_get", "chat_measures_get",
}


def _routes(patterns, namespace: str = "", prefix: str = ""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace + (f"{p.namespace}:" if p.namespace else "")
            yield from _routes(p.url_patterns, ns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield f"{namespace}{p.name}", prefix + str(p.pattern)


def web_route_names() -> set[str]:
    """Every named route outside Django's admin and the API's operations."""
    names = set()
    for name, route in _routes(get_resolver().url_patterns):
        if route.startswith("admin/") or (name.startswith("api:") and name not in API_PAGES):
            continue
        names.add(name)
    return names


API_PAGES = {"api:api-root", "api:openapi-json", "api:openapi-view"}


def operations() -> list[tuple[str, str, dict]]:
    schema = api.get_openapi_schema()
    return [
        (method, path, op)
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]


def _lists_rows(op: dict, components: dict) -> bool:
    """Whether an operation's 200 answer is a list (an array, or a page with `items`)."""
    content = op["responses"].get(200, {}).get("content", {}).get("application/json", {})
    schema = content.get("schema", {})
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[-1]]
    return schema.get("type") == "array" or "items" in schema.get("properties", {})


def test_every_route_is_in_the_inventory():
    other = {name for names in WEB_OTHER.values() for name in names}
    known = set(WEB_LISTS) | set(WEB_LISTS_ELSEWHERE) | set(WEB_CREATES)
    known |= set(WEB_CREATES_ELSEWHERE) | other
    routes = web_route_names()
    missing = sorted(routes - known)
    assert not missing, f"routes without a query budget or a kind in the inventory: {missing}"
    assert not sorted(known - routes), "inventory entries for routes that are gone"
    lists = set(WEB_LISTS) | set(WEB_LISTS_ELSEWHERE)
    assert not lists & other, "a route is both measured as a list and named no list"


def test_every_list_and_create_operation_is_in_the_inventory():
    components = api.get_openapi_schema()["components"]["schemas"]
    lists = set(API_LISTS) | set(API_LISTS_ELSEWHERE)
    missing_lists, missing_creates, misnamed = [], [], []
    for method, path, op in operations():
        name = op["operationId"]
        if method == "get":
            if name not in lists | API_SINGLE:
                missing_lists.append(f"GET {path} ({name})")
            elif name in API_SINGLE and _lists_rows(op, components):
                misnamed.append(name)
        elif method == "post" and 201 in op["responses"] and name not in API_CREATES:
            missing_creates.append(f"POST {path} ({name})")
    assert not missing_lists, f"GET operations missing from the inventory: {missing_lists}"
    assert not missing_creates, f"create operations without a budget: {missing_creates}"
    assert not misnamed, f"operations answering a list but named single: {misnamed}"
    ids = {op["operationId"] for _, _, op in operations()}
    assert not (lists | set(API_CREATES) | API_SINGLE) - ids, "entries for gone operations"


def test_the_documented_budget_table_names_every_measured_surface():
    text = DOC.read_text()
    section = text.split("## Query budgets", 1)[1]
    named = set(re.findall(r"`([a-z_:\-]+)`", section))
    measured = (
        set(WEB_LISTS) | set(WEB_LISTS_ELSEWHERE) | set(WEB_CREATES) | set(WEB_CREATES_ELSEWHERE)
        | set(API_LISTS) | set(API_LISTS_ELSEWHERE) | set(API_CREATES)
    )
    assert not sorted(measured - named), "docs/performance.md lacks these budget rows"
