"""The publish/subscribe seam between the core and the outer apps (`tickets.bus`) and the
detail blocks outer apps contribute (`tickets.sections`)."""

from __future__ import annotations

import pytest
from django.db import transaction

from tests.factories import new_ticket
from tierdesk.mail import notifications as mail
from tierdesk.notify import outbox
from tierdesk.sla import listeners as sla_listeners
from tierdesk.tickets import bus, sections, services
from tierdesk.tickets.models import EventKind, TicketEvent


@pytest.fixture
def calls():
    """A recorder subscribed to every topic, in both phases, removed afterwards."""
    seen: list[tuple[str, str]] = []

    def in_tx(published):
        seen.append(("in_tx", type(published).__name__))

    def after(published):
        seen.append(("after", type(published).__name__))

    topics = (TicketEvent, bus.Moved, bus.Changed, bus.MessageWritten)
    for topic in topics:
        bus.subscribe(in_tx, to=topic, order=1000)
        bus.subscribe(after, to=topic, phase=bus.AFTER_COMMIT, order=1000)
    yield seen
    for topic in topics:
        bus.unsubscribe(in_tx, to=topic)
        bus.unsubscribe(after, to=topic)


def test_the_apps_listen_in_a_fixed_order():
    # given the apps registered at start-up
    # then the outbox row is written before the mail rows, for every audit row
    handlers = [x.handler for x in bus.listeners(TicketEvent)]
    assert handlers.index(outbox.record_ticket_event) < handlers.index(mail.on_ticket_event)
    # and the SLA clocks hear moves, edits and messages, first and inside the transaction
    for topic, handler in (
        (bus.Moved, sla_listeners.on_moved),
        (bus.Changed, sla_listeners.on_changed),
        (bus.MessageWritten, sla_listeners.on_message),
    ):
        first = bus.listeners(topic)[0]
        assert (first.handler, first.phase) == (handler, bus.IN_TRANSACTION)


def test_subscribing_twice_registers_once_and_a_wrong_phase_is_refused():
    # given a listener subscribed twice (an app's ready() run twice)
    def listener(published):
        return None

    bus.subscribe(listener, to=bus.Moved)
    bus.subscribe(listener, to=bus.Moved)
    try:
        # then it is there once
        assert [x.handler for x in bus.listeners(bus.Moved)].count(listener) == 1
    finally:
        bus.unsubscribe(listener, to=bus.Moved)
    assert listener not in [x.handler for x in bus.listeners(bus.Moved)]
    # and an unknown phase is an error, not a silent listener
    with pytest.raises(ValueError, match="phase"):
        bus.subscribe(listener, phase="later")  # type: ignore[arg-type]


@pytest.mark.django_db(transaction=True)
def test_a_move_publishes_the_move_before_its_event_and_sends_only_after_commit(world, calls):
    # given a ticket at new@L1
    ticket = new_ticket(world)
    calls.clear()
    # when the L1 agent takes it, and we look inside the transaction
    with transaction.atomic():
        services.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
        inside = list(calls)
    # then the move came first (clocks re-plan before anything shows a deadline), then
    # the audit row; nothing after-commit ran inside the transaction
    assert inside == [("in_tx", "Moved"), ("in_tx", "TicketEvent")]
    # and after the commit the after-commit listeners ran, in the same order
    assert calls[2:] == [("after", "Moved"), ("after", "TicketEvent")]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_takes_the_listeners_rows_and_sends_nothing(world, calls):
    # given a ticket at new@L1
    ticket = new_ticket(world)
    calls.clear()
    events_before = TicketEvent.objects.count()

    # when an in-transaction listener fails during a note
    def broken(published):
        raise RuntimeError("listener failed")

    bus.subscribe(broken, to=bus.MessageWritten, order=2000)
    try:
        with pytest.raises(RuntimeError):
            services.message_add(
                actor=world.actor("acme_l1"), ticket_id=ticket.pk, body="a note", internal=True
            )
    finally:
        bus.unsubscribe(broken, to=bus.MessageWritten)
    # then the note is not there, no event was written, no after-commit listener ran
    assert TicketEvent.objects.count() == events_before
    assert not ticket.messages.exists()
    assert ("after", "MessageWritten") not in calls


@pytest.mark.django_db(transaction=True)
def test_a_failing_after_commit_listener_does_not_stop_the_others(world, calls):
    # given an after-commit listener that fails, ordered before the recorder
    def broken(published):
        raise RuntimeError("send failed")

    bus.subscribe(broken, to=TicketEvent, phase=bus.AFTER_COMMIT, order=1)
    try:
        # when a ticket is created
        ticket = new_ticket(world)
    finally:
        bus.unsubscribe(broken, to=TicketEvent)
    # then the change stands and the later listener still heard the event
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CREATED).exists()
    assert ("after", "TicketEvent") in calls


def test_the_sla_block_is_a_contributed_section_of_the_ticket_detail():
    # given the API's ticket detail schema, built with the contributed sections
    from tierdesk.tickets.schemas import TicketDetailOut

    # then the SLA app's block is a required, typed key of it, under the schema's own name
    assert TicketDetailOut.__name__ == "TicketDetailOut"
    assert "sla" in TicketDetailOut.model_fields
    assert TicketDetailOut.model_fields["sla"].is_required()
    assert "sla" in [s.name for s in sections._ordered(sections._api)]
    assert "sla" in [s.name for s in sections._ordered(sections._page)]


@pytest.mark.django_db(transaction=True)
def test_a_listener_of_some_kinds_hears_only_those(world):
    # given a listener of handovers only
    heard = []

    def on_handover(event):
        heard.append(event.kind)

    bus.subscribe(on_handover, kinds={EventKind.HANDED_OVER}, order=1000)
    try:
        # when a ticket is created, taken and handed over
        ticket = new_ticket(world)
        services.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
        services.ticket_hand_over(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    finally:
        bus.unsubscribe(on_handover)
    # then it heard the handover alone
    assert heard == [EventKind.HANDED_OVER]
