"""Nothing stuck silently in mail: a title or a name with line breaks or control
characters is refused at input (422 naming the field); what reaches a header anyway (old
data, a brand's name) is cleaned before the header is built; a mail that cannot be built
fails at once, permanently, with its reason — shown to admins — instead of waiting in
`pending` for retries that cannot help."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import complete_fields, new_ticket
from tests.test_api import api_body
from tests.test_mail_support import brand, smtp_server
from tierdesk.accounts.models import Organisation
from tierdesk.accounts.services import token_create, user_create
from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM
from tierdesk.core.errors import InvalidInput
from tierdesk.mail import sending
from tierdesk.mail.models import MailKind, OutboundMail, OutboundStatus
from tierdesk.tickets import services as tickets
from tierdesk.tickets.access import visible_tickets

pytestmark = pytest.mark.django_db(transaction=True)

FORGED = "Orders fail\r\nBcc: everyone@attacker.example"


@pytest.fixture
def smtp(settings):
    yield from smtp_server(settings)


@pytest.fixture
def world_(world):
    return brand(world)


@pytest.mark.parametrize(
    "title", [FORGED, "Orders\nfail", "Orders\x00fail", "Orders\x1bfail", "Orders\u2028fail"]
)
def test_a_title_with_line_breaks_or_control_characters_is_refused(world_, title):
    # when a customer opens a ticket with such a title, by the service and by the API
    with pytest.raises(InvalidInput) as refused:
        tickets.ticket_create(
            actor=world_.actor("acme_customer"), data=complete_fields(title=title)
        )
    # then the refusal names the field and nothing is stored
    assert "title" in refused.value.fields
    _, token = token_create(email=world_.user("acme_l1").email)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = api.post(
        "/api/v1/tickets", json.dumps(api_body(title=title)), content_type="application/json"
    )
    assert answer.status_code == 422 and "title" in answer.json()["fields"]
    assert not visible_tickets(SYSTEM).exists()


def test_a_title_changed_to_two_lines_is_refused(world_):
    ticket = new_ticket(world_)
    with pytest.raises(InvalidInput) as refused:
        tickets.ticket_update(
            actor=world_.actor("acme_l1"),
            ticket_id=ticket.pk,
            changes={"title": FORGED},
            version=None,
        )
    assert set(refused.value.fields) == {"title"}


def test_a_name_with_line_breaks_is_refused(world_):
    with pytest.raises(InvalidInput) as refused:
        user_create(
            email="eve@example.test",
            organisation=world_.acme,
            role="customer",
            full_name="Eve\r\nBcc: everyone@attacker.example",
        )
    assert set(refused.value.fields) == {"full_name"}


def test_an_organisation_name_with_line_breaks_is_refused(world_):
    from tierdesk.accounts.services import organisation_create

    with pytest.raises(InvalidInput) as refused:
        organisation_create(name="Initech", kind="partner", sender_name="Initech\r\nBcc: x@y.z")
    assert set(refused.value.fields) == {"sender_name"}


def test_a_header_from_old_data_is_cleaned_and_the_mail_is_sent(world_, smtp):
    # given a ticket whose title got line breaks before they were refused, and a brand
    # name with a control character
    ticket = new_ticket(world_)
    visible_tickets(SYSTEM).filter(pk=ticket.pk).update(title=FORGED)
    Organisation.objects.filter(pk=world_.acme.pk).update(sender_name="Acme\nSupport")
    # when support answers the customer
    tickets.message_add(actor=world_.actor("acme_l1"), ticket_id=ticket.pk, body="On it.")
    # then the mail went out, on one line, to the customer alone
    mail = OutboundMail.objects.get(kind=MailKind.REPLY)
    assert mail.status == OutboundStatus.SENT and mail.attempts == 1
    received = smtp.to(world_.user("acme_customer").email)[-1]
    assert (
        received["Subject"] == f"[ACME#{ticket.number}] Orders fail Bcc: everyone@attacker.example"
    )
    assert received["Bcc"] is None and received["From"].addresses[0].display_name == "Acme Support"
    assert smtp.to("everyone@attacker.example") == []


def test_a_mail_that_cannot_be_built_fails_at_once_with_its_reason(world_, smtp, client):
    # given a mail row whose address is no address (written before addresses were checked)
    mail = OutboundMail.objects.create(
        dedup_key="broken",
        kind=MailKind.REPLY,
        to_email="ann@example.test\nBcc: everyone@attacker.example",
        from_email="Acme Support <support@acme.example>",
        subject="x",
        text_body="x",
        html_body="<p>x</p>",
        message_id="td.0.broken@acme.example",
        next_attempt_at=clock.now(),
    )
    # when the worker sends it
    status = sending.deliver(mail.pk)
    # then it failed for good on the first attempt, with the reason, and nothing went out
    mail.refresh_from_db()
    assert status == OutboundStatus.FAILED
    assert (mail.status, mail.attempts, mail.next_attempt_at) == (OutboundStatus.FAILED, 1, None)
    assert "cannot build the mail" in mail.last_error
    assert smtp.received == []
    # and admins find it among the failed mail, with its reason
    client.force_login(world_.user("admin"))
    page = client.get("/admin/mail/outboundmail/?status__exact=failed")
    assert page.status_code == 200
    assert b"cannot build the mail" in page.content
    other = client.get("/admin/mail/outboundmail/?status__exact=sent")
    assert b"cannot build the mail" not in other.content
