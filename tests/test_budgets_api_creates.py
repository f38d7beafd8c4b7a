"""Every create operation of the API costs the same statements whether few or many rows of
its kind exist already (2 or 12), within a fixed budget. The table is the inventory
docs/performance.md ("Query budgets") shows; tests/test_budgets_inventory.py fails when a
create operation (a POST answering 201) is missing from it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests import budget_data as d
from tests.budget_support import API, FEW, MANY, Ctx, api_client, check_flat, counted, send_json
from tests.factories import PLAIN_LOG, complete_fields, new_ticket


@dataclass
class Create:
    role: str
    path: str | Callable[[Ctx], str]
    body: Callable[[Ctx, int], Any]  # made before the count starts
    grow: Callable[[Ctx, int], None]  # more rows of the kind the create adds to
    budget: int
    prepare: Callable[[Ctx], None] | None = None
    many: int = MANY  # fewer where the product caps the rows (20 webhooks an organisation)
    multipart: bool = False


def ticket_body(ctx: Ctx, i: int) -> dict:
    fields = complete_fields(title=f"Created {i}")
    body = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}
    body["l1_checks"] = {
        "connectivity": body.pop("check_connectivity"),
        "credentials": body.pop("check_credentials"),
    }
    return {**body, "customer": "acme_customer@example.test"}


def upload(ctx: Ctx, i: int) -> dict:
    return {"file": SimpleUploadedFile(f"up-{i}.log", PLAIN_LOG), "kind": "log"}


def reproduction(ctx: Ctx, i: int) -> dict:
    return {"reproduced": True, "steps": f"Ran it {i}", "environment": "staging",
            "observed": "401", "analysis": "token", "evidence_attachment_ids": []}


def escalation(ctx: Ctx, i: int) -> dict:
    ticket = d.ticket_at(ctx.world, "in_progress@L2")
    d.record_reproduction(ctx.world, ticket.pk)
    return {"ticket_id": ticket.pk, "title": f"Escalated {i}", "public_summary": "Fixing."}


def other_ticket(ctx: Ctx, i: int) -> dict:
    return {"kind": "relates", "other_id": new_ticket(ctx.world, title=f"Other {i}").pk}


def grant(ctx: Ctx, i: int) -> dict:
    ctx.ids["ticket"] = new_ticket(ctx.world)
    until = (timezone.now() + timedelta(days=3)).isoformat()
    return {"until": until, "workspace_id": d.ACME_WORKSPACE}


def _problem(ctx: Ctx) -> str:
    if "problem" not in ctx.ids:
        d.grow_problem_links(ctx, 0)
    return f"/problems/{ctx.ids['problem'].pk}/tickets"


RULE = {"conditions": [{"field": "incident", "op": "eq", "value": True}],
        "steps": [{"type": "set_priority", "priority": "urgent"}]}

# operation id -> how it is measured
API_CREATES: dict[str, Create] = {
    "ticket_create": Create("acme_l1", "/tickets", ticket_body, d.grow_tickets, 79),
    "message_create": Create("acme_l1", d.ticket_url("/messages"),
                             lambda c, i: {"body": f"Reply {i}"}, d.grow_messages, 53,
                             prepare=d.one_ticket()),
    "attachment_upload": Create("acme_l1", d.ticket_url("/attachments"), upload,
                                d.grow_attachments, 30, prepare=d.one_ticket(),
                                multipart=True),
    "reproduction_create": Create("l2", d.ticket_url("/reproduction"), reproduction,
                                  d.grow_reproductions, 28,
                                  prepare=d.one_ticket("in_progress@L2")),
    "webhook_create": Create("acme_admin", "/webhooks",
                             lambda c, i: {"url": f"https://93.184.215.14/new/{i}"},
                             d.grow_webhooks, 10, many=17),
    "kb_article_create": Create("l2", "/kb/articles",
                                lambda c, i: {"title": f"New article {i}", "body": "Steps.",
                                              "status": "published"},
                                d.grow_articles, 12),
    "time_entry_create": Create("acme_l1", d.ticket_url("/time"),
                                lambda c, i: {"kind": "reply", "minutes": 5}, d.grow_time, 10,
                                prepare=d.one_ticket()),
    "saved_view_create": Create("l2", "/saved-views",
                                lambda c, i: {"name": f"New view {i}", "queue": "all",
                                              "filters": {}}, d.grow_saved_views, 14),
    "macro_create": Create("l2", "/macros",
                           lambda c, i: {"name": f"New macro {i}", "body": "Thanks",
                                         "scope": "organisation"}, d.grow_macros, 9),
    "problem_create": Create("l2", "/problems",
                             lambda c, i: {"title": f"New problem {i}",
                                           "public_summary": "Fixing."}, d.grow_problems, 16),
    "problem_escalate": Create("l2", "/problems/escalations", escalation, d.grow_problems, 107),
    "problem_link_ticket": Create("l2", _problem,
                                  lambda c, i: {"ticket_id": new_ticket(c.world).pk},
                                  d.grow_problem_links, 21),
    "ticket_link_create": Create("acme_l1", d.ticket_url("/links"), other_ticket, d.grow_links,
                                 19, prepare=d.one_ticket()),
    "token_create": Create("acme_admin", "/tokens",
                           lambda c, i: {"name": f"new {i}", "scopes": ["read"]},
                           d.grow_tokens, 25),
    "person_invite": Create("acme_admin", "/people/invitations",
                            lambda c, i: {"email": f"invited{i}@acme.example",
                                          "full_name": f"Invited {i}", "role": "customer"},
                            d.grow_people, 21),
    "support_access_grant": Create("acme_customer", d.ticket_url("/support-access"), grant,
                                   d.grow_tickets, 30),
    "rule_create": Create("admin", "/automation/rules",
                          lambda c, i: {**RULE, "name": f"New rule {i}"}, d.grow_rules, 9),
}


@pytest.mark.parametrize("operation", sorted(API_CREATES))
def test_a_create_costs_the_same_with_few_or_many_rows(world, operation):
    case = API_CREATES[operation]
    ctx = Ctx(world)
    client = api_client(world, case.role)
    if case.prepare:
        case.prepare(ctx)
    case.grow(ctx, FEW)

    def create(i: int) -> list[str]:
        body = case.body(ctx, i)
        path = API + (case.path(ctx) if callable(case.path) else case.path)
        if case.multipart:
            response, statements = counted(lambda: client.post(path, body))
        else:
            response, statements = counted(lambda: send_json(client, "post", path, body))
        assert response.status_code == 201, (path, response.status_code, response.content[:400])
        return statements

    create(0)  # per-process caches (calendars, policies) warm on the first request
    few = create(1)
    case.grow(ctx, case.many - FEW)
    many = create(2)
    check_flat(f"C:{operation}", few, many, case.budget)
