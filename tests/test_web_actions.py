"""The action forms of the ticket page: each posts through `ticket_act` with the ticket's
version; a gate's refusal shows its checklist (422), a stale version a clear message (409)
with nothing overwritten; messages, uploads and the reproduction record."""

from __future__ import annotations

import re

import pytest

from tests.factories import PLAIN_LOG, new_ticket, record_reproduction, ticket_at
from tierdesk.tickets import services
from tierdesk.tickets.models import Ticket

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def act(client, ticket: Ticket, action: str, version: int | None = None, **fields):
    data = {f"{action}-{key}": value for key, value in fields.items()}
    data[f"{action}-version"] = ticket.version if version is None else version
    return client.post(f"/tickets/{ticket.number}/act/{action}/", data)


def fresh(ticket: Ticket) -> Ticket:
    ticket.refresh_from_db()
    return ticket


def missing_codes(response) -> set[str]:
    notice = response.content.split(b'id="refusal"')[1].split(b"</div>")[0]
    return {c.decode() for c in re.findall(rb'data-code="([\w.]+)"', notice)}


IP, WAIT, L1, L1IP, L2 = "in_progress", "waiting_on_customer", "acme_l1", "in_progress@L1", "l2"
HAPPY = [
    # (who, start, action, fields, expected (level, status))
    (L1, "new@L1", "take", {}, (1, IP)),
    (L1, L1IP, "ask_customer", {"message": "Which order?"}, (1, WAIT)),
    (L1, "waiting@L1", "customer_reply", {"message": "Order 4711."}, (1, IP)),
    (L1, L1IP, "resolve", {"resolution": "New key.", "cause": "credentials"}, (1, "resolved")),
    (L1, L1IP, "hand_over", {}, (2, "new")),
    (L2, "new@L2", "bounce", {"items": ["logs", "steps"], "note": "Log cut off."}, (1, IP)),
    (L2, "new@L2", "take", {}, (2, IP)),
    ("l3", "new@L3", "return_to_l2", {"reason": "Configuration."}, (2, IP)),
    ("l3", "in_progress@L3", "deliver_fix", {"reference": "HF-1", "notes": "x"}, (2, "verifying")),
    (L2, "verifying@L2", "verify_fix", {"passed": "yes", "notes": "Works."}, (2, "resolved")),
    (L2, "verifying@L2", "verify_fix", {"passed": "no", "notes": "Still 401."}, (3, IP)),
    (L1, "resolved@L1", "reopen", {"reason": "Fails again."}, (1, IP)),
    (L1, "resolved@L1", "close", {"confirmed": "on"}, (1, "closed")),
]


@pytest.mark.parametrize(("who", "start", "action", "fields", "expected"), HAPPY)
def test_each_action_form_moves_the_ticket_through_the_service(
    world, client, who, start, action, fields, expected
):
    # given a ticket where the action is allowed, and the person who may take it
    ticket = ticket_at(world, start)
    client.force_login(world.user(who))
    page = client.get(f"/tickets/{ticket.number}/")
    # then the page offers the action as a form
    assert f"/act/{action}/".encode() in page.content
    # when they send it
    response = act(client, ticket, action, **fields)
    # then the ticket moved, one version on, and the page follows
    assert response.status_code == 303, response.content[:3000]
    ticket = fresh(ticket)
    assert (ticket.level, ticket.status) == expected
    assert response["Location"] == f"/tickets/{ticket.number}/"


def test_escalate_with_a_complete_reproduction(world, client):
    ticket = ticket_at(world, "in_progress@L2")
    record_reproduction(world, ticket.pk)
    client.force_login(world.user("l2"))
    page = client.get(f"/tickets/{ticket.number}/")
    assert b"ready to escalate" in page.content
    response = act(client, fresh(ticket), "escalate")
    assert response.status_code == 303
    assert (fresh(ticket).level, ticket.status) == (3, "new")


REFUSED = [
    # (who, start, action, fields, missing codes shown)
    ("acme_l1", "in_progress@L1", "ask_customer", {}, {"message"}),
    ("acme_l1", "waiting@L1", "customer_reply", {"message": "  "}, {"message"}),
    ("acme_l1", "in_progress@L1", "resolve", {"resolution": "x"}, {"cause"}),
    ("l2", "new@L2", "bounce", {}, {"items", "note"}),
    ("l2", "in_progress@L2", "escalate", {}, {"reproduction"}),
    ("l3", "new@L3", "return_to_l2", {}, {"reason"}),
    ("l3", "in_progress@L3", "deliver_fix", {"notes": "x"}, {"reference"}),
    ("l2", "verifying@L2", "verify_fix", {}, {"passed"}),
    ("l2", "verifying@L2", "verify_fix", {"passed": "no"}, {"notes"}),
    ("acme_l1", "resolved@L1", "reopen", {}, {"reason"}),
    ("acme_l1", "resolved@L1", "close", {}, {"confirmed"}),
]


