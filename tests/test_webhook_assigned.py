"""`ticket.assigned`: assigning, reassigning and unassigning a ticket is announced to the
hooks that may hear the ticket, with who has it now and who had it before."""

from __future__ import annotations

import pytest

from tests.factories import ticket_at
from tierdesk.notify import services
from tierdesk.notify.models import OutboxEvent
from tierdesk.tickets import services as tickets

PUBLIC_IP = "93.184.215.14"


@pytest.fixture
def hooks(world, settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = False
    return {
        key: services.webhook_create(actor=world.actor(key), url=f"https://{PUBLIC_IP}/hook")[0]
        for key in ("acme_admin", "admin")
    }


def assigned(ticket) -> list[dict]:
    rows = OutboxEvent.objects.filter(ticket=ticket, event="ticket.assigned").order_by("pk")
    return [row.payload for row in rows]


def test_assign_reassign_and_unassign_are_announced(world, hooks):
    ticket = ticket_at(world, "in_progress@L2")  # taken by l2: a move, not an assignment
    assert assigned(ticket) == []

    def assign(to, reason):
        return tickets.ticket_assign(
            actor=world.actor("lead"),
            ticket_id=ticket.pk,
            assignee_id=world.user(to).pk if to else None,
            reason=reason,
        )

    assign("l2b", "l2 is on the incident")
    assign(None, "back to the queue")
    first, second = assigned(ticket)
    assert first["assignee"] == "l2b@example.test"
    assert first["previous_assignee"] == "l2@example.test"
    assert first["reason"] == "l2 is on the incident"
    assert first["ticket"]["number"] == ticket.number and first["ticket"]["level"] == 2
    assert first["from"] == {"level": 2, "status": "in_progress"}
    assert second["assignee"] is None and second["previous_assignee"] == "l2b@example.test"


def test_the_event_is_named_in_the_api_and_a_hook_can_subscribe_to_it(world, hooks):
    hook, _secret = services.webhook_create(
        actor=world.actor("acme_admin"),
        url=f"https://{PUBLIC_IP}/only-assigned",
        events=["ticket.assigned"],
    )
    assert hook.events == ["ticket.assigned"]
