"""Schemathesis over the whole OpenAPI document: no server error, no undocumented status
code, no response that breaks its schema (or its documented content type).

How it runs, and why:
- The pytest plugin is off (`-p no:schemathesis` in addopts), so this uses schemathesis's
  Python API: the document is loaded from the app itself (`/api/v1/openapi.json` through the
  WSGI app, so endpoints another router adds are covered as soon as they are mounted); each
  operation gets its coverage-phase cases (boundaries, wrong types, missing fields,
  undeclared methods and content types) and then `MAX_EXAMPLES` hypothesis-generated cases,
  positive and negative, each sent with `case.call_and_validate(checks=CHECKS)`.
- In-process: the WSGI app runs in the test's thread on the test's connection, inside the
  test transaction (Django's close_old_connections is unhooked for the run, as Django's
  test client does), so nothing is committed and it works alike on SQLite and PostgreSQL.
- Real people and real rows: one world and tickets in several states are built once for the
  module (rolled back after it); each test runs in a savepoint on top. Requests carry a
  bearer token of a real person, mostly the vendor's L2 agent (who sees everything), also a
  partner's L1 agent and admin, the vendor admin, an L3 engineer, a customer and nobody.
  Path IDs point at real rows in about half of the generated cases, and a few hand-written
  requests per operation walk the successful paths the generator rarely reaches.
- Deterministic and bounded: derandomized, no example database, a fixed number of
  examples per operation. Every distinct failure is collected and the test fails with all
  of them and a curl line for each.

TIERDESK_SCHEMA_EXAMPLES=<n> raises the examples per operation for a longer local run.
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import (
    ACME_CONTRACT,
    ACME_WORKSPACE,
    GLOBEX_CONTRACT,
    PLAIN_LOG,
    VENDOR_WORKSPACE,
    World,
    build_world,
    complete_fields,
    ticket_at,
)
from tierdesk.accounts.services import token_create
from tierdesk.tickets.models import Attachment, Ticket
from tierdesk.wsgi import application

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
]
MAX_EXAMPLES = int(os.environ.get("TIERDESK_SCHEMA_EXAMPLES", "15"))
# Who sends a request; the L2 agent three times as often as the others. None: no token.
PERSONAS: list[str | None] = [
    "l2",
    "l2",
    "l2",
    "acme_l1",
    "acme_admin",
    "admin",
    "l3",
    "acme_customer",
    None,
]
STATES = ("new@L1", "in_progress@L1", "in_progress@L2", "new@L3", "verifying@L2", "closed")

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
STATS: dict[str, Counter] = {}


class Data:
    """The module's world: people with tokens, tickets by state, real IDs by path parameter."""

    def __init__(self, world: World):
        self.world = world
        self.tickets = {where: ticket_at(world, where) for where in STATES}
        self.tokens = {p: token_create(email=world.user(p).email)[1] for p in set(PERSONAS) if p}
        self.ids: dict[str, list[Any]] = {
            "ticket_id": [t.pk for t in self.tickets.values()],
            "attachment_id": list(Attachment.objects.order_by("pk").values_list("pk", flat=True)),
            "contract_id": [ACME_CONTRACT, GLOBEX_CONTRACT],
            "workspace_id": [ACME_WORKSPACE, VENDOR_WORKSPACE],
        }

    def ticket(self, where: str) -> Ticket:
        ticket = self.tickets[where]
        ticket.refresh_from_db()
        return ticket


@pytest.fixture(scope="module")
def attachments_storage(tmp_path_factory) -> dict[str, Any]:
    """Where the module's attachments live: the world's files must still be there in each
    test (conftest gives every test a folder of its own)."""
    location = tmp_path_factory.mktemp("schema-attachments")
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(location), "base_url": None},
    }


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker, attachments_storage):
    """Built once; every test runs in a savepoint inside this transaction."""
    storages = {**django_settings.STORAGES, "attachments": attachments_storage}
    with django_db_blocker.unblock(), override_settings(STORAGES=storages):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            yield Data(build_world())
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            _print_totals()


