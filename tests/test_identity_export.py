"""Exporting everything held about a person: a zip of person.json and their attachments,
from the console and the API, for themselves or by their administrator only; audited."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.test import Client

from tests.factories import PLAIN_LOG, new_ticket
from tierdesk.accounts.services import token_create
from tierdesk.identity.models import AuditEntry, AuditKind
from tierdesk.tickets import services

pytestmark = pytest.mark.django_db


def unzip(content: bytes) -> tuple[dict, dict[str, bytes]]:
    archive = zipfile.ZipFile(io.BytesIO(content))
    files = {n: archive.read(n) for n in archive.namelist()}
    return json.loads(files.pop("person.json")), files


def test_a_customer_downloads_everything_held_about_them(world):
    # given a ticket of Acme's customer, with their message and their upload
    customer = world.user("acme_customer")
    ticket = new_ticket(world)
    services.message_add(
        actor=world.actor("acme_customer"), ticket_id=ticket.pk, body="My flow stopped at 9."
    )
    services.attachment_add(
        actor=world.actor("acme_customer"),
        ticket_id=ticket.pk,
        file=PLAIN_LOG,
        filename="flow.log",
        kind="log",
    )
    client = Client()
    client.force_login(customer)
    # when they download their data from their settings
    answer = client.get("/settings/export/")
    # then it is a zip with their person, their ticket and their file
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    data, files = unzip(answer.content)
    assert data["person"]["email"] == customer.email
    assert data["membership"]["role"] == "customer"
    assert ticket.number in [t["number"] for t in data["tickets"]]
    assert "My flow stopped at 9." in [m["body"] for m in data["messages"]]
    [name] = [n for n in files if n.endswith("-flow.log")]
    assert files[name] == PLAIN_LOG
    assert AuditEntry.objects.filter(kind=AuditKind.PERSON_EXPORTED, subject=customer).exists()


def test_an_administrator_exports_their_own_people_only(world):
    _, token = token_create(email=world.user("acme_admin").email)
    rest = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    own = rest.get(f"/api/v1/people/{world.user('acme_customer').pk}/export")
    assert own.status_code == 200
    # the served header is the one the document declares (person_export)
    assert re.fullmatch(
        r'attachment; filename="tierdesk-person-\d+-\d{8}\.zip"', own["Content-Disposition"]
    )
    assert unzip(own.content)[0]["person"]["email"] == world.user("acme_customer").email
    assert rest.get(f"/api/v1/people/{world.user('globex_customer').pk}/export").status_code == 404
    web = Client()
    web.force_login(world.user("acme_admin"))
    other = world.user("globex_customer").pk
    assert web.get(f"/settings/administration/people/{other}/export/").status_code == 404
    # an agent cannot export a colleague
    agent = Client()
    agent.force_login(world.user("acme_l1"))
    target = world.user("acme_customer").pk
    assert agent.get(f"/settings/administration/people/{target}/export/").status_code == 404
