"""The customer is told at every step: one short, branded, public update (portal and
mail), in their language, never with internal content; optional ones can be turned off."""

from __future__ import annotations

import re

import pytest

from tests.factories import record_reproduction, ticket_at
from tierdesk.core.actor import SYSTEM
from tierdesk.core.errors import Forbidden, InvalidInput
from tierdesk.mail.models import OutboundMail
from tierdesk.tickets import services
from tierdesk.tickets.models import Message
from tierdesk.updates.services import update_preference_set, update_template_set

pytestmark = pytest.mark.django_db

INTERNAL = ("Renewed key.", "Workaround.", "HF-2026-117", "Secret engineer notes", "L3", "L2")
SAYS = {
    "en": {"handed_over": "is now with", "link": "See the request"},
    "de": {"handed_over": "liegt jetzt bei", "link": "Anfrage ansehen"},
}


def _customer(world, language: str):
    user = world.users["acme_customer"]
    user.language = language
    user.save(update_fields=["language"])
    return user


def _mails(world) -> list[OutboundMail]:
    email = world.users["acme_customer"].email
    return list(OutboundMail.objects.filter(to_email=email).order_by("pk"))


def _updates(ticket) -> list[Message]:
    return list(Message.objects.filter(ticket=ticket, author__isnull=True, internal=False))


def _step(world, ticket, step: str) -> None:
    tid = ticket.pk
    if step == "hand":
        services.ticket_hand_over(actor=world.actor("acme_l1"), ticket_id=tid)
    elif step == "escalate":
        record_reproduction(world, tid)
        services.ticket_escalate(actor=world.actor("l2"), ticket_id=tid)
    elif step == "fix":
        services.ticket_take(actor=world.actor("l3"), ticket_id=tid)
        services.ticket_deliver_fix(
            actor=world.actor("l3"),
            ticket_id=tid,
            reference="HF-2026-117",
            notes="Secret engineer notes",
        )
    elif step == "resolve":
        services.ticket_resolve(
            actor=world.actor("l2"), ticket_id=tid, resolution="Workaround.", cause="usage"
        )


def _assert_clean(text: str) -> None:
    text = re.sub(r"https?://\S+", "", text)  # a signed link is random, not content
    for internal in INTERNAL:
        assert internal not in text, internal


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize(
    "where,step",
    [("in_progress@L1", "hand"), ("in_progress@L2", "escalate"), ("in_progress@L2", "resolve")],
)
def test_each_step_sends_exactly_one_branded_update_without_internal_text(
    world, language, where, step
):
    # given a customer who reads their language, and a ticket at the step's start
    _customer(world, language)
    ticket = ticket_at(world, where)
    mails_before, updates_before = len(_mails(world)), len(_updates(ticket))
    # when the step happens
    _step(world, ticket, step)
    # then exactly one mail and one public update in the portal
    mails = _mails(world)[mails_before:]
    updates = _updates(ticket)[updates_before:]
    assert len(mails) == 1, [m.subject for m in mails]
    assert len(updates) == 1
    [mail], [update] = mails, updates
    # in Acme's brand, saying who has it, with no internal content
    assert "Acme Integrations" in mail.from_email
    assert "Acme Integrations" in update.body
    assert " ".join(update.body.split()[:4]) in " ".join(mail.text_body.split())
    if step == "hand":
        assert SAYS[language]["handed_over"] in update.body
        assert SAYS[language]["link"] in mail.text_body
    for text in (mail.subject, mail.text_body, mail.html_body, update.body):
        _assert_clean(text)


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_delivered_fix_sends_one_update(world, language):
    _customer(world, language)
    ticket = ticket_at(world, "new@L3")
    mails_before = len(_mails(world))
    _step(world, ticket, "fix")
    mails = _mails(world)[mails_before:]
    assert len(mails) == 1
    assert len(_updates(ticket)) == 3  # handed over, escalated, fix delivered
    _assert_clean(mails[0].text_body)


def test_after_opt_out_optional_updates_send_no_mail_but_the_resolution_still_does(world):
    # given a customer who turned optional updates off
    _customer(world, "en")
    update_preference_set(actor=world.actor("acme_customer"), optional_updates=False)
    ticket = ticket_at(world, "in_progress@L1")
    before = len(_mails(world))
    # when the ticket is handed over: no mail (the portal still shows the update)
    _step(world, ticket, "hand")
    assert len(_mails(world)) == before
    assert len(_updates(ticket)) == 1
    # when it is resolved: the essential update is mailed, once
    services.ticket_take(actor=world.actor("l2"), ticket_id=ticket.pk)
    _step(world, ticket, "resolve")
    assert len(_mails(world)) == before + 1


