"""Support access: the customer records the access they granted to a workspace; L2 sees
it with its expiry and is reminded before it ends; the customer is asked to revoke it when
the ticket closes; every step is an event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from tests.factories import ACME_WORKSPACE, GLOBEX_WORKSPACE, ticket_at
from tests.test_api import API, client_for
from tierdesk.core import clock
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound, WrongState
from tierdesk.grants import services
from tierdesk.grants.models import SupportAccessGrant
from tierdesk.mail.models import OutboundMail
from tierdesk.notifications.models import Notification
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.models import EventKind, TicketEvent


def _grant(world, ticket, hours=48, who="acme_customer"):
    return services.grant_record(
        actor=world.actor(who),
        ticket_id=ticket.pk,
        workspace_id=ACME_WORKSPACE,
        until=clock.now() + timedelta(hours=hours),
    )


def _events(ticket, kind) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket, kind=kind))


def test_the_customer_records_a_grant_and_l2_sees_it_with_its_expiry(world):
    ticket = ticket_at(world, "in_progress@L2")
    grant = _grant(world, ticket)
    # every step is an event, which customers do not see
    (event,) = _events(ticket, EventKind.ACCESS_GRANTED)
    assert event.data["workspace_id"] == ACME_WORKSPACE and event.actor == world.user(
        "acme_customer"
    )
    # L2 reads it in the API's ticket detail and on the ticket page
    detail = client_for(world, "l2").get(f"{API}/tickets/{ticket.pk}")
    (shown,) = detail.json()["support_access"]
    assert shown["workspace_id"] == ACME_WORKSPACE and shown["active"] is True
    assert shown["until"].startswith(grant.until.strftime("%Y-%m-%dT%H:%M"))
    page = Client()
    page.force_login(world.user("l2"))
    html = page.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="support-access"' in html and ACME_WORKSPACE in html


def test_a_new_grant_for_the_same_workspace_replaces_the_one_before(world):
    ticket = ticket_at(world, "in_progress@L2")
    first = _grant(world, ticket, hours=10)
    second = _grant(world, ticket, hours=30)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None


@pytest.mark.parametrize(
    ("workspace", "hours", "field"),
    [
        ("not-an-id", 10, "workspace_id"),
        (GLOBEX_WORKSPACE, 10, "workspace_id"),  # another partner's workspace
        (ACME_WORKSPACE, -1, "until"),
        (ACME_WORKSPACE, 24 * 91, "until"),
    ],
)
def test_bad_grants_are_refused_naming_the_field_and_nothing_is_kept(
    world, workspace, hours, field
):
    ticket = ticket_at(world, "in_progress@L2")
    with pytest.raises(InvalidInput) as refused:
        services.grant_record(
            actor=world.actor("acme_customer"),
            ticket_id=ticket.pk,
            workspace_id=workspace,
            until=clock.now() + timedelta(hours=hours),
        )
    assert field in refused.value.fields
    assert not SupportAccessGrant.objects.exists()
    assert not _events(ticket, EventKind.ACCESS_GRANTED)


def test_only_the_tickets_customer_records_and_revokes(world):
    ticket = ticket_at(world, "in_progress@L2")
    with pytest.raises(Forbidden):
        _grant(world, ticket, who="l2")
    with pytest.raises(NotFound):
        _grant(world, ticket, who="globex_customer")
    grant = _grant(world, ticket)
    with pytest.raises(NotFound):
        services.grant_revoke(
            actor=world.actor("globex_customer"), ticket_id=ticket.pk, grant_id=grant.pk
        )
    other = ticket_at(world, "in_progress@L2")
    with pytest.raises(NotFound):
        services.grant_revoke(
            actor=world.actor("acme_customer"), ticket_id=other.pk, grant_id=grant.pk
        )
    services.grant_revoke(
        actor=world.actor("acme_customer"), ticket_id=ticket.pk, grant_id=grant.pk
    )
    assert len(_events(ticket, EventKind.ACCESS_REVOKED)) == 1
    with pytest.raises(WrongState):
        services.grant_revoke(
            actor=world.actor("acme_customer"), ticket_id=ticket.pk, grant_id=grant.pk
        )


def test_the_assignee_is_reminded_once_before_the_grant_ends(world, settings):
    settings.TIERDESK_GRANT_REMIND_HOURS = 24
    ticket = ticket_at(world, "in_progress@L2")
    soon = _grant(world, ticket, hours=30)
    revoked = services.grant_record(
        actor=world.actor("acme_customer"),
        ticket_id=ticket.pk,
        workspace_id=ticket.workspace_id,
        until=clock.now() + timedelta(hours=31),
    )
    assert revoked.workspace_id == soon.workspace_id  # the second replaced the first
    later = clock.now() + timedelta(hours=10)
    # when the reminder runs 10 hours on, the grant ends within 24 hours
    assert services.grants_remind(now=later) == [revoked.pk]
    (event,) = _events(ticket, EventKind.ACCESS_EXPIRING)
    assert event.data["grant"] == revoked.pk
    # the L2 assignee hears of it in the app
    note = Notification.objects.get(recipient=ticket.assignee, event=event)
    assert ticket.workspace_id in note.text
    # and only once
    assert services.grants_remind(now=later + timedelta(hours=1)) == []


def test_closing_asks_the_customer_once_to_revoke_in_their_language(world):
    customer = world.users["acme_customer"]
    customer.language = "de"
    customer.save(update_fields=["language"])
    ticket = ticket_at(world, "resolved@L1")
    _grant(world, ticket)
    before = OutboundMail.objects.filter(to_email=customer.email).count()
    ticket_services.ticket_close(
        actor=world.actor("acme_customer"), ticket_id=ticket.pk, confirmed=True
    )
    mails = list(OutboundMail.objects.filter(to_email=customer.email).order_by("pk"))[before:]
    revoke = [m for m in mails if ACME_WORKSPACE in m.text_body]
    assert len(revoke) == 1
    assert "widerrufen" in revoke[0].text_body
    assert len(_events(ticket, EventKind.ACCESS_REVOKE_ASKED)) == 1


def test_no_revoke_mail_when_the_grant_was_revoked(world):
    ticket = ticket_at(world, "resolved@L1")
    grant = _grant(world, ticket)
    services.grant_revoke(
        actor=world.actor("acme_customer"), ticket_id=ticket.pk, grant_id=grant.pk
    )
    ticket_services.ticket_close(
        actor=world.actor("acme_customer"), ticket_id=ticket.pk, confirmed=True
    )
    assert not OutboundMail.objects.filter(text_body__contains=ACME_WORKSPACE).exists()
    assert not _events(ticket, EventKind.ACCESS_REVOKE_ASKED)


def test_the_portal_form_records_and_refuses(world):
    ticket = ticket_at(world, "in_progress@L2")
    client = Client()
    client.force_login(world.user("acme_customer"))
    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert f'action="/portal/tickets/{ticket.number}/support-access/"' in page
    bad = client.post(
        f"/portal/tickets/{ticket.number}/support-access/",
        {"workspace_id": ACME_WORKSPACE, "until": "2001-01-01T10:00"},
        follow=True,
    )
    assert "must be in the future" in bad.content.decode()
    assert not SupportAccessGrant.objects.exists()
    until = (clock.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        f"/portal/tickets/{ticket.number}/support-access/",
        {"workspace_id": ACME_WORKSPACE, "until": until},
    )
    grant = SupportAccessGrant.objects.get()
    client.post(f"/portal/tickets/{ticket.number}/support-access/{grant.pk}/revoke/")
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    stranger = Client()
    stranger.force_login(world.user("globex_customer"))
    answer = stranger.post(f"/portal/tickets/{ticket.number}/support-access/{grant.pk}/revoke/")
    assert answer.status_code == 404


def test_the_api_records_a_grant_for_the_customer_and_refuses_staff(world):
    ticket = ticket_at(world, "in_progress@L2")
    until = (clock.now() + timedelta(days=1)).isoformat()
    body = {"workspace_id": ACME_WORKSPACE, "until": until}
    answer = client_for(world, "acme_customer").post(
        f"{API}/tickets/{ticket.pk}/support-access", body, content_type="application/json"
    )
    assert answer.status_code == 201 and answer.json()["active"] is True
    refused = client_for(world, "l2").post(
        f"{API}/tickets/{ticket.pk}/support-access", body, content_type="application/json"
    )
    assert refused.status_code == 403
    naive = client_for(world, "acme_customer").post(
        f"{API}/tickets/{ticket.pk}/support-access",
        {"workspace_id": ACME_WORKSPACE, "until": "2026-12-30T10:00:00"},
        content_type="application/json",
    )
    assert naive.status_code == 422 and "until" in naive.json()["fields"]