@pytest.fixture
def in_process_app(db, settings, attachments_storage):
    """The WSGI app on the test's own connection: Django closes a connection it finds inside
    a transaction when a request starts or ends, which would end the test transaction."""
    settings.STORAGES = {**settings.STORAGES, "attachments": attachments_storage}
    # The fuzzer sends hundreds of bad tokens from one address; the token rate limit
    # (429, documented on every operation) would otherwise answer all that follow.
    settings.TIERDESK_TOKEN_FAILURE_LIMIT = 1_000_000
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    # 4xx are expected here by the hundred; a 5xx still logs its traceback.
    quiet = [logging.getLogger(name) for name in ("django.request", "django.security.csrf")]
    levels = [logger.level for logger in quiet]
    for logger in quiet:
        logger.setLevel(logging.ERROR)
    try:
        yield application
    finally:
        for logger, level in zip(quiet, levels, strict=True):
            logger.setLevel(level)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def api_ticket_body(**overrides: Any) -> dict[str, Any]:
    fields = complete_fields(**overrides)
    body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}
    body["l1_checks"] = {
        "connectivity": body.pop("check_connectivity"),
        "credentials": body.pop("check_credentials"),
    }
    body["customer"] = "acme_customer@example.test"
    return body


def _ticket_path(d: Data, where: str) -> dict[str, Any]:
    return {"ticket_id": d.tickets[where].pk}


# Requests that must succeed, by operation: (persona, status, Case arguments). They take the
# paths that need state the generator cannot guess (current versions, matching actions).
KNOWN_GOOD: dict[str, Callable[[Data], list[tuple[str, int, dict[str, Any]]]]] = {
    "POST /api/v1/tickets": lambda d: [
        ("acme_l1", 201, {"body": api_ticket_body()}),
        ("acme_l1", 201, {"body": {**api_ticket_body(), "hand_over": True}}),
    ],
    "PATCH /api/v1/tickets/{ticket_id}": lambda d: [
        (
            "acme_l1",
            200,
            {
                "path_parameters": _ticket_path(d, "in_progress@L1"),
                "body": {"title": "Orders stuck", "version": d.ticket("in_progress@L1").version},
            },
        ),
    ],
    "POST /api/v1/tickets/{ticket_id}/actions/take": lambda d: [
        ("acme_l1", 200, {"path_parameters": _ticket_path(d, "new@L1"), "body": {}}),
        ("l3", 200, {"path_parameters": _ticket_path(d, "new@L3"), "body": {}}),
    ],
    "POST /api/v1/tickets/{ticket_id}/actions/hand_over": lambda d: [
        ("acme_l1", 200, {"path_parameters": _ticket_path(d, "in_progress@L1"), "body": {}}),
    ],
    "POST /api/v1/tickets/{ticket_id}/actions/ask_customer": lambda d: [
        (
            "l2",
            200,
            {
                "path_parameters": _ticket_path(d, "in_progress@L2"),
                "body": {"message": "Which order number?"},
            },
        ),
    ],
    "POST /api/v1/tickets/{ticket_id}/actions/verify_fix": lambda d: [
        (
            "l2",
            200,
            {
                "path_parameters": _ticket_path(d, "verifying@L2"),
                "body": {"passed": True, "notes": "Orders flow again."},
            },
        ),
    ],
    "POST /api/v1/tickets/{ticket_id}/messages": lambda d: [
        (
            "l2",
            201,
            {"path_parameters": _ticket_path(d, "in_progress@L2"), "body": {"body": "On it."}},
        ),
    ],
    "POST /api/v1/tickets/{ticket_id}/attachments": lambda d: [
        (
            "l2",
            201,
            {
                "path_parameters": _ticket_path(d, "in_progress@L2"),
                "body": {"file": PLAIN_LOG, "kind": "log"},
                "media_type": "multipart/form-data",
            },
        ),
    ],
    "POST /api/v1/tickets/{ticket_id}/reproduction": lambda d: [
        (
            "l2",
            201,
            {
                "path_parameters": _ticket_path(d, "in_progress@L2"),
                "body": {
                    "reproduced": True,
                    "steps": "Ran the flow with order 4711.",
                    "environment": "staging copy",
                    "observed": "401 after the token refresh",
                    "analysis": "The refresh token is not persisted.",
                },
            },
        ),
    ],
    "POST /api/v1/directory/import": lambda d: [
        (
            "admin",
            200,
            {
                "body": {
                    "partner": "Acme",
                    "contracts": [
                        {
                            "id": "a" * 24,
                            "name": "Acme staging",
                            "plan": "basic",
                            "workspaces": [
                                {"id": "b" * 24, "name": "QA", "flows": [{"id": "c" * 24}]}
                            ],
                        }
                    ],
                },
                "media_type": "application/json",
            },
        ),
    ],
}


