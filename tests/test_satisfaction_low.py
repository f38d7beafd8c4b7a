"""A low rating: the support leads are told (in the app and by mail, by their
preferences; the threshold is `TIERDESK_LOW_RATING`), and staff may reopen the
conversation from the ticket — a `reopened` event through the ticket services. The
customer's comment is for staff: it reaches the leads and the ticket page, never the
conversation, a customer's mail or another customer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import ticket_at
from tierdesk.accounts.services import user_create
from tierdesk.core import clock
from tierdesk.core.actor import actor_for
from tierdesk.core.clock import travel_to
from tierdesk.core.errors import Forbidden, WrongState
from tierdesk.mail.models import MailKind, OutboundMail
from tierdesk.notifications.models import Notification, NotificationKind, Preference
from tierdesk.satisfaction import services
from tierdesk.tickets import access, sections
from tierdesk.tickets.models import Status

pytestmark = pytest.mark.django_db
COMMENT = "Nobody read my logs, twice."


def rated(world, score: int, comment: str = COMMENT):
    ticket = ticket_at(world, "resolved@L1")
    services.rating_submit(
        actor=world.actor("acme_customer"), ticket_id=ticket.pk, score=score, comment=comment
    )
    return ticket


def lead_notes(world):
    return Notification.objects.filter(
        recipient=world.user("lead"), kind=NotificationKind.LOW_RATING
    )


def lead_mails(world):
    return OutboundMail.objects.filter(to_email=world.user("lead").email, kind=MailKind.NOTICE)


def test_a_low_rating_notifies_the_lead_in_the_app_and_by_mail(world):
    # given a ticket resolved at L1, when the customer rates it 2 with a comment
    ticket = rated(world, 2)
    # then the lead has one notification naming the ticket, the score and the comment
    (note,) = lead_notes(world)
    assert note.ticket_id == ticket.pk
    assert ticket.reference in note.text and "2 of 5" in note.text and COMMENT in note.text
    # and one mail quoting it (mail is the default for this kind)
    (mail,) = lead_mails(world)
    assert "2 of 5" in mail.text_body and COMMENT in mail.text_body
    # and nobody else is told: not the partner's staff, not the customer
    others = Notification.objects.filter(kind=NotificationKind.LOW_RATING).exclude(
        recipient=world.user("lead")
    )
    assert not others.exists()
    assert not OutboundMail.objects.filter(
        to_email=world.user("acme_customer").email, text_body__contains=COMMENT
    ).exists()


@pytest.mark.parametrize(
    ("in_app", "by_mail", "notes", "mails"), [(True, False, 1, 0), (False, True, 0, 1)]
)
def test_the_leads_preferences_choose_app_or_mail(world, in_app, by_mail, notes, mails):
    Preference.objects.create(
        user=world.user("lead"), kind=NotificationKind.LOW_RATING, in_app=in_app, by_mail=by_mail
    )
    rated(world, 1)
    assert (lead_notes(world).count(), lead_mails(world).count()) == (notes, mails)


def test_the_threshold_is_a_setting(world, settings):
    # a 4 is not low by default
    rated(world, 4)
    assert not lead_notes(world).exists()
    # with the threshold at 3, a 3 is low
    settings.TIERDESK_LOW_RATING = 3
    rated(world, 3)
    assert lead_notes(world).count() == 1
    # at 0, not even a 1 is
    settings.TIERDESK_LOW_RATING = 0
    rated(world, 1)
    assert lead_notes(world).count() == 1


def test_the_lead_reopens_the_conversation_from_the_ticket_page(world, client):
    # given a ticket rated 2
    ticket = rated(world, 2)
    resolver = ticket.resolved_by_id
    page = f"/tickets/{ticket.number}/"
    # when the lead opens the ticket page, the rating, its comment and the offer are there
    client.force_login(world.user("lead"))
    html = client.get(page).content.decode()
    assert 'id="satisfaction"' in html and COMMENT in html
    assert "Reopen the conversation" in html
    # and the lead reopens
    response = client.post(f"/rate/reopen/{ticket.number}/")
    assert response.status_code == 302 and response["Location"] == page
    # then the ticket is back in progress at L1 with the agent who resolved it
    ticket.refresh_from_db()
    assert (ticket.status, ticket.level, ticket.assignee_id) == (Status.IN_PROGRESS, 1, resolver)
    # through the ticket services: a `reopened` event, its reason names the score only
    event = access.visible_events(world.actor("lead"), ticket).latest("pk")
    assert event.kind == "reopened" and event.actor_id == world.user("lead").pk
    assert "2 of 5" in event.reason and COMMENT not in event.reason
    # the offer is gone (nothing left to reopen), the rating stays on the page
    html = client.get(page).content.decode()
    assert "Reopen the conversation" not in html and COMMENT in html


def test_the_comment_never_reaches_the_conversation_or_another_customer(world):
    ticket = rated(world, 1)
    services.reopen_after_rating(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    # not in any message of the conversation, public or internal
    messages = access.visible_messages(world.actor("lead"), ticket)
    assert not [m for m in messages if COMMENT in m.body]
    # not in any mail to a customer
    to_customers = OutboundMail.objects.exclude(kind=MailKind.NOTICE)
    assert not [m for m in to_customers if COMMENT in m.text_body]
    # the API's block gives a customer their own ratings only: a colleague gets none
    colleague = user_create(email="colleague@example.test", organisation=world.acme,
                            role="customer", password="Rosewood lantern 47 quietly")  # fmt: skip
    block = sections.api_values(actor_for(colleague), ticket)["satisfaction"]
    assert block == []
    own = sections.api_values(world.actor("acme_customer"), ticket)["satisfaction"]
    assert [r["comment"] for r in own] == [COMMENT]
    # and the ticket page's block is staff's only
    assert sections.page_values(world.actor("acme_customer"), ticket)["satisfaction"] is None


def test_reopening_is_refused_without_a_low_rating_for_customers_and_after_the_period(
    world, client
):
    # a ticket rated 4: nothing to answer
    good = rated(world, 4)
    with pytest.raises(WrongState):
        services.reopen_after_rating(actor=world.actor("lead"), ticket_id=good.pk)
    client.force_login(world.user("lead"))
    assert client.post(f"/rate/reopen/{good.number}/").status_code == 409
    # a customer cannot use staff's button
    low = rated(world, 1)
    with pytest.raises(Forbidden):
        services.reopen_after_rating(actor=world.actor("acme_customer"), ticket_id=low.pk)
    client.force_login(world.user("acme_customer"))
    assert client.post(f"/rate/reopen/{low.number}/").status_code == 403
    # another partner's agent does not see the ticket: 404
    client.force_login(world.user("globex_l1"))
    assert client.post(f"/rate/reopen/{low.number}/").status_code == 404
    # past the reopen period the workflow refuses, naming it, and nothing moves
    with travel_to(clock.now() + timedelta(days=30)):
        client.force_login(world.user("lead"))
        response = client.post(f"/rate/reopen/{low.number}/")
    assert response.status_code == 422 and "reopen period" in response.content.decode()
    low.refresh_from_db()
    assert low.status == Status.RESOLVED