@pytest.mark.parametrize(("who", "start", "action", "fields", "codes"), REFUSED)
def test_a_refused_action_shows_its_checklist_and_changes_nothing(
    world, client, who, start, action, fields, codes
):
    ticket = ticket_at(world, start)
    before = (ticket.level, ticket.status, ticket.version)
    client.force_login(world.user(who))
    # when the form is sent without what the gate needs
    response = act(client, ticket, action, **fields)
    # then the page comes back with the missing items listed, status 422, no trace
    assert response.status_code == 422
    assert missing_codes(response) == codes
    assert b"Traceback" not in response.content
    # and the form stays open with the reasons beside its fields (verify's form is
    # always open, beside the reproduction)
    if action != "verify_fix":
        assert b'<details class="action" open>' in response.content
    assert b'class="errorlist"' in response.content or action == "escalate"
    ticket = fresh(ticket)
    assert (ticket.level, ticket.status, ticket.version) == before


def test_hand_over_of_an_incomplete_ticket_lists_every_missing_item(world, client):
    ticket = new_ticket(world, pasted_log="", check_credentials="", needed_by=None)
    services.ticket_take(actor=world.actor("acme_l1"), ticket_id=ticket.pk)
    client.force_login(world.user("acme_l1"))
    page = client.get(f"/tickets/{fresh(ticket).number}/")
    # the page shows the checklist with the button disabled
    assert re.search(rb'value="hand_over"[^>]*disabled', page.content)
    # and the server refuses a hand-over sent anyway
    response = act(client, ticket, "hand_over")
    assert response.status_code == 422
    assert missing_codes(response) == {"logs", "deadline", "l1_checks"}
    assert fresh(ticket).level == 1


def test_a_stale_version_is_refused_with_a_clear_message_and_nothing_overwritten(world, client):
    # given an agent who loaded the page, and a colleague who answered meanwhile
    ticket = ticket_at(world, "in_progress@L1")
    loaded_version = ticket.version
    services.ticket_ask_customer(
        actor=world.actor("acme_admin"), ticket_id=ticket.pk, message="Which order?"
    )
    client.force_login(world.user("acme_l1"))
    # when the agent resolves with the version they saw
    response = act(
        client, ticket, "resolve", version=loaded_version, resolution="Fixed", cause="usage"
    )
    # then it is refused as stale, the colleague's change stands, their text is kept
    assert response.status_code == 409
    assert b"Someone changed this ticket since you opened it" in response.content
    assert b"Nothing was overwritten" in response.content
    ticket = fresh(ticket)
    assert ticket.status == "waiting_on_customer"
    assert ticket.resolution == ""


def test_only_a_support_lead_sees_and_uses_the_override(world, client):
    ticket = ticket_at(world, "in_progress@L2")
    client.force_login(world.user("l2"))
    page = client.get(f"/tickets/{ticket.number}/")
    assert b"escalate-override_reason" not in page.content
    # without a complete reproduction its button is disabled (the gate is shown)
    assert b'disabled aria-disabled="true">Escalate to L3' in page.content
    # an L2 agent who sends an override anyway is refused by the gate
    response = act(client, ticket, "escalate", override_reason="Customer is on fire")
    assert response.status_code == 422
    # the lead sees the field and may escalate with a reason
    client.force_login(world.user("lead"))
    page = client.get(f"/tickets/{ticket.number}/")
    assert b'name="escalate-override_reason"' in page.content
    response = act(client, ticket, "escalate", override_reason="Outage for three partners")
    assert response.status_code == 303
    ticket = fresh(ticket)
    assert (ticket.level, ticket.status) == (3, "new")
    assert ticket.events.filter(kind="escalation_overridden").exists()


def test_an_action_the_role_may_not_take_is_403_and_not_yours_is_404(world, client):
    ticket = ticket_at(world, "new@L2")
    client.force_login(world.user("acme_l1"))
    assert act(client, ticket, "bounce", items=["logs"], note="x").status_code == 403
    client.force_login(world.user("globex_l1"))
    assert act(client, ticket, "take").status_code == 404
    client.force_login(world.user("l2"))
    assert act(client, ticket, "fly_away").status_code == 404


