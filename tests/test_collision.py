"""Two people on one ticket: each page says who else is on it (and who is writing), and a
write refused for a stale version says what changed meanwhile."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.factories import ticket_at
from tierdesk.core.errors import Forbidden, NotFound
from tierdesk.presence import services as presence
from tierdesk.presence.models import Presence
from tierdesk.tickets import services
from tierdesk.tickets.changes import changes_since
from tierdesk.tickets.models import EventKind


def test_each_sees_the_other_and_who_is_writing(world):
    ticket = ticket_at(world, "in_progress@L2")
    # when L2B's page beats with a draft in the reply box, then L2's without
    presence.presence_beat(actor=world.actor("l2b"), ticket_id=ticket.pk, writing=True)
    _, others = presence.presence_beat(actor=world.actor("l2"), ticket_id=ticket.pk, writing=False)
    # then L2 sees L2B writing (and not themselves); L2B sees L2 viewing
    assert [(p.user.email, p.writing) for p in others] == [("l2b@example.test", True)]
    _, others = presence.presence_beat(actor=world.actor("l2b"), ticket_id=ticket.pk, writing=True)
    assert [(p.user.email, p.writing) for p in others] == [("l2@example.test", False)]


def test_someone_gone_quiet_is_no_longer_here(world):
    ticket = ticket_at(world, "in_progress@L2")
    presence.presence_beat(actor=world.actor("l2b"), ticket_id=ticket.pk, writing=False)
    Presence.objects.update(
        seen_at=Presence.objects.get().seen_at - presence.fresh() - timedelta(seconds=1)
    )
    _, others = presence.presence_beat(actor=world.actor("l2"), ticket_id=ticket.pk, writing=False)
    assert others == []


def test_presence_is_for_staff_who_may_see_the_ticket(world):
    ticket = ticket_at(world, "in_progress@L2")
    with pytest.raises(NotFound):
        presence.presence_beat(actor=world.actor("globex_l1"), ticket_id=ticket.pk, writing=False)
    with pytest.raises(NotFound):
        presence.presence_beat(actor=world.actor("l3"), ticket_id=ticket.pk, writing=False)
    with pytest.raises(Forbidden):
        presence.presence_beat(
            actor=world.actor("acme_customer"), ticket_id=ticket.pk, writing=False
        )
    assert not Presence.objects.exists()


@pytest.mark.parametrize("others", [1, 5])
def test_the_beat_costs_a_fixed_number_of_queries(world, client, django_assert_num_queries, others):
    ticket = ticket_at(world, "in_progress@L2")
    for key in ("l2b", "lead", "admin", "acme_l1", "acme_admin")[:others]:
        presence.presence_beat(actor=world.actor(key), ticket_id=ticket.pk, writing=False)
    client.force_login(world.user("l2"))
    # session, user, membership; the ticket (view, then service); the upsert with its
    # savepoints; the clean-up; the others: the same however many are here
    with django_assert_num_queries(15):
        answer = client.post(f"/presence/{ticket.number}/", {"body": "draft"})
    assert answer.content.decode().count("data-person=") == others


def test_the_beat_over_http(world, client):
    ticket = ticket_at(world, "in_progress@L2")
    presence.presence_beat(actor=world.actor("lead"), ticket_id=ticket.pk, writing=True)
    client.force_login(world.user("l2"))
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="presence"' in page and 'data-person="lead@example.test" data-writing="yes"' in page
    answer = client.post(f"/presence/{ticket.number}/", {"body": "  "})
    assert (
        answer.status_code == 200 and Presence.objects.get(user=world.user("l2")).writing is False
    )
    client.force_login(world.user("globex_l1"))
    assert client.post(f"/presence/{ticket.number}/").status_code == 404
    client.force_login(world.user("acme_customer"))
    assert client.post(f"/presence/{ticket.number}/").status_code == 403
    assert 'id="presence"' not in client.get(f"/tickets/{ticket.number}/").content.decode()


def test_a_stale_refusal_lists_what_changed_meanwhile(world, client):
    # given the lead's page of an L2 ticket at some version
    ticket = ticket_at(world, "in_progress@L2")
    seen = ticket.version
    # when, meanwhile, L2 asks the customer and the lead's colleague edits the report
    services.ticket_ask_customer(actor=world.actor("l2"), ticket_id=ticket.pk, message="When?")
    services.ticket_update(
        actor=world.actor("lead"), ticket_id=ticket.pk, changes={"title": "New"}, version=None
    )
    services.message_add(actor=world.actor("l2"), ticket_id=ticket.pk, body="note", internal=True)
    ticket.refresh_from_db()
    # then the changes since the lead's version are those two, in order
    changes = changes_since(world.actor("lead"), ticket, seen)
    assert [e.kind for e in changes] == [EventKind.ASKED_CUSTOMER, EventKind.UPDATED]
    assert changes_since(world.actor("acme_customer"), ticket, seen) == []
    # and the page refusing the lead's stale assignment says so
    client.force_login(world.user("lead"))
    answer = client.post(
        f"/tickets/{ticket.number}/assign/", {"assignee": world.user("l2b").pk, "version": seen}
    )
    assert answer.status_code == 409
    listed = re.findall(r'<li data-kind="([a-z_]+)">', answer.content.decode())
    assert listed == ["asked_customer", "updated"]
    # as does a stale workflow action
    answer = client.post(
        f"/tickets/{ticket.number}/act/resolve/",
        {"resolve-version": seen, "resolve-resolution": "x", "resolve-cause": "usage"},
    )
    assert answer.status_code == 409
    assert "What changed meanwhile" in answer.content.decode()
