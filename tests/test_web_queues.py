"""The queue pages: each role's queues, counts in the navigation, filters, search, keyset
pages, and a query count that does not grow with the rows shown."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import ACME_CONTRACT, GLOBEX_FLOW, new_ticket, ticket_at
from tierdesk.tickets import selectors

# A queue page: session, user, membership, brand, nav counts, the page of tickets, and
# the partner list for those who see several partners.
QUEUE_QUERY_BUDGET = 8


def listed(response) -> list[int]:
    return [int(n) for n in re.findall(rb'<a href="/tickets/(\d+)/">', response.content)]


def nav_count(response, key: str) -> int:
    match = re.search(
        rf'href="/queues/{key}/"[^>]*>.*?<span class="count[^"]*"[^>]*>(\d+)</span>'.encode(),
        response.content,
        re.S,
    )
    assert match, f"no {key} in the navigation"
    return int(match.group(1))


ROLE_QUEUES = {
    "acme_l1": ["l1_new", "l1_in_progress", "l1_waiting", "at_risk", "all"],
    "acme_admin": ["l1_new", "l1_in_progress", "l1_waiting", "at_risk", "all"],
    "l2": ["l2_intake", "l2_mine", "l2_waiting", "l2_verifying", "l2_unassigned", "at_risk", "all"],
    "lead": [
        "l2_intake", "l2_mine", "l2_waiting", "l2_verifying", "l2_unassigned",
        "l3_intake", "l3_unassigned", "at_risk", "all",
    ],
    "l3": ["l3_intake", "l3_mine", "l3_unassigned", "at_risk", "all"],
    "admin": ["l2_intake", "l3_intake", "at_risk", "all"],
}


def test_each_role_sees_its_queues_in_the_navigation_with_counts(world, client):
    # given tickets at several places of the process
    new_l1 = new_ticket(world)
    working_l1 = ticket_at(world, "in_progress@L1")
    intake_l2 = ticket_at(world, "new@L2")
    mine_l2 = ticket_at(world, "in_progress@L2")
    intake_l3 = ticket_at(world, "new@L3")
    for who, keys in ROLE_QUEUES.items():
        client.force_login(world.user(who))
        # when each person opens the home page
        response = client.get("/")
        # then the navigation lists their queues, and no others
        assert response.status_code == 200
        found = re.findall(rb'href="/queues/([a-z0-9_]+)/"', response.content)
        assert [k.decode() for k in found] == keys, who
    client.force_login(world.user("l2"))
    response = client.get("/")
    # and the counts are those of the queues
    assert nav_count(response, "l2_intake") == 1
    assert nav_count(response, "l2_mine") == 1
    assert nav_count(response, "all") == 5
    assert listed(client.get("/queues/l2_intake/")) == [intake_l2.number]
    assert listed(client.get("/queues/l2_mine/")) == [mine_l2.number]
    client.force_login(world.user("acme_l1"))
    assert listed(client.get("/queues/l1_new/")) == [new_l1.number]
    assert listed(client.get("/queues/l1_in_progress/")) == [working_l1.number]
    client.force_login(world.user("l3"))
    assert listed(client.get("/queues/l3_intake/")) == [intake_l3.number]


def test_a_customer_has_no_queues_and_is_sent_to_the_portal(world, client):
    new_ticket(world, "acme")
    client.force_login(world.user("acme_customer"))
    for url in ("/", "/queues/all/", "/queues/l2_intake/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == "/portal/", url


def test_a_queue_of_another_role_or_an_unknown_one_is_404(world, client):
    client.force_login(world.user("acme_l1"))
    assert client.get("/queues/l2_intake/").status_code == 404
    assert client.get("/queues/nonsense/").status_code == 404


@pytest.mark.parametrize(
    ("who", "key", "where"),
    [
        ("acme_l1", "l1_new", "new@L1"),
        ("acme_l1", "l1_in_progress", "in_progress@L1"),
        ("acme_l1", "all", "new@L1"),
        ("l2", "l2_intake", "new@L2"),
        ("l2", "l2_mine", "in_progress@L2"),
        ("l2", "all", "new@L1"),
        ("l3", "l3_intake", "new@L3"),
        ("admin", "at_risk", "new@L1"),
    ],
)
def test_queue_query_count_does_not_grow_with_the_rows(world, client, who, key, where):
    # given three tickets in the queue
    for _ in range(3):
        ticket_at(world, where)
    client.force_login(world.user(who))
    client.get(f"/queues/{key}/")  # warm up: session, content types, calendars
    with CaptureQueriesContext(connection) as few:
        response = client.get(f"/queues/{key}/")
    assert response.status_code == 200
    # when twelve more arrive
    for _ in range(12):
        ticket_at(world, where)
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"/queues/{key}/")
    if key != "at_risk":
        assert len(listed(response)) == 15
    # then the page costs the same, within the budget
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= QUEUE_QUERY_BUDGET, [q["sql"] for q in many.captured_queries]


def test_filters_narrow_the_queue(world, client):
    # given tickets of two partners, one a blocker at high priority
    acme = new_ticket(world, "acme", is_blocker=False, priority="normal", title="Invoices lost")
    acme_hot = new_ticket(world, "acme", priority="high", title="Orders stuck")
    globex = new_ticket(world, "globex", is_blocker=False, title="Globex mapping")
    client.force_login(world.user("l2"))

    def shown(query: str) -> set[int]:
        return set(listed(client.get(f"/queues/all/?{query}")))

    # then each filter keeps only what matches
    assert shown(f"partner={world.acme.pk}") == {acme.number, acme_hot.number}
    assert shown(f"contract={ACME_CONTRACT}") == {acme.number, acme_hot.number}
    assert shown(f"flow={GLOBEX_FLOW}") == {globex.number}
    assert shown("blocker=yes") == {acme_hot.number}
    assert shown("blocker=no") == {acme.number, globex.number}
    assert shown("priority=high") == {acme_hot.number}
    assert shown("status=new&level=1") == {acme.number, acme_hot.number, globex.number}
    assert shown("status=resolved") == set()
    assert shown("q=stuck") == {acme_hot.number}
    assert shown(f"q=TD-{globex.number}") == {globex.number}
    # and a filter value that does not parse is ignored, not an error
    assert client.get("/queues/all/?partner=abc").status_code == 200


def test_partner_staff_get_no_partner_filter(world, client):
    new_ticket(world, "acme")
    client.force_login(world.user("acme_l1"))
    response = client.get("/queues/all/")
    assert b'name="partner"' not in response.content
    client.force_login(world.user("l2"))
    assert b'name="partner"' in client.get("/queues/all/").content


def test_keyset_pages_walk_the_whole_queue_once(world, client):
    # given 30 tickets in the L1 intake (page size 25)
    numbers = {new_ticket(world, "acme").number for _ in range(30)}
    client.force_login(world.user("acme_l1"))
    first = client.get("/queues/l1_new/?priority=normal")
    page_one = listed(first)
    assert len(page_one) == 25
    # when the agent follows "next page" (which keeps the filters)
    link = re.search(rb'href="\?([^"]*after=[^"]+)"', first.content)
    assert link, "no next-page link"
    query = link.group(1).decode().replace("&amp;", "&")
    assert "priority=normal" in query
    second = client.get(f"/queues/l1_new/?{query}")
    page_two = listed(second)
    # then every ticket shows up exactly once, and the last page has no next link
    assert len(page_two) == 5
    assert set(page_one) | set(page_two) == numbers
    assert not set(page_one) & set(page_two)
    assert b"after=" not in second.content.split(b'class="pager')[1].split(b"First page")[-1]


def test_queue_orders_by_the_nearest_deadline(world, client):
    # given three tickets whose nearest deadlines (SLA clocks or the customer's latest
    # acceptable time, kept in next_deadline by the SLA app) differ, and one without any
    from datetime import timedelta

    from django.utils import timezone

    from tierdesk.tickets.access import visible_tickets

    now = timezone.now()
    tickets = visible_tickets(world.actor("admin"))
    late, soon, middle, none = (new_ticket(world) for _ in range(4))
    for ticket, days in ((late, 9), (soon, 1), (middle, 4)):
        tickets.filter(pk=ticket.pk).update(next_deadline=now + timedelta(days=days))
    tickets.filter(pk=none.pk).update(next_deadline=None)
    client.force_login(world.user("acme_l1"))
    # then the nearest comes first, and the one without a deadline last
    assert listed(client.get("/queues/l1_new/")) == [
        soon.number,
        middle.number,
        late.number,
        none.number,
    ]


def test_a_garbled_cursor_starts_from_the_top(world, client):
    new_ticket(world)
    client.force_login(world.user("acme_l1"))
    response = client.get("/queues/l1_new/?after=%%%garbage")
    assert response.status_code == 200
    assert len(listed(response)) == 1


def test_htmx_asks_for_the_results_only(world, client):
    new_ticket(world)
    client.force_login(world.user("acme_l1"))
    response = client.get("/queues/l1_new/?q=Orders", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"<table" in response.content
    assert len(listed(response)) == 1


def test_counts_come_from_one_query(world, django_assert_num_queries):
    ticket_at(world, "new@L2")
    actor = world.actor("lead")
    with django_assert_num_queries(1):
        counts = selectors.queue_counts(actor)
    assert counts["l2_intake"] == 1 and counts["all"] == 1


def test_the_at_risk_queue_holds_flagged_open_tickets(world, client):
    from tierdesk.tickets.access import visible_tickets

    risky = new_ticket(world)
    calm = new_ticket(world)
    # the SLA sweep flags it (written here directly: the sweep is tested in its own app)
    visible_tickets(world.actor("admin")).filter(pk=risky.pk).update(sla_at_risk=True)
    client.force_login(world.user("acme_l1"))
    response = client.get("/queues/at_risk/")
    assert listed(response) == [risky.number]
    assert calm.number not in listed(response)
    assert nav_count(response, "at_risk") == 1
