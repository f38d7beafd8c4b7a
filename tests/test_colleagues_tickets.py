"""Colleagues' tickets: where a partner shares them, a customer also sees and answers the
tickets of colleagues tied to one of their contracts — decided inside the access query,
so the portal, the API and search agree — and never anyone else's."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import ACME_CONTRACT, new_ticket
from tierdesk.accounts.models import Role
from tierdesk.accounts.services import user_create
from tierdesk.core.errors import Forbidden
from tierdesk.directory.models import Contract
from tierdesk.identity.services import brand as brand_services
from tierdesk.satisfaction import services as satisfaction_services
from tierdesk.tickets import access, services

PASSWORD = "correct horse battery staple"


@pytest.fixture
def colleagues(world):
    """Two more Acme customers: one tied to Acme's contract like acme_customer, one not."""
    contract = Contract.objects.get(platform_id=ACME_CONTRACT)
    same = user_create(
        email="colleague@example.test",
        organisation=world.acme,
        role=Role.CUSTOMER,
        password=PASSWORD,
        full_name="Colleague",
    )
    other = user_create(
        email="elsewhere@example.test",
        organisation=world.acme,
        role=Role.CUSTOMER,
        password=PASSWORD,
        full_name="Elsewhere",
    )
    for user in (world.user("acme_customer"), same):
        user.membership.contracts.add(contract)
    world.users["colleague"] = same
    world.users["elsewhere"] = other
    return world


def _share(world, on: bool) -> None:
    brand_services.brand_update(
        actor=world.actor("acme_admin"),
        display_name=world.acme.display_name,
        sender_name="",
        primary_colour=world.acme.primary_colour,
        accent_colour=world.acme.accent_colour,
        logo="",
        customers_share_contract_tickets=on,
    )


def _visible(world, who) -> set[int]:
    return set(access.visible_tickets(world.actor(who)).values_list("pk", flat=True))


def test_colleagues_tickets_are_shared_only_when_the_partner_says_so(colleagues):
    world = colleagues
    # given a ticket of acme_customer's on Acme's contract, and one on no contract
    on_contract = new_ticket(world)
    no_contract = new_ticket(world, contract_id="", workspace_id="", flow_id="")
    globex = new_ticket(world, "globex")
    # when the partner does not share, each customer sees their own only
    assert _visible(world, "colleague") == set()
    assert _visible(world, "acme_customer") == {on_contract.pk, no_contract.pk}
    # when the partner admin shares colleagues' tickets
    _share(world, True)
    # then the colleague on the same contract sees that ticket, never the one without a
    # contract, and the customer not tied to the contract sees nothing; other partners'
    # customers never see it either
    assert _visible(world, "colleague") == {on_contract.pk}
    assert _visible(world, "elsewhere") == set()
    assert on_contract.pk not in _visible(world, "globex_customer")
    assert globex.pk not in _visible(world, "colleague")
    # and switching it off again takes the colleague's view away
    _share(world, False)
    assert _visible(world, "colleague") == set()


def test_another_partners_sharing_never_opens_this_partners_tickets(colleagues):
    world = colleagues
    ticket = new_ticket(world)
    world.globex.customers_share_contract_tickets = True
    world.globex.save(update_fields=["customers_share_contract_tickets"])
    assert ticket.pk not in _visible(world, "colleague")


def test_a_colleague_answers_but_only_the_tickets_customer_rates(colleagues):
    world = colleagues
    _share(world, True)
    ticket = new_ticket(world)
    colleague = world.actor("colleague")
    # the colleague reads the public conversation and answers it
    services.message_add(actor=colleague, ticket_id=ticket.pk, body="Same on our side.")
    bodies = [m.body for m in access.visible_messages(world.actor("acme_customer"), ticket)]
    assert "Same on our side." in bodies
    # but never the internal notes
    services.message_add(
        actor=world.actor("acme_l1"), ticket_id=ticket.pk, body="internal-xyz", internal=True
    )
    assert "internal-xyz" not in [m.body for m in access.visible_messages(colleague, ticket)]
    # and rating stays with the ticket's own customer
    with pytest.raises(Forbidden, match="Only the customer who reported it"):
        satisfaction_services.rating_submit(
            actor=colleague, ticket_id=ticket.pk, score=5, comment=""
        )


def test_the_portal_list_names_the_colleague_and_the_api_agrees(colleagues):
    world = colleagues
    _share(world, True)
    ticket = new_ticket(world)
    client = Client()
    client.force_login(world.user("colleague"))
    page = client.get("/portal/?show=all").content.decode()
    assert f"/portal/tickets/{ticket.number}/" in page
    assert "by your colleague Acme Customer" in page
    elsewhere = Client()
    elsewhere.force_login(world.user("elsewhere"))
    assert elsewhere.get(f"/portal/tickets/{ticket.number}/").status_code == 404
    assert (
        f"/portal/tickets/{ticket.number}/"
        not in elsewhere.get("/portal/?show=all").content.decode()
    )


def test_the_partner_admin_switches_it_on_the_brand_page(colleagues):
    world = colleagues
    client = Client()
    client.force_login(world.user("acme_admin"))
    page = client.get("/settings/administration/brand/")
    assert page.status_code == 200 and "customers_share_contract_tickets" in page.content.decode()
    answer = client.post(
        "/settings/administration/brand/",
        {
            "action": "brand",
            "display_name": "Acme Integrations",
            "sender_name": "",
            "primary_colour": "#1f4e79",
            "accent_colour": "#f2a900",
            "logo": "",
            "customers_share_contract_tickets": "on",
        },
    )
    assert answer.status_code == 302
    world.acme.refresh_from_db()
    assert world.acme.customers_share_contract_tickets is True
    # a customer cannot reach the page
    customer = Client()
    customer.force_login(world.user("acme_customer"))
    assert customer.get("/settings/administration/brand/").status_code in (403, 404)
