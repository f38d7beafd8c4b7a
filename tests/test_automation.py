"""Built-in automation: resolved tickets close when their reopen period ends; the dry run
lists exactly the tickets the real run then closes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ticket_at
from tierdesk.automation import services
from tierdesk.core.clock import travel_to
from tierdesk.tickets import services as tickets
from tierdesk.tickets.models import EventKind, Status

pytestmark = pytest.mark.django_db


def test_resolved_tickets_close_when_the_reopen_period_ends_and_the_dry_run_says_which(
    world, settings
):
    settings.TIERDESK_REOPEN_DAYS = 14
    start = timezone.now()
    # given two tickets resolved at the start, one resolved 5 days later, one still open
    early = [ticket_at(world, "resolved@L1"), ticket_at(world, "resolved@L2")]
    late = ticket_at(world, "in_progress@L1")
    still_open = ticket_at(world, "in_progress@L1")
    with travel_to(start + timedelta(days=5)):
        tickets.ticket_resolve(
            actor=world.actor("acme_l1"), ticket_id=late.pk, resolution="Done.", cause="usage"
        )
    # when the rule runs before the period ended: nothing to do
    with travel_to(start + timedelta(days=13, hours=23)):
        assert services.close_after_reopen_period(dry_run=True) == []
        assert services.close_after_reopen_period() == []
    # when it runs just after the period of the first two ended
    with travel_to(start + timedelta(days=14, minutes=1)):
        preview = services.close_after_reopen_period(dry_run=True)
        # the dry run changed nothing
        assert preview
        for t in early:
            t.refresh_from_db()
            assert t.status == Status.RESOLVED
        closed = services.close_after_reopen_period()
    # then it closed exactly the tickets the dry run listed, as the system, unconfirmed
    assert sorted(closed) == sorted(preview) == sorted(t.number for t in early)
    for t in early:
        t.refresh_from_db()
        assert t.status == Status.CLOSED
        event = t.events.filter(kind=EventKind.CLOSED).get()
        assert event.actor_id is None and event.data == {"confirmed": False}
    for t in (late, still_open):
        t.refresh_from_db()
        assert t.status != Status.CLOSED
    # and a second run changes nothing more
    with travel_to(start + timedelta(days=14, minutes=2)):
        assert services.close_after_reopen_period() == []