def test_the_hand_written_requests_name_operations_of_the_document():
    assert set(KNOWN_GOOD) <= {op.label for op in OPERATIONS}


def _point_at_real_rows(case, d: Data, pick: int) -> None:
    """Swap generated path IDs for real ones, unless the case varies that parameter on
    purpose (coverage phase) or generated a value of another type (negative cases)."""
    varied = getattr(getattr(case.meta, "phase", None), "data", None)
    varied = getattr(varied, "parameter", None)
    for name, value in list((case.path_parameters or {}).items()):
        choices = d.ids.get(name) or []
        if name == varied or pick >= len(choices):
            continue
        if isinstance(value, type(choices[pick])) and not isinstance(value, bool):
            case.path_parameters[name] = choices[pick]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_operation_conforms(data, in_process_app, operation):
    counts: Counter = STATS.setdefault(operation.label, Counter())
    failures: dict[tuple, str] = {}

    def send(case, persona: str | None, expect: int | None = None) -> None:
        if persona:
            case.headers = {
                **(case.headers or {}),
                "Authorization": f"Bearer {data.tokens[persona]}",
            }
        counts["cases"] += 1
        try:
            response = case.call_and_validate(checks=CHECKS)
        except FailureGroup as group:
            for failure in group.exceptions:
                key = (type(failure).__name__, getattr(failure, "status_code", None))
                failures.setdefault(key, str(group))
            return
        counts[response.status_code] += 1
        if expect is not None and response.status_code != expect:
            failures[("known_good", case.path, response.status_code)] = (
                f"{case.method} {case.formatted_path} as {persona}: expected {expect}, "
                f"got {response.status_code}: {response.text[:500]}"
            )

    started = time.perf_counter()
    for persona, status, arguments in KNOWN_GOOD.get(operation.label, lambda d: [])(data):
        send(operation.Case(**arguments), persona, expect=status)

    coverage = SCHEMA.iter_coverage_cases(
        operation,
        generation_modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        generation_config=SCHEMA.config.generation_for(operation=operation, phase="coverage"),
    )
    for i, case in enumerate(coverage):
        _point_at_real_rows(case, data, i % 8)
        send(case, PERSONAS[i % len(PERSONAS)])

    @given(
        case=st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        ),
        pick=st.integers(0, 7),
        persona=st.sampled_from(PERSONAS),
    )
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case, pick, persona):
        _point_at_real_rows(case, data, pick)
        send(case, persona)

    fuzz()
    counts["seconds"] += round(time.perf_counter() - started, 2)
    print(operation.label, dict(counts))
    assert counts["cases"] > MAX_EXAMPLES // 2, "schemathesis generated almost nothing"
    assert not failures, f"{len(failures)} distinct failures:\n\n" + "\n\n".join(failures.values())


def _print_totals() -> None:
    if not STATS:
        return
    cases = sum(c["cases"] for c in STATS.values())
    seconds = sum(c["seconds"] for c in STATS.values())
    statuses = Counter()
    for c in STATS.values():
        statuses.update({k: v for k, v in c.items() if isinstance(k, int)})
    print(
        f"\nschemathesis: {len(STATS)} operations, {cases} requests in {seconds:.1f}s, "
        f"statuses {dict(sorted(statuses.items()))}"
    )
