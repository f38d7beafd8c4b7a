"""Only customer-facing text reaches the customer.

Every action of the workflow table is run with a unique marker in every internal field —
its own parameters (resolution, notes, reasons, the fix reference…), the ticket's L1
checks, an internal note and file, a reproduction record, the fix, the engineers' names —
and the customer-facing text (`customer_message`, the question of ask_customer) written
apart. The markers must appear in no portal page, no mail to the customer and no answer of
the API to the customer; the customer text must arrive.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.test import Client

from tests.factories import PLAIN_LOG, ticket_at
from tierdesk.accounts.services import token_create
from tierdesk.core.errors import InvalidInput
from tierdesk.mail.models import OutboundMail
from tierdesk.notify.models import OutboxEvent
from tierdesk.tickets import services, workflow
from tierdesk.tickets.forms.actions import VERIFIED_TEMPLATE
from tierdesk.tickets.models import AttachmentKind, Fix, Reproduction, Ticket, Verification
from tierdesk.tickets.services import ACTION_SERVICES

API = "/api/v1"
CUSTOMER = "acme_customer"
# The parameters that are the customer's to read; every other text parameter is internal.
CUSTOMER_KEYS = {"message", "customer_message"}
# Parameters that are codes or flags, not text anyone writes.
TYPED = {"items": ["logs", "steps"], "cause": "usage", "passed": True, "confirmed": True}

# action -> (the state it starts from, who runs it); every action of the table has one.
SETUPS = {
    "take": ("new@L2", "l2"),
    "ask_customer": ("in_progress@L2", "l2"),
    "customer_reply": ("waiting@L2", "l2"),  # an answer given by phone, recorded by L2
    "resolve": ("in_progress@L2", "l2"),
    "hand_over": ("in_progress@L1", "acme_l1"),
    "bounce": ("new@L2", "l2"),
    "escalate": ("in_progress@L2", "lead"),
    "return_to_l2": ("new@L3", "l3"),
    "deliver_fix": ("in_progress@L3", "l3"),
    "verify_fix": ("verifying@L2", "l2"),
    "reopen": ("resolved@L2", "l2"),
    "close": ("resolved@L2", "l2"),
}
# The people whose names stay internal: vendor engineers.
ENGINEERS = ("l2", "l2b", "lead", "l3")
MARK = re.compile(r"SECRET-[A-Za-z0-9_-]+-Q7")


def marker(what: str) -> str:
    return f"SECRET-{what}-Q7"


def customer_text(action: str) -> str:
    return f"Dear customer, about {action}: all is well (ok-{action})."


def test_every_action_of_the_table_is_walked():
    # the table's actions on existing tickets, each with a set-up here
    assert set(SETUPS) == {t.action for t in workflow.TRANSITIONS if t.sources}
    assert set(SETUPS) == set(ACTION_SERVICES)


def _payload(action: str, passed: bool) -> dict:
    _service, keys = ACTION_SERVICES[action]
    payload = {}
    for key in keys:
        if key in CUSTOMER_KEYS:
            if key == "customer_message" and action == "verify_fix" and not passed:
                continue  # a failed fix tells the customer nothing
            payload[key] = customer_text(action)
        elif key in TYPED:
            payload[key] = passed if key == "passed" else TYPED[key]
        else:
            payload[key] = marker(f"{action}-{key}")
    return payload


def _fill_internal(world, ticket: Ticket) -> None:
    """A marker in every internal field the ticket has before the action."""
    for key in ENGINEERS:
        user = world.user(key)
        user.full_name = marker(f"name-{key}")
        user.save()
    Ticket.objects.filter(pk=ticket.pk).update(
        check_connectivity=marker("check-connectivity"),
        check_credentials=marker("check-credentials"),
    )
    services.message_add(
        actor=world.actor("l2"), ticket_id=ticket.pk, body=marker("note"), internal=True
    )
    services.attachment_add(
        actor=world.actor("l2"),
        ticket_id=ticket.pk,
        file=PLAIN_LOG + marker("file-content").encode(),
        filename=marker("file-name") + ".log",
        kind=AttachmentKind.LOG,
    )
    Reproduction.objects.create(
        ticket=ticket,
        recorded_by=world.user("l2"),
        reproduced=True,
        steps=marker("repro-steps"),
        environment=marker("repro-environment"),
        observed=marker("repro-observed"),
        analysis=marker("repro-analysis"),
        evidence_log_lines=marker("repro-log-lines"),
    )
    Fix.objects.filter(ticket=ticket, verification=Verification.PENDING).update(
        reference=marker("fix-reference"), notes=marker("fix-notes"), release=marker("release")
    )


def _customer_api(world) -> Client:
    _, token = token_create(email=world.user(CUSTOMER).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _what_the_customer_sees(world, client: Client, ticket: Ticket) -> dict[str, str]:
    client.force_login(world.user(CUSTOMER))
    seen = {
        "portal page": client.get(f"/portal/tickets/{ticket.number}/").content.decode(),
        "portal list": client.get("/portal/?show=all").content.decode(),
    }
    api = _customer_api(world)
    for path in ("", "/messages", "/attachments", "/events", "/handover-check"):
        seen[f"API {path or 'ticket'}"] = api.get(
            f"{API}/tickets/{ticket.pk}{path}"
        ).content.decode()
    seen["API list"] = api.get(f"{API}/tickets").content.decode()
    email = world.user(CUSTOMER).email
    rows = OutboundMail.objects.filter(to_email=email).values_list(
        "subject", "text_body", "html_body"
    )
    seen["mail rows"] = json.dumps(list(rows))
    sent = [m for m in mail.outbox if email in m.to]
    seen["mail outbox"] = json.dumps([(m.subject, m.body, str(m.alternatives)) for m in sent])
    return seen


CASES = [(action, True) for action in SETUPS] + [("verify_fix", False)]


@pytest.mark.parametrize(("action", "passed"), CASES)
def test_nothing_internal_reaches_the_customer(world, client, action, passed):
    # given a ticket where the action may run, with a marker in every internal field
    where, who = SETUPS[action]
    ticket = ticket_at(world, where)
    _fill_internal(world, ticket)
    ticket.refresh_from_db()
    payload = _payload(action, passed)
    # when the action runs with a marker in every internal parameter
    services.ticket_act(
        actor=world.actor(who),
        ticket_id=ticket.pk,
        action=action,
        payload=payload,
        version=ticket.version,
    )
    # then no marker is in any portal page, mail to the customer or customer API answer
    seen = _what_the_customer_sees(world, client, ticket)
    leaks = {where: sorted(set(MARK.findall(text))) for where, text in seen.items()}
    assert {k: v for k, v in leaks.items() if v} == {}
    # and the customer text arrives: in the portal and the API, and by mail when mailed
    said = [v for k, v in payload.items() if k in CUSTOMER_KEYS]
    for text in said:
        assert text in seen["portal page"], action
        assert text in seen["API /messages"], action
        if action in ("ask_customer", "resolve", "verify_fix"):
            assert text in seen["mail rows"], action
    # and the markers were really there for staff to see (so this test can fail)
    staff = Client()
    staff.force_login(world.user("l2"))
    console = staff.get(f"/tickets/{ticket.number}/").content.decode()
    assert marker("note") in console and marker("check-connectivity") in console


def test_the_verified_fix_form_offers_the_customer_message_prefilled(world, client):
    # given a fix waiting for L2's verification
    ticket = ticket_at(world, "verifying@L2")
    client.force_login(world.user("l2"))
    # when L2 opens the ticket page
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    # then the form offers a labelled customer message, prefilled from the template
    assert 'name="verify_fix-customer_message"' in page
    assert "Message to the customer" in page
    assert str(VERIFIED_TEMPLATE)[:40] in page
    # when L2 passes the fix with internal notes and the prefilled message
    response = client.post(
        f"/tickets/{ticket.number}/act/verify_fix/",
        {
            "verify_fix-version": ticket.version,
            "verify_fix-passed": "yes",
            "verify_fix-notes": marker("verification-notes"),
            "verify_fix-customer_message": str(VERIFIED_TEMPLATE),
        },
    )
    assert response.status_code == 303
    # then the customer reads the template, and not the notes
    seen = _what_the_customer_sees(world, client, ticket)
    assert str(VERIFIED_TEMPLATE)[:40] in seen["portal page"]
    assert str(VERIFIED_TEMPLATE)[:40] in seen["mail rows"]
    assert not any(MARK.search(text) for text in seen.values())


def test_a_failed_fix_sends_no_customer_message(world, client):
    ticket = ticket_at(world, "verifying@L2")
    # (the customer was told of each step so far: handed over, escalated, fix delivered)
    public_before = ticket.messages.filter(internal=False).count()
    client.force_login(world.user("l2"))
    # when L2 fails the fix from the form (the customer message is still prefilled)
    response = client.post(
        f"/tickets/{ticket.number}/act/verify_fix/",
        {
            "verify_fix-version": ticket.version,
            "verify_fix-passed": "no",
            "verify_fix-notes": "Still 401 after the hot-fix.",
            "verify_fix-customer_message": str(VERIFIED_TEMPLATE),
        },
    )
    # then it goes back to L3 and the customer gets no message
    assert response.status_code == 303
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (3, "in_progress")
    assert ticket.messages.filter(internal=False).count() == public_before
    # and through the service, a customer message on a failed fix is refused naming it
    other = ticket_at(world, "verifying@L2")
    with pytest.raises(InvalidInput) as refused:
        services.ticket_verify_fix(
            actor=world.actor("l2"),
            ticket_id=other.pk,
            passed=False,
            notes="Still failing.",
            customer_message="All fixed!",
        )
    assert list(refused.value.fields) == ["customer_message"]
    other.refresh_from_db()
    assert other.status == "verifying"
    assert other.messages.count() == public_before


def test_the_resolved_webhook_names_what_the_customer_was_told(world):
    # given a ticket resolved with internal notes and a customer message
    ticket = ticket_at(world, "in_progress@L2")
    services.ticket_resolve(
        actor=world.actor("l2"),
        ticket_id=ticket.pk,
        resolution=marker("resolution"),
        cause="usage",
        customer_message=customer_text("resolve"),
    )
    # then the partner's ticket.resolved event carries both, each under its own name
    row = OutboxEvent.objects.filter(ticket=ticket, event="ticket.resolved").get()
    text = json.dumps(row.payload)
    assert customer_text("resolve") in text and '"customer_message"' in text


def test_a_direct_customer_never_learns_which_engineer_answered(world, client):
    # given a direct customer of the vendor whose ticket an L2 engineer answers publicly
    ticket = ticket_at(world, "in_progress@L2", partner="vendor")
    engineer = world.user("l2")
    engineer.full_name = marker("engineer-name")
    engineer.save()
    services.message_add(actor=world.actor("l2"), ticket_id=ticket.pk, body="We found it.")
    # when the customer reads the ticket in the portal and through the API
    client.force_login(world.user("direct_customer"))
    page = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    _, token = token_create(email=world.user("direct_customer").email)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    messages = api.get(f"{API}/tickets/{ticket.pk}/messages").json()
    # then the answer is support's, in the brand's name: no engineer's name or address
    assert "We found it." in page and marker("engineer-name") not in page
    assert [m["author"] for m in messages if m["body"] == "We found it."] == [None]
    assert engineer.email not in json.dumps(messages)