def test_a_partner_template_replaces_the_vendor_default_for_its_customers_only(world):
    # given Acme's own text for the hand-over, set by Acme's admin
    update_template_set(
        actor=world.actor("acme_admin"),
        partner_id=world.acme.pk,
        step="handed_over",
        language="en",
        text="Acme here: {who} has {ticket}; answer by {next_answer}.",
    )
    _customer(world, "en")
    ticket = ticket_at(world, "in_progress@L1")
    # when it is handed over
    _step(world, ticket, "hand")
    # then the customer reads Acme's text
    [update] = _updates(ticket)
    assert update.body.startswith("Acme here: our product specialists at Acme Integrations")


def test_editing_templates_is_for_admins_of_their_own_partner_and_checks_placeholders(world):
    with pytest.raises(Forbidden):
        update_template_set(
            actor=world.actor("acme_admin"),
            partner_id=world.globex.pk,
            step="resolved",
            language="en",
            text="Done.",
        )
    with pytest.raises(Forbidden):
        update_template_set(
            actor=world.actor("acme_l1"),
            partner_id=world.acme.pk,
            step="resolved",
            language="en",
            text="Done.",
        )
    with pytest.raises(InvalidInput) as refused:
        update_template_set(
            actor=SYSTEM, partner_id=None, step="resolved", language="en", text="Hi {secret}"
        )
    assert "text" in refused.value.fields
    with pytest.raises(InvalidInput) as refused:
        update_template_set(actor=SYSTEM, partner_id=None, step="nope", language="en", text="x")
    assert "step" in refused.value.fields
    # and nothing was stored by the refused edits
    from tierdesk.updates.models import UpdateTemplate

    assert not UpdateTemplate.objects.exists()


def test_an_update_does_not_count_as_the_answer_the_customer_waits_for(world):
    # given a ticket with a running next-response clock at L2
    from tierdesk.sla.models import Clock, ClockState

    ticket = ticket_at(world, "in_progress@L2")
    services.message_add(actor=world.actor("acme_customer"), ticket_id=ticket.pk, body="Any news?")
    running = Clock.objects.filter(ticket=ticket, kind="next_response", state=ClockState.RUNNING)
    assert running.exists()
    # when the system writes a public update
    services.message_add(actor=SYSTEM, ticket_id=ticket.pk, body="Still on it.")
    # then the clock still runs
    assert running.exists()


def test_a_second_hand_over_after_a_bounce_tells_the_customer_nothing_new(world):
    # given a hand-over the customer was told of, bounced back by L2
    _customer(world, "en")
    ticket = ticket_at(world, "new@L2")
    services.ticket_bounce(
        actor=world.actor("l2"), ticket_id=ticket.pk, items=["logs"], note="Need the log."
    )
    before = len(_mails(world))
    # when L1 hands it over again
    services.ticket_hand_over(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    # then the customer gets no second update, and the bounce note never reached them
    assert len(_mails(world)) == before
    assert len(_updates(ticket)) == 1
    assert not any("Need the log." in m.text_body for m in _mails(world))


def test_the_portal_shows_when_we_answer_and_lets_the_customer_turn_updates_off(world, client):
    # given a customer's ticket handed over to L2, with its running clocks
    from tierdesk.updates.services import next_answer_at

    ticket = ticket_at(world, "new@L2")
    due = next_answer_at(ticket)
    assert due is not None
    client.force_login(world.user("acme_customer"))
    # when they open it in the portal
    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    # then it says when the next answer comes, and the hand-over update is in the thread
    from zoneinfo import ZoneInfo

    local = due.astimezone(ZoneInfo(world.user("acme_customer").time_zone))
    assert "We will answer by" in page
    assert f'datetime="{local.strftime("%Y-%m-%dT%H:%M")}' in page  # their time zone
    assert "is now with our product specialists" in page
    # when they turn the optional updates off
    response = client.post("/portal/updates/", {"next": f"/portal/tickets/{ticket.number}/"})
    assert response.status_code == 302
    assert response["Location"] == f"/portal/tickets/{ticket.number}/"
    from tierdesk.updates.models import UpdatePreference

    assert UpdatePreference.objects.get(user=world.user("acme_customer")).optional_updates is False
    # and a foreign redirect target is not followed
    response = client.post("/portal/updates/", {"optional_updates": "on", "next": "//evil"})
    assert response["Location"] == "/portal/"


def test_a_broken_stored_text_falls_back_to_the_default_and_never_stops_the_move(world):
    # given a vendor text stored past the service's check (say, through the admin)
    from django.core.exceptions import ValidationError

    from tierdesk.updates.models import UpdateTemplate

    row = UpdateTemplate(step="handed_over", language="en", text="Now with {team}.")
    with pytest.raises(ValidationError):
        row.full_clean()  # the admin's form refuses it
    row.save()
    ticket = ticket_at(world, "in_progress@L1")
    # when the ticket is handed over, it moves and the customer reads the default text
    _step(world, ticket, "hand")
    ticket.refresh_from_db()
    assert ticket.level == 2
    [update] = _updates(ticket)
    assert "is now with our product specialists" in update.body
