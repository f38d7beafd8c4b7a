"""The directory is a tenancy boundary on every write: a contract, workspace or flow the
directory knows must belong to the ticket's partner, on create and on every change, in
every surface (the services check it, so the console, portal, API, admin and mail intake
inherit it). IDs the directory does not know stay allowed. A customer tied to contracts
names only theirs. Refusals are 422 naming the field and never name the owner."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.factories import (
    ACME_CONTRACT,
    ACME_FLOW,
    ACME_WORKSPACE,
    GLOBEX_CONTRACT,
    GLOBEX_FLOW,
    GLOBEX_WORKSPACE,
    complete_fields,
    new_ticket,
    ticket_at,
)
from tierdesk.accounts.services import token_create, user_create
from tierdesk.core.actor import actor_for
from tierdesk.core.errors import InvalidInput
from tierdesk.directory.services import directory_import
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket

API = "/api/v1"
UNKNOWN = "0123456789abcdef01234567"
GLOBEX = {
    "contract_id": GLOBEX_CONTRACT,
    "workspace_id": GLOBEX_WORKSPACE,
    "flow_id": GLOBEX_FLOW,
}
GLOBEX_URL = (
    f"https://app.example.test/c/{GLOBEX_CONTRACT}/w/{GLOBEX_WORKSPACE}/designer/{GLOBEX_FLOW}/v/3"
)


def api(world, key: str) -> Client:
    _, token = token_create(email=world.user(key).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _no_owner_named(exc: InvalidInput) -> None:
    text = json.dumps(exc.fields).lower()
    assert "globex" not in text and "acme" not in text


@pytest.mark.parametrize("field", ["contract_id", "workspace_id", "flow_id"])
def test_creating_with_another_partners_id_is_refused_naming_the_field(world, field):
    # given an Acme ticket naming one Globex ID (the others are Acme's)
    data = complete_fields(**{field: GLOBEX[field]})
    # when Acme's L1 agent opens it
    with pytest.raises(InvalidInput) as refused:
        services.ticket_create(
            actor=world.actor("acme_l1"), data=data, customer="acme_customer@example.test"
        )
    # then it is refused naming that field, without saying whose the ID is; nothing stored
    assert list(refused.value.fields) == [field]
    _no_owner_named(refused.value)
    assert Ticket.objects.count() == 0


def test_a_pasted_url_of_another_partner_is_refused_naming_the_url(world):
    data = {"title": "Sync fails", "description": "It fails.", "platform_url": GLOBEX_URL}
    with pytest.raises(InvalidInput) as refused:
        services.ticket_create(actor=world.actor("acme_customer"), data=data)
    assert list(refused.value.fields) == ["platform_url"]
    _no_owner_named(refused.value)


def test_ids_the_directory_does_not_know_stay_allowed(world):
    data = complete_fields(contract_id=UNKNOWN, workspace_id=UNKNOWN, flow_id=UNKNOWN)
    ticket = services.ticket_create(actor=world.actor("acme_l1"), data=data)
    assert ticket.contract_id == UNKNOWN


def test_patch_with_another_partners_ids_is_refused_and_changes_nothing(world):
    # given an Acme ticket at L2, worked by the vendor's L2 agent
    ticket = ticket_at(world, "in_progress@L2")
    client = api(world, "l2")
    for field, value in GLOBEX.items():
        # when L2 patches one of its IDs to Globex's
        response = client.patch(
            f"{API}/tickets/{ticket.pk}",
            json.dumps({field: value, "version": ticket.version}),
            content_type="application/json",
        )
        # then it is 422 naming the field; nothing changed
        assert response.status_code == 422, field
        assert list(response.json()["fields"]) == [field]
        assert "globex" not in response.content.decode().lower()
    stored = Ticket.objects.get(pk=ticket.pk)
    assert (stored.contract_id, stored.workspace_id, stored.flow_id) == (
        ACME_CONTRACT,
        ACME_WORKSPACE,
        ACME_FLOW,
    )
    assert stored.version == ticket.version


def test_a_customer_names_only_the_contracts_they_are_tied_to(world):
    # given a second Acme contract and a customer tied to the first one only
    second = "5f1a2b3c4d5e6f7081920b00"
    directory_import(docs=[{"partner": "Acme", "contracts": [{"id": second, "name": "Acme test"}]}])
    tied = actor_for(
        user_create(
            email="tied@example.test",
            organisation=world.acme,
            role="customer",
            contract_ids=[ACME_CONTRACT],
            check_password=False,
        )
    )
    base = {"title": "Sync fails", "description": "It fails."}
    # when they name the other Acme contract
    with pytest.raises(InvalidInput) as refused:
        services.ticket_create(actor=tied, data={**base, "contract_id": second})
    # then it is refused naming the field
    assert refused.value.fields == {"contract_id": "is not one of your contracts"}
    # and their own contract, workspace and flow are fine
    ticket = services.ticket_create(
        actor=tied,
        data={
            **base,
            "contract_id": ACME_CONTRACT,
            "workspace_id": ACME_WORKSPACE,
            "flow_id": ACME_FLOW,
        },
    )
    assert ticket.contract_id == ACME_CONTRACT
    # and a customer tied to no contract may name any contract of their partner
    untied = services.ticket_create(
        actor=world.actor("acme_customer"), data={**base, "contract_id": second}
    )
    assert untied.contract_id == second


def test_the_console_form_refuses_another_partners_contract_beside_the_field(world, client):
    ticket = new_ticket(world)
    services.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    ticket.refresh_from_db()
    client.force_login(world.user("acme_l1"))
    form = {k: v for k, v in complete_fields().items() if not hasattr(v, "isoformat")}
    form.update(
        contract_id=GLOBEX_CONTRACT, is_blocker="yes", priority="normal", version=ticket.version
    )
    response = client.post(f"/tickets/{ticket.number}/edit/", form)
    assert response.status_code == 422
    assert "is not a contract of this ticket" in response.content.decode()
    assert "globex" not in response.content.decode().split("</header>", 1)[-1].lower()
    assert Ticket.objects.get(pk=ticket.pk).contract_id == ACME_CONTRACT
