"""Partners in the console: the vendor's admin lists them with their people, contracts
and open tickets (a constant number of queries), adds one through the accounts service,
changes its name and brand basics and invites its first partner admin. Nobody else may."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import new_ticket
from tierdesk.accounts.models import Organisation, OrgKind, Role
from tierdesk.accounts.services import organisation_create
from tierdesk.identity.models import AuditEntry, Invitation
from tierdesk.mail.models import OutboundMail

pytestmark = pytest.mark.django_db
PAGE = "/settings/administration/partners/"


def console(world, key: str) -> Client:
    client = Client()
    client.force_login(world.user(key))
    return client


def row_of(page: str, name: str) -> list[str]:
    """The cells of the partner's row in the list."""
    row = re.search(rf"<tr>\s*<td><a [^>]*>{name}</a></td>(.*?)</tr>", page, re.S)
    assert row, name
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row[1])]


def test_the_list_counts_people_contracts_and_open_tickets(world):
    new_ticket(world)
    new_ticket(world)
    new_ticket(world, partner="globex")
    page = console(world, "admin").get(PAGE).content.decode()
    acme_people = world.acme.memberships.filter(user__is_active=True).count()
    assert row_of(page, world.acme.name)[1:] == [
        str(acme_people),
        str(world.acme.contracts.count()),
        "2",
    ]
    assert row_of(page, world.globex.name)[-1] == "1"
    assert (
        world.vendor.name not in re.findall(r'id="partners".*', page, re.S)[0].split("</table>")[0]
    )


def test_the_list_costs_the_same_queries_for_two_partners_or_five(world):
    web = console(world, "admin")
    web.get(PAGE)
    with CaptureQueriesContext(connection) as two:
        web.get(PAGE)
    for n in range(3):
        organisation_create(name=f"Partner {n}", kind=OrgKind.PARTNER)
    new_ticket(world, partner="globex")
    with CaptureQueriesContext(connection) as five:
        assert web.get(PAGE).status_code == 200
    assert len(five) == len(two)


def test_the_vendor_admin_adds_a_partner_edits_it_and_invites_its_first_admin(world):
    web = console(world, "admin")
    # when they add a partner
    added = web.post(
        PAGE,
        {
            "name": "Initech",
            "display_name": "Initech Support",
            "sender_name": "Initech",
            "primary_colour": "#112233",
            "accent_colour": "#445566",
            "ticket_tag": "INI",
        },
    )
    org = Organisation.objects.get(name="Initech")
    assert added.status_code == 302 and added["Location"] == f"{PAGE}{org.pk}/"
    assert (org.kind, org.display_name, org.primary_colour, org.ticket_tag) == (
        OrgKind.PARTNER,
        "Initech Support",
        "#112233",
        "INI",
    )
    # a second one with the same name is a clear error
    twice = web.post(
        PAGE, {"name": "initech", "primary_colour": "#112233", "accent_colour": "#445566"}
    )
    assert twice.status_code == 422 and b"exists already" in twice.content
    # edit its name and colours
    url = f"{PAGE}{org.pk}/"
    saved = web.post(
        url,
        {
            "action": "save",
            "name": "Initech GmbH",
            "display_name": "",
            "primary_colour": "#000000",
            "accent_colour": "#ffffff",
        },
    )
    assert saved.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.display_name, org.primary_colour) == ("Initech GmbH", "", "#000000")
    bad = web.post(
        url,
        {"action": "save", "name": "Initech", "primary_colour": "red", "accent_colour": "#ffffff"},
    )
    assert bad.status_code == 422
    # invite its first partner admin: the invitation service's mail goes out
    invited = web.post(
        url, {"action": "invite", "email": "boss@initech.example", "full_name": "Bill"}
    )
    assert invited.status_code == 302
    invitation = Invitation.objects.get(email="boss@initech.example")
    assert (invitation.organisation, invitation.role) == (org, Role.PARTNER_ADMIN)
    assert OutboundMail.objects.filter(to_email="boss@initech.example").exists()
    assert "boss@initech.example" in web.get(url).content.decode()
    # and each change is audited
    assert AuditEntry.objects.filter(detail__organisation=org.pk).count() == 2


@pytest.mark.parametrize("key", ["acme_admin", "acme_l1", "acme_customer", "l2", "lead"])
def test_nobody_but_the_vendor_admin_manages_partners(world, key):
    web = console(world, key)
    assert web.get(PAGE).status_code == 403
    assert (
        web.post(
            PAGE, {"name": "Sneaky", "primary_colour": "#000000", "accent_colour": "#000000"}
        ).status_code
        == 403
    )
    for org in (world.acme, world.globex):
        assert web.get(f"{PAGE}{org.pk}/").status_code == 403
        assert (
            web.post(f"{PAGE}{org.pk}/", {"action": "invite", "email": "x@y.example"}).status_code
            == 403
        )
    assert not Organisation.objects.filter(name="Sneaky").exists()
    assert not Invitation.objects.filter(email="x@y.example").exists()


def test_the_vendor_is_not_a_partner_here(world):
    web = console(world, "admin")
    assert web.get(f"{PAGE}{world.vendor.pk}/").status_code == 404
    assert web.get(f"{PAGE}999999/").status_code == 404