def test_a_wrong_state_is_a_conflict_on_the_page(world, client):
    ticket = ticket_at(world, "new@L2")
    services.ticket_take(actor=world.actor("l2b"), ticket_id=ticket.pk)
    client.force_login(world.user("l2"))
    response = act(client, ticket, "take", version="")
    assert response.status_code == 409
    assert b'id="refusal"' in response.content


def test_messages_reply_and_internal_note(world, client):
    ticket = ticket_at(world, "in_progress@L1")
    client.force_login(world.user("acme_l1"))
    url = f"/tickets/{ticket.number}/messages/"
    assert client.post(url, {"body": "We look into it.", "internal": "no"}).status_code == 303
    assert client.post(url, {"body": "Proxy suspected.", "internal": "yes"}).status_code == 303
    assert list(ticket.messages.values_list("body", "internal")) == [
        ("We look into it.", False),
        ("Proxy suspected.", True),
    ]
    # an empty message is refused beside the field
    response = client.post(url, {"body": "", "internal": "no"})
    assert response.status_code == 422
    assert b'id="id_body_error"' in response.content
    # a customer's post to the console is sent to the portal, and writes nothing
    client.force_login(world.user("acme_customer"))
    response = client.post(url, {"body": "Hello", "internal": "yes"})
    assert response.status_code == 303 and response["Location"].startswith("/portal/")
    assert not ticket.messages.filter(body="Hello").exists()


def test_upload_refuses_an_image_as_a_log_beside_the_field(world, client, tmp_path):
    ticket = ticket_at(world, "in_progress@L1")
    client.force_login(world.user("acme_l1"))
    shot = tmp_path / "log-screenshot.png"
    shot.write_bytes(PNG)
    with shot.open("rb") as handle:
        response = client.post(
            f"/tickets/{ticket.number}/attachments/", {"files": handle, "kind": "log"}
        )
    assert response.status_code == 422
    errors = response.content.split(b'id="id_files_error"')[1].split(b"</ul>")[0]
    assert b"log-screenshot.png" in errors and b"not a text log" in errors
    assert not ticket.attachments.exists()


def test_upload_by_content_sorts_logs_and_screenshots(world, client, tmp_path):
    ticket = ticket_at(world, "in_progress@L1")
    client.force_login(world.user("acme_l1"))
    (tmp_path / "exec.log").write_bytes(PLAIN_LOG)
    (tmp_path / "screen.png").write_bytes(PNG)
    with (tmp_path / "exec.log").open("rb") as log, (tmp_path / "screen.png").open("rb") as png:
        response = client.post(
            f"/tickets/{ticket.number}/attachments/",
            {"files": [log, png], "kind": "auto", "internal": "on"},
        )
    assert response.status_code == 303
    assert dict(ticket.attachments.values_list("filename", "kind")) == {
        "exec.log": "log",
        "screen.png": "screenshot",
    }


def test_reproduction_form_records_with_evidence_and_the_gate_follows(world, client):
    ticket = ticket_at(world, "in_progress@L2")
    evidence = services.attachment_add(
        actor=world.actor("l2"), ticket_id=ticket.pk, file=PLAIN_LOG, filename="run.log", kind="log"
    )
    client.force_login(world.user("l2"))
    page = client.get(f"/tickets/{ticket.number}/")
    assert b'name="evidence"' in page.content and b"run.log" in page.content
    # the live gate for a half-typed record (htmx)
    check = client.post(
        f"/tickets/{ticket.number}/reproduction/check/",
        {"reproduced": "on", "steps": "1. Run"},
        headers={"HX-Request": "true"},
    )
    assert check.status_code == 200 and b"<html" not in check.content
    assert b'data-code="reproduction.observed"' in check.content
    # the record itself
    response = client.post(
        f"/tickets/{ticket.number}/reproduction/",
        {
            "reproduced": "on",
            "steps": "1. Run the flow",
            "environment": "staging copy",
            "observed": "401",
            "analysis": "Token not kept",
            "evidence": [evidence.pk],
        },
    )
    assert response.status_code == 303
    record = ticket.reproductions.get()
    assert list(record.evidence.all()) == [evidence]
    assert b"ready to escalate" in client.get(f"/tickets/{ticket.number}/").content


def test_verify_shows_the_reproduction_beside_the_form(world, client):
    ticket = ticket_at(world, "verifying@L2")
    client.force_login(world.user("l2"))
    page = client.get(f"/tickets/{ticket.number}/").content
    verify = page.split(b'id="verify"')[1].split(b"</details>")[0]
    assert b"/act/verify_fix/" in verify
    assert b"Reproduction record" in verify
    assert b"Token is not persisted" in verify or b"refresh token is not persisted" in verify
    assert b"HF-2026-117" in verify
