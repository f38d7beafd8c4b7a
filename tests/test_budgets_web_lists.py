"""Every list page of the console and the portal costs the same statements for 2 rows as
for 12, within a fixed budget: no statement per row. The table is the inventory that
docs/performance.md ("Query budgets") shows; tests/test_budgets_inventory.py fails when a
route is missing from it."""

from __future__ import annotations

import re

import pytest

from tests import budget_data as d
from tests.budget_support import Ctx, Surface, measure_list, web_client


def marked(pattern: str):
    """Rows of an HTML answer: the distinct matches of `pattern`."""
    compiled = re.compile(pattern.encode())
    return lambda response: len(set(compiled.findall(response.content)))


TICKETS = marked(r'href="/tickets/(\d+)/"')


def _ticket_number(tail: str):
    return lambda ctx: tail.format(n=ctx.ids["ticket"].number)


def _hook(ctx: Ctx) -> str:
    return f"/settings/administration/webhooks/{ctx.ids['hook'].pk}/"


def _acme(ctx: Ctx) -> str:
    return f"/settings/administration/partners/{ctx.world.acme.pk}/"


def S(role, url, grow, budget, rows=None, **kw) -> Surface:   # a table row
    return Surface(role=role, url=url, grow=grow, budget=budget, rows=rows, **kw)


# URL name -> how it is measured (the budget is what it takes today, with a little room)
WEB_LISTS: dict[str, Surface] = {
    "portal:kb": S("acme_customer", "/portal/help/", d.grow_articles, 8,
                   marked(r"Orders sync article (\d+)")),
    "portal-search": S("acme_customer", "/portal/search/?q=orders", d.grow_tickets, 11,
                       marked(r'href="/portal/tickets/(\d+)/"')),
    "chat:customer-home": S("acme_customer", "/portal/chat/", d.grow_chats, 9,
                            marked(r'href="/portal/chat/(\d+)/"')),
    "kb": S("l2", "/kb/", d.grow_articles, 9, marked(r"Orders sync article (\d+)")),
    "problem-queue": S("l2", "/problems/", d.grow_problems, 8,
                       marked(r"Orders sync problem (\d+)")),
    "problem-matching": S("l2", "/problems/matching/?text=orders+sync+problem",
                          d.grow_problems, 6),
    "notifications": S("l2", "/notifications/", d.grow_notifications, 8,
                       marked(r"At risk (\d+)")),
    "notification-bell": S("l2", "/notifications/bell/", d.grow_notifications, 6),
    "saved-views": S("l2", "/views/", d.grow_saved_views, 9, marked(r"View (\d+)")),
    "saved-views-nav": S("l2", "/views/nav/", d.grow_saved_views, 7, marked(r"View (\d+)")),
    "macro-list": S("l2", "/macros/", d.grow_macros, 9, marked(r"Macro (\d+)")),
    "macro-search": S("l2", _ticket_number("/macros/search/{n}/?macro_q=macro"), d.grow_macros,
                      7, prepare=d.one_ticket("in_progress@L2")),
    "search": S("l2", "/search/?q=orders", d.grow_tickets, 10, TICKETS),
    "automation": S("admin", "/automation/", d.grow_rules, 8, marked(r"Rule (\d+)")),
    "chat:console": S("acme_l1", "/chat/", d.grow_chats, 12,
                      marked(r'action="/chat/(\d+)/accept/"')),
    "chat:waiting": S("acme_l1", "/chat/waiting/", d.grow_chats, 8,
                      marked(r'action="/chat/(\d+)/accept/"')),
    "connectors": S("acme_admin", "/connectors/", d.grow_connectors, 9,
                    marked(r"Connector (\d+)")),
    "reports": S("lead", "/reports/", d.grow_tickets, 20),
    "report-handover": S("lead", "/reports/handover/", d.grow_tickets, 12),
    "report-tickets": S("lead", "/reports/tickets/?set=opened", d.grow_tickets, 10, TICKETS),
    "report-table": S("lead", "/reports/levels/", d.grow_tickets, 10),
    "rota": S("lead", "/rota/", d.grow_staff, 10, marked(r"agent(\d+)@vendor")),
    "kb-categories": S("l2", "/kb/categories/", d.grow_categories, 8,
                       marked(r'action="/kb/categories/(\d+)/"')),
    "sessions": S("l2", "/settings/sessions/", d.grow_sessions_of("l2"), 8,
                  marked(r'action="/settings/sessions/(\d+)/end/"')),
    "portal:sessions": S("acme_customer", "/portal/sessions/", d.grow_sessions_of("acme_customer"),
                         8, marked(r'action="/portal/sessions/(\d+)/end/"')),
    "identity:tokens": S("acme_admin", "/settings/tokens/", d.grow_tokens, 8,
                         marked(r"token (\d+)")),
    "identity:administration": S("acme_admin", "/settings/administration/", d.grow_people, 9,
                                 marked(r"person(\d+)@acme")),
    "identity:webhook": S("acme_admin", _hook, d.grow_deliveries, 9),
    "identity:partner": S("admin", _acme, d.grow_people, 10),
    # detail pages whose body is a list that grows (a chat's lines arrive over the socket:
    # its page reads them for the assistant's findings and the handover checklist)
    "problem-detail": S("l2", lambda c: f"/problems/{c.ids['problem'].pk}/",
                        d.grow_problem_links, 12, TICKETS),
    "chat:chat": S("acme_l1", lambda c: f"/chat/{c.ids['chat'].pk}/", d.grow_chat_messages, 16,
                   prepare=d.one_chat),
    "chat:customer-chat": S("acme_customer", lambda c: f"/portal/chat/{c.ids['chat'].pk}/",
                            d.grow_chat_messages, 9, prepare=d.one_chat),
}

# List pages measured in their own app's tests (the same few-or-many check)
WEB_LISTS_ELSEWHERE = {
    "home": "tests/test_views.py::test_home_query_count_does_not_grow_with_the_tickets",
    "queue": "tests/test_web_queues.py::test_queue_query_count_does_not_grow_with_the_rows",
    "portal:tickets": "tests/test_portal_access.py::"
    "test_the_list_costs_the_same_queries_for_3_or_12_tickets",
    "identity:webhooks": "tests/test_identity_webhooks_console.py::"
    "test_the_list_costs_the_same_queries_for_one_hook_or_many",
    "identity:partners": "tests/test_identity_partners_console.py::"
    "test_the_list_costs_the_same_queries_for_two_partners_or_five",
    "ticket-detail": "tests/test_web_ticket.py::"
    "test_ticket_page_query_count_does_not_grow_with_the_conversation",
    "portal:ticket": "tests/test_portal_access.py::"
    "test_the_ticket_page_costs_the_same_queries_for_few_or_many_messages",
}


@pytest.mark.parametrize("name", sorted(WEB_LISTS))
def test_a_list_page_costs_the_same_for_few_or_many_rows(world, name):
    case = WEB_LISTS[name]
    ctx = Ctx(world)
    measure_list(f"W:{name}", ctx, case, web_client(world, case.role), api=False)
