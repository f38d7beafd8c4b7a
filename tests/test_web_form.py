"""The L1 ticket form: the vendor's list with help on each item, a live checklist
computed by the same gate the service applies, platform URLs filling the IDs, uploads,
and "Hand over to L2" only when complete (and checked again by the server)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from tests.factories import (
    ACME_CONTRACT,
    ACME_FLOW,
    ACME_WORKSPACE,
    PLAIN_LOG,
    complete_fields,
    new_ticket,
    ticket_at,
)
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.workflow import HANDOVER_ITEMS

HX = {"HX-Request": "true"}
URL = f"https://app.example.io/c/{ACME_CONTRACT}/w/{ACME_WORKSPACE}/designer/{ACME_FLOW}/v/7"


def form_data(**overrides) -> dict:
    fields = complete_fields()
    data = {k: v for k, v in fields.items() if isinstance(v, str)}
    data.update(
        priority="normal",
        is_blocker="yes",
        occurred_at=timezone.localtime(fields["occurred_at"]).strftime("%Y-%m-%dT%H:%M"),
        needed_by=timezone.localtime(fields["needed_by"]).strftime("%Y-%m-%dT%H:%M"),
        kind="auto",
    )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def missing(response) -> set[str]:
    return {
        c.decode() for c in re.findall(rb'<li class="missing" data-code="(\w+)"', response.content)
    }


def test_the_form_lists_every_handover_item_with_its_help(world, client):
    client.force_login(world.user("acme_l1"))
    body = client.get("/tickets/new/").content.decode()
    for item in HANDOVER_ITEMS:
        assert f'id="item-{item.code}"' in body
        assert item.help.split(";")[0].replace("'", "&#x27;") in body
    # and it offers the customers of the agent's own partner only
    assert "acme_customer@example.test" in body
    assert "globex_customer@example.test" not in body


def test_a_customer_or_l2_cannot_open_the_agent_form(world, client):
    client.force_login(world.user("l2"))
    assert client.get("/tickets/new/").status_code == 403


def test_the_live_checklist_follows_what_is_typed(world, client):
    client.force_login(world.user("acme_l1"))
    # when only a title and description are typed
    partial = client.post(
        "/tickets/new/checklist/", {"title": "x", "description": "It fails."}, headers=HX
    )
    # then the partial (not a page) lists what is still missing
    assert partial.status_code == 200
    assert b"<html" not in partial.content
    assert missing(partial) == {c.code for c in HANDOVER_ITEMS}
    # when everything is typed, it is complete and the hand-over button is enabled
    partial = client.post("/tickets/new/checklist/", form_data(), headers=HX)
    assert missing(partial) == set()
    assert b"Complete" in partial.content
    button = re.search(rb"<button[^>]*value=\"hand_over\"[^>]*>", partial.content).group(0)
    assert b"disabled" not in button and b'form="ticket-form"' in button


def test_a_pasted_platform_url_fills_the_ids_for_the_checklist(world, client):
    client.force_login(world.user("acme_l1"))
    data = form_data(contract_id="", workspace_id="", flow_id="", platform_url=URL)
    partial = client.post("/tickets/new/checklist/", data, headers=HX)
    assert "platform_ids" not in missing(partial)
    # and the ID fields come back filled (htmx), asking the checklist to refresh
    ids = client.post("/tickets/platform-ids/", {"platform_url": URL}, headers=HX)
    assert ids.status_code == 200
    assert f'value="{ACME_CONTRACT}"'.encode() in ids.content
    assert f'value="{ACME_FLOW}"'.encode() in ids.content
    assert b'value="7"' in ids.content
    assert "checklist-refresh" in ids["HX-Trigger"]
    bad = client.post("/tickets/platform-ids/", {"platform_url": "https://x/c/123"}, headers=HX)
    assert b"contract ID in the URL" in bad.content


def test_open_a_ticket_with_a_platform_url_and_a_log_file(world, client, tmp_path):
    client.force_login(world.user("acme_l1"))
    log = tmp_path / "execution.log"
    log.write_bytes(PLAIN_LOG)
    data = form_data(
        contract_id="", workspace_id="", flow_id="", platform_url=URL, pasted_log="",
        customer="acme_customer@example.test",
    )  # fmt: skip
    with log.open("rb") as handle:
        response = client.post("/tickets/new/", {**data, "files": handle})
    assert response.status_code == 303
    ticket = _only_ticket(world)
    assert (ticket.contract_id, ticket.flow_id, ticket.flow_version) == (
        ACME_CONTRACT,
        ACME_FLOW,
        "7",
    )
    assert ticket.customer == world.user("acme_customer")
    assert list(ticket.attachments.values_list("filename", "kind")) == [("execution.log", "log")]
    assert response["Location"] == f"/tickets/{ticket.number}/"


def _only_ticket(world) -> Ticket:
    from tierdesk.tickets.access import visible_tickets

    return visible_tickets(world.actor("admin")).get()


def test_open_and_hand_over_in_one_go_when_complete(world, client):
    client.force_login(world.user("acme_l1"))
    response = client.post("/tickets/new/", {**form_data(), "then": "hand_over"})
    assert response.status_code == 303
    ticket = _only_ticket(world)
    assert (ticket.level, ticket.status) == (2, "new")


def test_hand_over_refused_by_the_server_shows_the_checklist(world, client):
    # given a ticket in progress at L1 without logs
    ticket = new_ticket(world, pasted_log="")
    services.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    ticket.refresh_from_db()
    client.force_login(world.user("acme_l1"))
    page = client.get(f"/tickets/{ticket.number}/edit/")
    button = re.search(rb"<button[^>]*value=\"hand_over\"[^>]*>", page.content).group(0)
    assert b"disabled" in button
    # when the agent sends "save and hand over" anyway
    data = form_data(pasted_log="", version=str(ticket.version), then="hand_over")
    response = client.post(f"/tickets/{ticket.number}/edit/", data)
    # then the form comes back with the refusal's checklist
    assert response.status_code == 422
    assert b'data-code="logs"' in response.content.split(b'id="refusal"')[1]
    ticket.refresh_from_db()
    assert ticket.level == 1


def test_edit_reports_errors_beside_their_fields(world, client):
    ticket = ticket_at(world, "in_progress@L1")
    client.force_login(world.user("acme_l1"))
    url = f"/tickets/{ticket.number}/edit/"
    # a required field left empty: the form says so beside it
    response = client.post(url, form_data(title="", version=str(ticket.version)))
    assert response.status_code == 422
    assert b'id="id_title_error"' in response.content
    # values the service refuses: each reason beside its field
    future = timezone.localtime(timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    data = form_data(occurred_at=future, contract_id="nothex", version=str(ticket.version))
    response = client.post(url, data)
    assert response.status_code == 422
    error = response.content.split(b'id="id_occurred_at_error"')[1][:200]
    assert b"future" in error
    assert b'id="id_contract_id_error"' in response.content
    ticket.refresh_from_db()
    assert ticket.contract_id == ACME_CONTRACT


def test_edit_with_a_stale_version_overwrites_nothing(world, client):
    ticket = ticket_at(world, "in_progress@L1")
    old = ticket.version
    services.ticket_update(
        actor=world.actor("acme_admin"), ticket_id=ticket.pk, changes={"title": "Theirs"},
        version=old,
    )  # fmt: skip
    client.force_login(world.user("acme_l1"))
    response = client.post(
        f"/tickets/{ticket.number}/edit/", form_data(title="Mine", version=str(old))
    )
    assert response.status_code == 409
    assert b"Nothing was overwritten" in response.content
    ticket.refresh_from_db()
    assert ticket.title == "Theirs"


def test_only_those_working_the_level_may_edit(world, client):
    ticket = ticket_at(world, "new@L2")
    client.force_login(world.user("acme_l1"))
    assert client.get(f"/tickets/{ticket.number}/edit/").status_code == 403
    client.force_login(world.user("globex_l1"))
    assert client.get(f"/tickets/{ticket.number}/edit/").status_code == 404
