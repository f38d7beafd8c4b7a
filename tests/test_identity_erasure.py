"""Erasing a customer: afterwards their name, email address and words appear in no text
column of any table (a raw scan), in no stored file and in no mail, while the number of
tickets, their states and their events stay the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.models import Count
from django.test import Client

from tests.factories import PLAIN_LOG, complete_fields
from tierdesk.accounts.services import user_create
from tierdesk.core.errors import NotFound
from tierdesk.identity.erasure import person_erase
from tierdesk.identity.models import AuditEntry, AuditKind
from tierdesk.mail.models import OutboundMail
from tierdesk.tickets import services
from tierdesk.tickets.models import Attachment, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

NAME = "Zenobia Quirrell"
EMAIL = "zenobia.quirrell@customer.example"
WORDS = "Marmalade-Protocol-7741"
LOG_WORDS = b"zenobia-private-log-line-5512"


def raw_scan(needles: list[str]) -> list[str]:
    """Every (table.column) whose raw text holds one of the needles: all tables, all
    text-like columns, read with SQL."""
    found = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in apps.get_models():
            for field in model._meta.concrete_fields:
                if not isinstance(
                    field,
                    models.CharField | models.TextField | models.JSONField | models.BinaryField,
                ):
                    continue
                cursor.execute(
                    f"SELECT {quote(field.column)} FROM {quote(model._meta.db_table)}"
                )
                for (value,) in cursor.fetchall():
                    if value is None:
                        continue
                    text = (
                        bytes(value).decode("utf-8", "replace")
                        if isinstance(value, bytes | memoryview)
                        else str(value)
                    )
                    for needle in needles:
                        if needle.lower() in text.lower():
                            found.append(f"{model._meta.db_table}.{field.column}: {needle}")
    return found


def files_holding(root: Path, needle: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes()]


def figures() -> dict:
    return {
        "tickets": Ticket.objects.count(),
        "by_state": sorted(
            Ticket.objects.values_list("status", "level", "partner_id").annotate(n=Count("pk"))
        ),
        "events": sorted(TicketEvent.objects.values_list("kind").annotate(n=Count("pk"))),
    }


def test_after_erasing_a_customer_nothing_of_them_is_left_and_the_figures_stay(world, tmp_path):
    # given a customer with a distinctive name, a ticket about them, their message, their
    # log file, and the mails that went out about it
    kim = user_create(
        email=EMAIL, organisation=world.acme, role="customer", full_name=NAME, check_password=False
    )
    ticket = services.ticket_create(
        actor=world.actor("acme_l1"),
        data=complete_fields(description=f"{NAME} ({EMAIL}) reports: {WORDS} fails."),
        customer=kim,
    )
    from tierdesk.core.actor import actor_for

    services.message_add(actor=actor_for(kim), ticket_id=ticket.pk, body=f"Still {WORDS}.")
    services.message_add(
        actor=world.actor("acme_l1"), ticket_id=ticket.pk, body=f"Hello {NAME}, we look at it."
    )
    services.attachment_add(
        actor=actor_for(kim),
        ticket_id=ticket.pk,
        file=PLAIN_LOG + LOG_WORDS,
        filename="zenobia.log",
        kind="log",
    )
    services.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    assert OutboundMail.objects.filter(to_email=EMAIL).exists()
    storage = Path(Attachment.objects.get(filename="zenobia.log").file.storage.location)
    assert files_holding(storage, LOG_WORDS)
    assert raw_scan([NAME, EMAIL, WORDS])  # the scan finds them before
    before = figures()
    # when Acme's partner admin erases them
    person_erase(actor=world.actor("acme_admin"), user_id=kim.pk)
    # then no text column of any table holds their name, address or words
    assert raw_scan([NAME, EMAIL, WORDS, LOG_WORDS.decode()]) == []
    # no stored file holds their log, no mail their address
    assert files_holding(storage, LOG_WORDS) == []
    assert not OutboundMail.objects.filter(to_email__icontains="zenobia").exists()
    # the tickets, their states and events are unchanged in number
    assert figures() == before
    ticket.refresh_from_db()
    assert ticket.customer_id == kim.pk and ticket.events.exists()
    kim.refresh_from_db()
    assert kim.email == f"erased-{kim.pk}@erased.invalid" and not kim.is_active
    assert not kim.has_usable_password()
    # the request and its completion are audited
    kinds = list(AuditEntry.objects.filter(subject=kim).values_list("kind", flat=True))
    assert {AuditKind.PERSON_ERASURE_REQUESTED, AuditKind.PERSON_ERASED} <= set(kinds)


def test_a_partner_admin_cannot_erase_another_organisations_customer(world):
    target = world.user("globex_customer")
    with pytest.raises(NotFound):
        person_erase(actor=world.actor("acme_admin"), user_id=target.pk)
    target.refresh_from_db()
    assert target.is_active and "erased" not in target.email


def test_the_console_erases_after_a_confirmation(world):
    target = world.user("acme_customer")
    web = Client()
    web.force_login(world.user("acme_admin"))
    answer = web.post(
        f"/settings/administration/people/{target.pk}/", {"action": "erase", "confirm": ""}
    )
    target.refresh_from_db()
    assert answer.status_code == 422 and target.is_active
    web.post(
        f"/settings/administration/people/{target.pk}/",
        {"action": "erase", "confirm": target.email},
    )
    target.refresh_from_db()
    assert target.email.endswith("@erased.invalid")
