"""The whole process once, end to end through the services."""

from tests.factories import ticket_at
from tierdesk.tickets import services
from tierdesk.tickets.models import EventKind, Status


def test_ticket_walks_from_l1_to_l3_and_back_to_resolved(world):
    # given a ticket whose fix L3 delivered
    ticket = ticket_at(world, "verifying@L2")
    assert (ticket.level, ticket.status) == (2, Status.VERIFYING)
    # when L2 verifies the fix
    services.ticket_verify_fix(
        actor=world.actor("l2"), ticket_id=ticket.pk, passed=True, notes="Order 4711 syncs."
    )
    # then it is resolved and every move left one event
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds[0] == EventKind.CREATED
    assert kinds[-1] == EventKind.FIX_VERIFIED
    assert EventKind.HANDED_OVER in kinds and EventKind.ESCALATED in kinds
