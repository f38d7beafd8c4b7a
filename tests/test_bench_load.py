"""`tierdesk bench-load`: benchmark volumes written with COPY, shaped as the product
leaves its data — checked through the product's own reads (access layer, queues, search).
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from tierdesk.accounts.models import Organisation, User
from tierdesk.benchdata import load
from tierdesk.benchdata.guard import MARKER, Refused
from tierdesk.benchdata.names import RARE_EVERY, email
from tierdesk.benchdata.story import OPEN_SPREAD
from tierdesk.cli import main
from tierdesk.core.actor import SYSTEM, actor_for
from tierdesk.search import selectors as search
from tierdesk.sla.models import Clock
from tierdesk.tickets.access import visible_events, visible_tickets
from tierdesk.tickets.models import OPEN_STATUSES
from tierdesk.tickets.selectors import QueueFilters, queue_page, queue_tickets

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="bench-load writes with PostgreSQL's COPY"
)
N = 300


def _empty_of_people_and_tickets() -> None:
    # The test database may hold what fixtures made; bench-load wants it empty.
    with connection.cursor() as cur:
        cur.execute("TRUNCATE accounts_organisation, accounts_user, tickets_ticket CASCADE")


@pytest.fixture
def loaded(db):
    _empty_of_people_and_tickets()
    return load(N)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the refusal of SQLite")
def test_it_refuses_sqlite_with_a_clear_message_and_writes_nothing(db, capsys):
    # given the SQLite database of the tests
    before = Organisation.objects.count()
    # when bench-load is run on it
    code = main(["bench-load", "--tickets", "10"])
    # then it exits 2, says why and what to use instead, and wrote nothing
    assert code == 2
    err = capsys.readouterr().err
    assert "error: bench-load writes with PostgreSQL's COPY; this database is sqlite" in err
    assert "DATABASE_URL" in err
    assert Organisation.objects.count() == before


@postgres_only
def test_it_refuses_a_database_holding_other_data_and_keeps_it(db, capsys):
    # given a database with an organisation bench-load did not write
    _empty_of_people_and_tickets()
    Organisation.objects.create(name="Acme Integrations", kind="partner")
    # when bench-load is asked to fill it
    code = main(["bench-load", "--tickets", "10"])
    # then it refuses, naming what it found, and the organisation is still the only one
    assert code == 2
    assert "holds data bench-load did not write (accounts_organisation)" in (
        capsys.readouterr().err
    )
    assert list(Organisation.objects.values_list("name", flat=True)) == ["Acme Integrations"]
    assert MARKER not in connection.introspection.table_names()
    with pytest.raises(Refused):
        load(5)


@postgres_only
def test_tickets_open_over_every_level_and_status_over_two_years(loaded):
    tickets = visible_tickets(SYSTEM)
    assert tickets.count() == N == loaded.tickets
    open_ = tickets.filter(status__in=OPEN_STATUSES)
    assert open_.count() == N // 5  # 20 %
    spread = Counter(open_.values_list("level", "status"))
    assert set(spread) == {(level, status) for level, status, _w in OPEN_SPREAD}
    closed = tickets.exclude(status__in=OPEN_STATUSES)
    assert set(closed.values_list("status", flat=True)) == {"resolved", "closed"}
    assert not closed.filter(resolved_at__isnull=True).exists()
    assert set(closed.values_list("resolved_level", flat=True)) == {1, 2, 3}
    oldest = tickets.order_by("created_at").first().created_at
    newest = tickets.order_by("-created_at").first().created_at
    assert (newest - oldest).days >= 700
    # every partner has tickets, and each ticket's last event is where it stands
    assert tickets.values("partner").distinct().count() == loaded.partners
    for ticket in tickets.filter(pk__in=[1, 77, 150, 299]):
        last = visible_events(SYSTEM, ticket).order_by("created_at", "pk").last()
        assert (last.to_level, last.to_status) == (ticket.level, ticket.status)
    assert loaded.rows["tickets_message"] > N
    assert loaded.rows["logs_logline"] == loaded.rows["tickets_attachment"] * 20 > 0


@postgres_only
def test_open_tickets_have_their_clocks_and_deadlines(loaded):
    open_ = visible_tickets(SYSTEM).filter(status__in=OPEN_STATUSES)
    clocks = Clock.objects.filter(ticket__in=open_)
    resolution = dict(clocks.filter(kind="resolution").values_list("ticket_id", "state"))
    assert set(resolution) == set(open_.values_list("pk", flat=True))
    waiting = set(open_.filter(status="waiting_on_customer").values_list("pk", flat=True))
    assert {t for t, state in resolution.items() if state == "paused"} == waiting
    for ticket in open_.filter(status="new"):
        assert clocks.filter(ticket=ticket, kind="first_response", level=ticket.level).exists()
    for ticket in open_.exclude(status="waiting_on_customer")[:20]:
        dues = clocks.filter(ticket=ticket, state="running").values_list("due_at", flat=True)
        assert ticket.next_deadline == min(dues)
    assert not Clock.objects.exclude(ticket__in=open_).exclude(state="stopped").exists()


@postgres_only
def test_the_queues_and_search_find_them_through_the_access_layer(loaded):
    l2 = actor_for(User.objects.get(email=email("l2_agent", 1)))
    intake = visible_tickets(SYSTEM).filter(level=2, status="new")
    queue = queue_tickets(l2, "l2_intake", QueueFilters())
    assert queue.count() == intake.count() > 0
    page, _cursor = queue_page(queue, limit=5)
    assert [t.next_deadline for t in page] == sorted(t.next_deadline for t in page)
    l1 = actor_for(User.objects.get(email=email("l1_agent", 1, 1)))
    mine = queue_tickets(l1, "l1_new", QueueFilters())
    assert mine.count() > 0
    assert set(mine.values_list("partner_id", flat=True)) == {l1.org_id}
    # a rare word (one ticket in RARE_EVERY) finds its ticket; a common one every ticket
    ticket = visible_tickets(SYSTEM).get(pk=123)
    found = search.search(l2, f"lantern{ticket.number % RARE_EVERY}")
    assert [hit.ticket.pk for hit in found.hits] == [ticket.pk]
    assert search.search(l2, "orders").count == N
    assert search.search(l1, "orders").count == visible_tickets(l1).count() < N


@postgres_only
def test_a_second_load_replaces_the_first(loaded, capsys):
    # when it runs again on its own database (the CLI)
    assert main(["bench-load", "--tickets", "40"]) == 0
    # then the database holds the new volume only
    assert "40 tickets in" in capsys.readouterr().out
    assert visible_tickets(SYSTEM).count() == 40
    assert Organisation.objects.filter(kind="vendor").count() == 1
