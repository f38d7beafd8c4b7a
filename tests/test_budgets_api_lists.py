"""Every list operation of the API costs the same statements for 2 rows as for 12 (and for
a page of 10 as of 50 where it takes `limit`), within a fixed budget: no statement per
row. The table below is the inventory docs/performance.md ("Query budgets") shows;
tests/test_budgets_inventory.py fails when a list operation is missing from it."""

from __future__ import annotations

import pytest

from tests import budget_data as d
from tests.budget_support import Ctx, Surface, api_client, json_rows, measure_list


def _rows(response) -> int:
    return json_rows(response.json())


def S(role, url, grow, budget, **kw) -> Surface:   # a table row
    return Surface(role=role, url=url, grow=grow, budget=budget, rows=_rows, **kw)


def _hook_url(ctx: Ctx) -> str:
    return f"/webhooks/{ctx.ids['hook'].pk}/deliveries"


# operation id -> how it is measured (the budget is what it takes today, with a little room)
API_LISTS: dict[str, Surface] = {
    "ticket_list": S("acme_l1", "/tickets", d.grow_tickets, 6, paged=True),
    "message_list": S("acme_l1", d.ticket_url("/messages"), d.grow_messages, 7,
                      prepare=d.one_ticket()),
    "attachment_list": S("acme_l1", d.ticket_url("/attachments"), d.grow_attachments, 7,
                         prepare=d.one_ticket()),
    "event_list": S("acme_l1", d.ticket_url("/events"), d.grow_messages, 7,
                    prepare=d.one_ticket()),
    "handover_list": S("acme_l1", d.ticket_url("/handovers"), d.grow_handovers, 7,
                       prepare=d.one_ticket()),
    "reproduction_list": S("l2", d.ticket_url("/reproductions"), d.grow_reproductions, 8,
                           prepare=d.one_ticket("in_progress@L2")),
    "fix_list": S("l2", d.ticket_url("/fixes"), d.grow_fixes, 7,
                  prepare=d.one_ticket("verifying@L2")),
    "contract_list": S("acme_l1", "/contracts", d.grow_contracts, 6),
    "workspace_list": S("acme_l1", f"/contracts/{d.ACME_CONTRACT}/workspaces",
                        d.grow_workspaces, 7),
    "flow_list": S("acme_l1", f"/workspaces/{d.ACME_WORKSPACE}/flows", d.grow_flows, 7),
    "webhook_list": S("acme_admin", "/webhooks", d.grow_webhooks, 6, many=20),
    "delivery_list": S("acme_admin", _hook_url, d.grow_deliveries, 7, paged=True),
    "kb_article_list": S("acme_l1", "/kb/articles", d.grow_articles, 6),
    "notification_list": S("l2", "/notifications", d.grow_notifications, 6, paged=True),
    "saved_view_list": S("l2", "/saved-views", d.grow_saved_views, 7),
    "macro_list": S("l2", "/macros", d.grow_macros, 6),
    "ticket_log_lines": S("acme_l1", d.ticket_url("/log-lines"), d.grow_parsed_logs, 9,
                          prepare=d.one_ticket()),
    "search_query": S("acme_l1", "/search?q=orders", d.grow_tickets, 9, paged=True),
    "ticket_similar": S("acme_l1", d.ticket_url("/similar"), d.grow_tickets, 14,
                        prepare=d.one_ticket()),
    "chat_list": S("acme_l1", "/chats", d.grow_chats, 6),
    "problem_list": S("l2", "/problems", d.grow_problems, 6),
    "tracker_list": S("admin", "/trackers", d.grow_trackers, 6),
    "ticket_link_list": S("acme_l1", d.ticket_url("/links"), d.grow_links, 7,
                          prepare=d.one_ticket()),
    "token_list": S("acme_admin", "/tokens", d.grow_tokens, 6),
    "person_list": S("acme_admin", "/people", d.grow_people, 7),
    "rule_list": S("admin", "/automation/rules", d.grow_rules, 6),
}

# Lists measured elsewhere: the reports build a fixed one or two statements whatever the
# volume (tests/test_reports_web.py, tests/test_reports_outcomes.py).
API_LISTS_ELSEWHERE = {
    "report_get": "tests/test_reports_web.py::"
    "test_each_report_costs_the_same_queries_for_10_and_10000_tickets",
    "chat_measures_get": "tests/test_budgets_api_lists.py (chat_list: the same chats)",
}


@pytest.mark.parametrize("operation", sorted(API_LISTS))
def test_a_list_operation_costs_the_same_for_few_or_many_rows(world, operation):
    case = API_LISTS[operation]
    ctx = Ctx(world)
    measure_list(f"A:{operation}", ctx, case, api_client(world, case.role), api=True)
