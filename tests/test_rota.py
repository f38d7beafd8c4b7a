"""The rota: availability, out of office, and round-robin auto-assignment per level queue
with a cap of open tickets per agent (safe when tickets arrive at once, on PostgreSQL)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from tests.factories import new_ticket, ticket_at
from tierdesk.core.actor import SYSTEM
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.rota import services as rota
from tierdesk.rota.models import Availability
from tierdesk.tickets import services
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent


def on_duty(world, *keys):
    for key in keys:
        rota.availability_set(actor=world.actor(key), user_id=world.user(key).pk, available=True)


def hand_over(world, ticket):
    services.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    services.ticket_hand_over(actor=world.actor("acme_l1"), ticket_id=ticket.pk)


def test_round_robin_takes_turns_and_respects_the_cap(world, django_capture_on_commit_callbacks):
    # given L2 round robin with a cap of one open ticket, two L2 agents on duty
    rota.queue_rule_set(actor=world.actor("lead"), level=2, auto_assign=True, cap=1)
    on_duty(world, "l2", "l2b")
    tickets = [new_ticket(world) for _ in range(3)]
    # when three tickets are handed over to L2, one after the other
    for ticket in tickets:
        with django_capture_on_commit_callbacks(execute=True):
            hand_over(world, ticket)
    owners = [Ticket.objects.get(pk=t.pk).assignee for t in tickets]
    # then the first two go to one agent each, the third waits: both are at the cap
    assert {owners[0], owners[1]} == {world.user("l2"), world.user("l2b")}
    assert owners[2] is None
    # and they stay new (reserved for their assignee, who takes them), with the reason
    event = TicketEvent.objects.filter(ticket=tickets[0], kind=EventKind.ASSIGNED).get()
    assert event.reason == "round robin (L2)" and event.actor is None
    assert Ticket.objects.get(pk=tickets[0].pk).status == "new"


def test_nobody_away_or_unavailable_is_given_a_ticket(world, django_capture_on_commit_callbacks):
    rota.queue_rule_set(actor=world.actor("lead"), level=2, auto_assign=True, cap=5)
    on_duty(world, "l2", "l2b")
    rota.availability_set(actor=world.actor("l2"), user_id=world.user("l2").pk, out_of_office=True)
    rota.availability_set(actor=world.actor("l2b"), user_id=world.user("l2b").pk, available=False)
    ticket = new_ticket(world)
    with django_capture_on_commit_callbacks(execute=True):
        hand_over(world, ticket)
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_without_a_rule_nothing_is_assigned(world, django_capture_on_commit_callbacks):
    on_duty(world, "l2")
    ticket = new_ticket(world)
    with django_capture_on_commit_callbacks(execute=True):
        hand_over(world, ticket)
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_out_of_office_hands_tickets_back_and_round_robin_passes_them_on(
    world, django_capture_on_commit_callbacks
):
    # given an L2 ticket in progress with l2, and round robin on with l2b on duty
    ticket = ticket_at(world, "in_progress@L2")
    rota.queue_rule_set(actor=world.actor("lead"), level=2, auto_assign=True, cap=5)
    on_duty(world, "l2b")
    # when l2 goes out of office
    with django_capture_on_commit_callbacks(execute=True):
        rota.availability_set(
            actor=world.actor("l2"), user_id=world.user("l2").pk, out_of_office=True
        )
    # then the ticket was handed back (an event says why) and went on to l2b
    kinds = list(
        TicketEvent.objects.filter(ticket=ticket).order_by("pk").values_list("kind", "reason")
    )
    assert kinds[-2:] == [
        (EventKind.UNASSIGNED, "out of office"),
        (EventKind.ASSIGNED, "round robin (L2)"),
    ]
    ticket.refresh_from_db()
    assert ticket.assignee == world.user("l2b") and ticket.status == "in_progress"


def test_a_lead_unassigning_leaves_the_ticket_in_the_queue(
    world, django_capture_on_commit_callbacks
):
    ticket = ticket_at(world, "in_progress@L2")
    rota.queue_rule_set(actor=world.actor("lead"), level=2, auto_assign=True, cap=5)
    on_duty(world, "l2b")
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_assign(
            actor=world.actor("lead"), ticket_id=ticket.pk, assignee_id=None, reason="triage"
        )
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_who_may_set_availability_and_rules(world):
    # a person sets their own; a partner admin their L1 people; a lead the vendor's
    rota.availability_set(
        actor=world.actor("acme_admin"), user_id=world.user("acme_l1").pk, available=True
    )
    rota.availability_set(actor=world.actor("lead"), user_id=world.user("l3").pk, available=True)
    assert Availability.objects.filter(available=True).count() == 2
    # an agent may not set a colleague's; a partner admin not another partner's: not found
    for who, whom in (("l2", "l2b"), ("acme_admin", "globex_l1"), ("acme_l1", "acme_admin")):
        with pytest.raises(NotFound):
            rota.availability_set(
                actor=world.actor(who), user_id=world.user(whom).pk, available=True
            )
    # customers have no rota; an admin works no level, so is not on one either
    with pytest.raises(NotFound):
        rota.availability_set(
            actor=world.actor("acme_customer"), user_id=world.user("acme_customer").pk
        )
    with pytest.raises(InvalidInput):
        rota.availability_set(actor=world.actor("admin"), user_id=world.user("admin").pk)
    # rules: the lead any level; a partner admin only L1 at their partner
    rota.queue_rule_set(
        actor=world.actor("acme_admin"),
        level=1,
        organisation_id=world.acme.pk,
        auto_assign=True,
        cap=3,
    )
    with pytest.raises(Forbidden):
        rota.queue_rule_set(actor=world.actor("acme_admin"), level=2, auto_assign=True, cap=3)
    with pytest.raises(Forbidden):
        rota.queue_rule_set(
            actor=world.actor("acme_admin"),
            level=1,
            organisation_id=world.globex.pk,
            auto_assign=True,
            cap=3,
        )
    with pytest.raises(Forbidden):
        rota.queue_rule_set(actor=world.actor("l2"), level=2, auto_assign=True, cap=3)
    for bad, field in (
        ({"level": 4}, "level"),
        ({"cap": 0}, "cap"),
        ({"level": 1}, "organisation"),
    ):
        kwargs = {"level": 2, "auto_assign": True, "cap": 3, **bad}
        with pytest.raises(InvalidInput) as refused:
            rota.queue_rule_set(actor=world.actor("lead"), **kwargs)
        assert field in refused.value.fields


def test_the_rota_page_saves_availability_and_rules(world, client):
    client.force_login(world.user("lead"))
    page = client.get("/rota/")
    assert page.status_code == 200 and b"l2b@example.test" in page.content
    answer = client.post("/rota/availability/", {"user": world.user("l2b").pk, "available": "on"})
    assert answer.status_code == 302
    assert Availability.objects.get(user=world.user("l2b")).available
    answer = client.post("/rota/rules/", {"level": 2, "auto_assign": "on", "cap": 4})
    assert answer.status_code == 302
    assert rota.rule_for(2, None).cap == 4
    # a bad cap: 422 and nothing changed
    assert client.post("/rota/rules/", {"level": 2, "cap": 0}).status_code == 422
    assert rota.rule_for(2, None).cap == 4
    # an agent sees only themselves and cannot set rules; customers have no rota
    client.force_login(world.user("l2"))
    page = client.get("/rota/").content.decode()
    assert "l2b@example.test" not in page
    assert client.post("/rota/rules/", {"level": 2, "cap": 4}).status_code == 403
    assert client.post("/rota/availability/", {"user": world.user("l2b").pk}).status_code == 404
    client.force_login(world.user("acme_customer"))
    assert client.get("/rota/").status_code == 403


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (SQLite serialises)"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_tickets_arriving_at_once_do_not_both_pass_the_cap(world, monkeypatch):
    # given round robin with a cap of one and a single L2 agent on duty
    rota.queue_rule_set(actor=SYSTEM, level=2, auto_assign=True, cap=1)
    on_duty(world, "l2")
    tickets = []
    for _ in range(2):
        ticket = new_ticket(world)
        hand_over(world, ticket)  # (after commit, the listener already tried: undo it)
        services.ticket_assign(actor=SYSTEM, ticket_id=ticket.pk, assignee_id=None)
        tickets.append(ticket)
    ticket_ids = [t.pk for t in tickets]
    # and an assignment that dawdles between choosing the person and writing the choice
    real = rota.ticket_assign

    def slow(**kwargs):
        time.sleep(0.5)
        return real(**kwargs)

    monkeypatch.setattr(rota, "ticket_assign", slow)
    barrier = threading.Barrier(2)
    results = {}

    def run(ticket_id):
        try:
            barrier.wait()
            results[ticket_id] = rota.auto_assign(ticket_id=ticket_id)
        finally:
            connections.close_all()

    # when both tickets are auto-assigned at the same moment
    threads = [threading.Thread(target=run, args=(pk,)) for pk in ticket_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # then exactly one got the agent; the other waited and saw the cap reached
    assert sorted(r is not None for r in results.values()) == [False, True]
    assert Ticket.objects.filter(pk__in=ticket_ids, assignee=world.user("l2")).count() == 1
