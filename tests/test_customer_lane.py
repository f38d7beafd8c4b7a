"""Customers stay in their lane: no surface lets a customer set a staff-only field
(priority, incident flag, the L1 checks, another customer, a handover, the internal flag of
a message or attachment). Each is refused by the services with 422 naming the field, and
nothing is stored; the portal does not offer them. The handover's `l1_checks` item counts
only checks an L1 agent noted."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import PLAIN_LOG, complete_fields, new_ticket, ticket_at
from tierdesk.accounts.services import token_create
from tierdesk.core.errors import InvalidInput
from tierdesk.tickets import selectors, services
from tierdesk.tickets.models import AttachmentKind, Ticket

API = "/api/v1"
CHECKS = ("check_connectivity", "check_credentials")


def customer_report(**extra):
    """What a customer may report: everything but the staff-only fields."""
    fields = {k: v for k, v in complete_fields().items() if k not in CHECKS}
    return {**fields, **extra}


def api(world, key: str) -> Client:
    _, token = token_create(email=world.user(key).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def send(client: Client, method: str, path: str, body: dict):
    return getattr(client, method)(API + path, json.dumps(body), content_type="application/json")


def jsonable(fields: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in fields.items()}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("priority", "urgent"),
        ("priority", "normal"),  # even the default: the field is support's to set
        ("incident", True),
        ("check_connectivity", "I can reach the ERP."),
        ("check_credentials", "My password works."),
    ],
)
def test_a_customer_report_with_a_staff_only_field_is_refused_naming_it(world, field, value):
    # given a customer's report carrying a staff-only field
    customer = world.actor("acme_customer")
    # when they open it
    with pytest.raises(InvalidInput) as refused:
        services.ticket_create(actor=customer, data=customer_report(**{field: value}))
    # then it is refused naming the field, and no ticket is stored
    assert list(refused.value.fields) == [field]
    assert Ticket.objects.count() == 0


def test_a_customer_may_not_report_for_someone_else_or_straight_to_l2(world):
    customer = world.actor("acme_customer")
    # when a customer names another customer, or asks for a handover straight to L2
    with pytest.raises(InvalidInput) as other:
        services.ticket_create(
            actor=customer, data=customer_report(), customer="acme_l1@example.test"
        )
    with pytest.raises(InvalidInput) as handed:
        services.ticket_create(actor=customer, data=customer_report(), hand_over=True)
    # then each is refused naming the field
    assert list(other.value.fields) == ["customer"]
    assert list(handed.value.fields) == ["hand_over"]
    # and naming themselves is fine
    ticket = services.ticket_create(
        actor=customer, data=customer_report(), customer="ACME_customer@example.test"
    )
    assert ticket.customer == world.user("acme_customer")


@pytest.mark.parametrize("field", ["priority", "incident", *CHECKS])
def test_a_customer_edit_of_a_staff_only_field_is_refused_and_changes_nothing(world, field):
    # given the customer's ticket at L1 (a customer may edit it there)
    ticket = new_ticket(world)
    value = {"priority": "urgent", "incident": True}.get(field, "typed by the customer")
    # when the customer changes a staff-only field along with a field of theirs
    with pytest.raises(InvalidInput) as refused:
        services.ticket_update(
            actor=world.actor("acme_customer"),
            ticket_id=ticket.pk,
            changes={field: value, "title": "Changed by the customer"},
            version=ticket.version,
        )
    # then it is refused naming the field, and nothing changed
    assert list(refused.value.fields) == [field]
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.version, stored.title) == (ticket.version, ticket.title)


def test_a_customer_may_not_mark_a_message_or_a_file_internal(world):
    ticket = ticket_at(world, "in_progress@L1")
    customer = world.actor("acme_customer")
    # when the customer writes an internal note, or uploads an internal file
    with pytest.raises(InvalidInput) as note:
        services.message_add(actor=customer, ticket_id=ticket.pk, body="psst", internal=True)
    with pytest.raises(InvalidInput) as upload:
        services.attachment_add(
            actor=customer,
            ticket_id=ticket.pk,
            file=PLAIN_LOG,
            filename="run.log",
            kind=AttachmentKind.LOG,
            internal=True,
        )
    # then each is refused naming `internal`, and nothing is stored
    assert list(note.value.fields) == ["internal"] and list(upload.value.fields) == ["internal"]
    assert not ticket.messages.exists() and not ticket.attachments.exists()
    # and without the flag (or with internal=False) both are public
    message = services.message_add(actor=customer, ticket_id=ticket.pk, body="hello")
    upload_ok = services.attachment_add(
        actor=customer,
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename="run.log",
        kind=AttachmentKind.LOG,
        internal=False,
    )
    assert (message.internal, upload_ok.internal) == (False, False)


def test_the_api_refuses_a_customers_staff_only_fields_with_422_naming_them(world):
    customer = api(world, "acme_customer")
    # when a customer opens a ticket through the API asking for urgent priority and L1 checks
    body = jsonable(customer_report(priority="urgent"))
    body["l1_checks"] = {"connectivity": "fine", "credentials": "fine"}
    created = send(customer, "post", "/tickets", body)
    # then it is 422 naming each staff-only field, and nothing is stored
    assert created.status_code == 422
    assert {"priority", *CHECKS} <= set(created.json()["fields"])
    assert Ticket.objects.count() == 0
    # when they patch their own ticket's incident flag
    ticket = new_ticket(world)
    patched = send(customer, "patch", f"/tickets/{ticket.pk}", {"incident": True, "version": 1})
    assert patched.status_code == 422 and list(patched.json()["fields"]) == ["incident"]
    assert Ticket.objects.get(pk=ticket.pk).incident is False
    # when they upload a file marked internal
    upload = customer.post(
        f"{API}/tickets/{ticket.pk}/attachments",
        {"file": _file("run.log", PLAIN_LOG), "kind": "log", "internal": "true"},
    )
    assert upload.status_code == 422 and "internal" in upload.json()["fields"]
    assert not ticket.attachments.exists()


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/plain")


def test_the_portal_form_does_not_offer_staff_only_fields(world, client):
    client.force_login(world.user("acme_customer"))
    # when the customer opens the report form and a ticket's page
    ticket = ticket_at(world, "in_progress@L1")
    pages = [client.get("/portal/new/"), client.get(f"/portal/tickets/{ticket.number}/")]
    # then neither offers a staff-only field
    for page in pages:
        assert page.status_code == 200
        for name in ("priority", "incident", *CHECKS, "internal", "customer", "hand_over"):
            assert f'name="{name}"'.encode() not in page.content, name


# ---------------------------------------------------------------------------------------
# The l1_checks item counts only an L1 agent's notes
# ---------------------------------------------------------------------------------------
def _l1_checks_missing(ticket: Ticket) -> bool:
    ticket = Ticket.objects.get(pk=ticket.pk)
    missing = selectors.handover_check(ticket)["missing"]
    return "l1_checks" in [m["code"] for m in missing]


def test_a_customers_report_lacks_the_l1_checks_until_an_l1_agent_notes_them(world):
    # given a customer's complete report, taken by L1
    ticket = services.ticket_create(actor=world.actor("acme_customer"), data=customer_report())
    l1 = world.actor("acme_l1")
    services.ticket_take(actor=l1, ticket_id=ticket.pk)
    # then the l1_checks item is missing
    assert _l1_checks_missing(ticket)
    # when the L1 agent notes the checks
    fresh = Ticket.objects.get(pk=ticket.pk)
    services.ticket_update(
        actor=l1,
        ticket_id=ticket.pk,
        changes={"check_connectivity": "Pinged the ERP.", "check_credentials": "Key valid."},
        version=fresh.version,
    )
    # then the item is satisfied, noted by that agent
    assert not _l1_checks_missing(ticket)
    assert Ticket.objects.get(pk=ticket.pk).l1_checks_by == world.user("acme_l1")


def test_checks_changed_by_someone_other_than_l1_staff_stop_counting(world):
    # given a ticket whose checks an L1 agent noted
    ticket = ticket_at(world, "in_progress@L1")
    assert not _l1_checks_missing(ticket)
    # when a support lead rewrites one of them
    services.ticket_update(
        actor=world.actor("lead"),
        ticket_id=ticket.pk,
        changes={"check_connectivity": "Looks fine to me."},
        version=ticket.version,
    )
    # then the item is missing again, and the hand-over is refused for it
    assert _l1_checks_missing(ticket)
    assert Ticket.objects.get(pk=ticket.pk).l1_checks_by is None


def test_the_live_checklist_counts_checks_typed_by_an_l1_agent_only(world):
    # given a saved ticket without checks
    ticket = new_ticket(world, check_connectivity="", check_credentials="")
    typed = {"check_connectivity": "Pinged.", "check_credentials": "Key valid."}
    # when an L1 agent and a lead type the checks into the form
    by_l1 = selectors.handover_check(ticket, typed, typist=world.actor("acme_l1"))
    by_lead = selectors.handover_check(ticket, typed, typist=world.actor("lead"))
    # then only the L1 agent's typing satisfies the item
    assert "l1_checks" not in [m["code"] for m in by_l1["missing"]]
    assert "l1_checks" in [m["code"] for m in by_lead["missing"]]
