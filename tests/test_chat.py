"""Chat services, access and the handover that writes itself from the transcript."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories import ACME_CONTRACT, ACME_FLOW, ACME_WORKSPACE, PLAIN_LOG
from tierdesk.chat import access, handover, selectors, services
from tierdesk.chat.extract import Line, extract
from tierdesk.chat.models import ChatOutcome, ChatStatus, MessageKind
from tierdesk.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    TransitionRefused,
    WrongState,
)
from tierdesk.tickets import access as ticket_access
from tierdesk.tickets.models import Status

URL = f"https://app.elastic.io/c/{ACME_CONTRACT}/w/{ACME_WORKSPACE}/designer/{ACME_FLOW}/v/3"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


def _live(world, customer="acme_customer", agent="acme_l1"):
    services.presence_set(actor=world.actor(agent), available=True)
    chat = services.chat_start(actor=world.actor(customer), body="My orders flow fails")
    services.chat_accept(actor=world.actor(agent), chat_id=chat.pk)
    return chat


# --- extraction (pure) -----------------------------------------------------------------
def test_extract_finds_ids_moments_and_error_lines():
    # given a transcript with a platform URL, a time of day and an error line
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    lines = [
        Line(True, "Orders are not synced"),
        Line(False, "Can you paste the flow's URL?"),
        Line(True, f"Here: {URL}. It broke today at 09:15"),
        Line(True, "The log says: ERROR HTTP 401 Unauthorized from ERP\nall else fine"),
    ]
    # when the draft is extracted
    found = extract(lines, now=now, tz=ZoneInfo("Europe/Berlin"))
    # then the IDs, the moment (Berlin time) and the error line are picked out
    assert (found["contract_id"], found["workspace_id"], found["flow_id"]) == (
        ACME_CONTRACT,
        ACME_WORKSPACE,
        ACME_FLOW,
    )
    assert found["occurred_at"] == "2026-12-07T09:15:00+01:00"
    assert found["pasted_log"] == "The log says: ERROR HTTP 401 Unauthorized from ERP"
    assert found["description"] == "Orders are not synced"


def test_extract_ignores_future_moments_and_malformed_ids():
    now = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    lines = [Line(True, "It will run at 23:30, contract 12345 and 2027-01-01 10:00")]
    found = extract(lines, now=now, tz=ZoneInfo("UTC"))
    assert "occurred_at" not in found and "contract_id" not in found


# --- services and access ---------------------------------------------------------------
def test_a_chat_is_answered_and_measured(world):
    # given an available agent and a waiting chat
    services.presence_set(actor=world.actor("acme_l1"), available=True)
    chat = services.chat_start(actor=world.actor("acme_customer"), body="Help please")
    assert chat.status == ChatStatus.WAITING
    assert selectors.place_in_line(chat) == 1
    assert list(selectors.waiting_chats(world.actor("acme_l1"))) == [chat]
    # when the agent accepts and both write
    services.chat_accept(actor=world.actor("acme_l1"), chat_id=chat.pk)
    services.chat_post(actor=world.actor("acme_l1"), chat_id=chat.pk, body="Hello!")
    services.chat_post(actor=world.actor("acme_l1"), chat_id=chat.pk, body="n", internal=True)
    services.chat_end(actor=world.actor("acme_l1"), chat_id=chat.pk)
    # then the messages are numbered without gaps, the customer never reads the note,
    # and the measures count a chat resolved without a ticket
    chat.refresh_from_db()
    assert chat.outcome == ChatOutcome.RESOLVED and chat.wait_seconds is not None
    staff = selectors.messages_after(world.actor("acme_l1"), chat.pk, 0)
    assert [m["seq"] for m in staff] == [1, 2, 3, 4, 5]
    customer = selectors.messages_after(world.actor("acme_customer"), chat.pk, 0)
    assert MessageKind.NOTE not in [m["kind"] for m in customer]
    figures = selectors.measures(access.visible_chats(world.actor("acme_l1")))
    assert figures["resolved_without_ticket"] == 1
    assert figures["per_agent"] == {world.user("acme_l1").pk: 1}


def test_nobody_available_turns_the_chat_into_a_ticket_with_the_same_text(world):
    # given nobody of Acme available
    # when the customer starts a chat
    chat = services.chat_start(actor=world.actor("acme_customer"), body="Flow stopped")
    # then it is a ticket of theirs at once, with the same text
    assert chat.outcome == ChatOutcome.NO_AGENT and chat.ticket is not None
    assert chat.ticket.description == "Flow stopped"
    assert chat.ticket.customer == world.user("acme_customer")


@pytest.mark.parametrize("who", ["globex_customer", "globex_l1", "vendor_l1", "l2", "l3"])
def test_strangers_get_not_found_for_a_chat(world, who):
    chat = _live(world)
    with pytest.raises(NotFound, match=r"^Chat not found\.$"):
        access.get_chat(world.actor(who), chat.pk)
    with pytest.raises(NotFound):
        services.chat_post(actor=world.actor(who), chat_id=chat.pk, body="hi")


def test_vendor_l1_answers_direct_customers_only(world):
    services.presence_set(actor=world.actor("vendor_l1"), available=True)
    chat = services.chat_start(actor=world.actor("direct_customer"), body="hi")
    assert access.get_chat(world.actor("vendor_l1"), chat.pk) == chat
    with pytest.raises(NotFound):
        services.chat_accept(actor=world.actor("acme_l1"), chat_id=chat.pk)


def test_the_cap_limits_chats_per_agent(world, settings):
    # given an agent with a cap of one
    services.presence_set(actor=world.actor("acme_l1"), available=True, max_chats=1)
    first = services.chat_start(actor=world.actor("acme_customer"), body="one")
    second = services.chat_start(actor=world.actor("acme_customer"), body="two")
    services.chat_accept(actor=world.actor("acme_l1"), chat_id=first.pk)
    # when they accept a second, then it is refused and the chat keeps waiting
    with pytest.raises(Conflict):
        services.chat_accept(actor=world.actor("acme_l1"), chat_id=second.pk)
    second.refresh_from_db()
    assert second.status == ChatStatus.WAITING
    # and a taken chat cannot be taken twice
    services.presence_set(actor=world.actor("acme_admin"), available=True)
    with pytest.raises(WrongState):
        services.chat_accept(actor=world.actor("acme_admin"), chat_id=first.pk)


def test_bad_input_is_named_and_loses_nothing(world):
    chat = _live(world)
    for body in ("", "   ", "a\x00b", None):
        with pytest.raises(InvalidInput) as caught:
            services.chat_post(actor=world.actor("acme_customer"), chat_id=chat.pk, body=body)
        assert "body" in caught.value.fields
    with pytest.raises(Forbidden):
        services.chat_post(
            actor=world.actor("acme_customer"), chat_id=chat.pk, body="x", internal=True
        )
    with pytest.raises(InvalidInput) as caught:
        services.presence_set(actor=world.actor("acme_l1"), available=True, max_chats=99)
    assert "max_chats" in caught.value.fields
    chat.refresh_from_db()
    assert chat.last_seq == 2  # the first line and "joined"


def test_attachments_are_sniffed_like_ticket_attachments(world, settings):
    chat = _live(world)
    customer = world.actor("acme_customer")
    # a screenshot "log" is refused, naming the file
    with pytest.raises(InvalidInput) as caught:
        services.chat_attach(
            actor=customer, chat_id=chat.pk, file=PNG, filename="log.png", kind="log"
        )
    assert "file" in caught.value.fields
    # a text log and a screenshot are stored
    services.chat_attach(
        actor=customer, chat_id=chat.pk, file=PLAIN_LOG, filename="run.log", kind="log"
    )
    services.chat_attach(
        actor=customer, chat_id=chat.pk, file=PNG, filename="s.png", kind="screenshot"
    )
    kinds = dict(chat.files.values_list("kind", "content_type"))
    assert kinds["screenshot"] == "image/png" and not kinds["log"].startswith("image/")
    # and a file past the limit is refused
    settings.TIERDESK_MAX_UPLOAD_BYTES = 10
    with pytest.raises(Exception, match="larger"):
        services.chat_attach(
            actor=customer, chat_id=chat.pk, file=PLAIN_LOG, filename="big.log", kind="log"
        )


def _complete_chat(world):
    chat = _live(world)
    customer, agent = world.actor("acme_customer"), world.actor("acme_l1")
    services.chat_post(actor=customer, chat_id=chat.pk, body=f"It is this flow: {URL}")
    when = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%d %H:%M")
    services.chat_post(actor=customer, chat_id=chat.pk, body=f"It failed at {when}Z")
    services.chat_post(actor=customer, chat_id=chat.pk, body="ERROR status 401 from the ERP")
    services.chat_post(actor=agent, chat_id=chat.pk, body="Credentials look fine", internal=True)
    services.chat_attach(
        actor=customer, chat_id=chat.pk, file=PLAIN_LOG, filename="run.log", kind="log"
    )
    return chat


def test_the_draft_fills_itself_and_the_checklist_is_the_l1_gate(world):
    # given a chat naming the flow, the moment and an error line
    chat = _complete_chat(world)
    # when the checklist is computed
    state = handover.checklist(chat, datetime.now(UTC))
    # then the IDs, time and log are ticked; what the chat did not say is missing
    ok = {item["code"]: item["ok"] for item in state["items"]}
    assert not state["errors"], state
    assert ok["platform_ids"], state["missing"]
    assert ok["platform_ids"] and ok["logs"] and ok["occurred_at"]
    assert not state["complete"]
    missing = {m["code"] for m in state["missing"]}
    assert "l1_checks" in missing or "priority" in missing


def test_hand_over_refused_while_incomplete_writes_nothing(world):
    chat = _complete_chat(world)
    with pytest.raises(TransitionRefused) as caught:
        services.chat_to_ticket(actor=world.actor("acme_l1"), chat_id=chat.pk, hand_over=True)
    assert caught.value.missing
    chat.refresh_from_db()
    assert chat.status == ChatStatus.ACTIVE and chat.ticket is None
    assert not ticket_access.visible_tickets(world.actor("acme_l1")).exists()


def test_the_chat_becomes_a_ticket_and_is_handed_over(world):
    # given a chat and the draft completed by the agent
    chat = _complete_chat(world)
    agent = world.actor("acme_l1")
    services.chat_draft_update(
        actor=agent,
        chat_id=chat.pk,
        fields={
            "expected_behaviour": "Orders reach the ERP",
            "steps_to_reproduce": "Send an order",
            "is_blocker": "no",
            "needed_by": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
            "check_connectivity": "ERP reachable",
            "check_credentials": "Key re-entered",
        },
    )
    chat.refresh_from_db()
    state = handover.checklist(chat, datetime.now(UTC))
    assert state["complete"], state["missing"]
    # when it is turned into a ticket and handed over
    ticket = services.chat_to_ticket(actor=agent, chat_id=chat.pk, hand_over=True)
    # then the ticket is at L2 with the transcript: public lines public, the note internal
    assert (ticket.level, ticket.status) == (2, Status.NEW)
    assert ticket.flow_id == ACME_FLOW and ticket.customer == world.user("acme_customer")
    customer_view = ticket_access.visible_messages(world.actor("acme_customer"), ticket)
    bodies = list(customer_view.values_list("body", flat=True))
    assert any("It is this flow" in b for b in bodies)
    assert not any("Credentials look fine" in b for b in bodies)
    staff = ticket_access.visible_messages(world.actor("l2"), ticket)
    assert staff.filter(internal=True, body__contains="Credentials look fine").exists()
    assert ticket_access.visible_attachments(world.actor("acme_customer"), ticket).count() == 1
    chat.refresh_from_db()
    assert chat.outcome == ChatOutcome.HANDED_OVER and chat.ticket == ticket


def test_the_chats_wait_counts_against_the_l1_first_response(world):
    from tierdesk.chat.models import Chat
    from tierdesk.sla.models import Clock, ClockKind

    # given a chat the customer started 40 minutes ago and an agent accepted 25 minutes ago
    chat = _live(world)
    started = datetime.now(UTC) - timedelta(minutes=40)
    answered = started + timedelta(minutes=15)
    Chat.objects.filter(pk=chat.pk).update(created_at=started, accepted_at=answered)
    # when it becomes a ticket
    ticket = services.chat_to_ticket(actor=world.actor("acme_l1"), chat_id=chat.pk)
    # then the ticket's L1 first-response clock ran from the chat's start to its answer
    clock = Clock.objects.get(ticket=ticket, kind=ClockKind.FIRST_RESPONSE, level=1)
    assert (clock.start, clock.stopped_at) == (started, answered)
    assert clock.state == "stopped"


def test_a_colleague_pulled_in_sees_the_chat_others_never(world):
    # given a live chat, and an L2 agent who cannot see it
    chat = _live(world)
    with pytest.raises(NotFound):
        access.get_chat(world.actor("l2"), chat.pk)
    # when the chat's agent pulls them in
    services.chat_invite(
        actor=world.actor("acme_l1"), chat_id=chat.pk, helper_email="l2@example.test"
    )
    # then they see it and may write; another L2 agent still does not see it
    assert access.get_chat(world.actor("l2"), chat.pk) == chat
    services.chat_post(actor=world.actor("l2"), chat_id=chat.pk, body="L2 here")
    with pytest.raises(NotFound):
        access.get_chat(world.actor("l2b"), chat.pk)
    # and nobody pulls in a customer or another partner's agent, and nobody else pulls in
    for email in ("acme_customer@example.test", "globex_l1@example.test", "nobody@example.test"):
        with pytest.raises(InvalidInput):
            services.chat_invite(actor=world.actor("acme_l1"), chat_id=chat.pk, helper_email=email)
    with pytest.raises(Forbidden):
        services.chat_invite(
            actor=world.actor("acme_admin"), chat_id=chat.pk, helper_email="lead@example.test"
        )


def test_customer_text_and_logs_pass_the_shared_redaction(world, monkeypatch):
    import sys
    import types

    # given the shared redaction (a stand-in with its interface: redact_text)
    stand_in = types.ModuleType("tierdesk.core.redaction")
    stand_in.redact_text = lambda text: text.replace("hunter2", "[redacted: password]")
    monkeypatch.setitem(sys.modules, "tierdesk.core.redaction", stand_in)
    chat = _live(world)
    customer = world.actor("acme_customer")
    # when the customer writes a password and sends a log with it
    line = services.chat_post(actor=customer, chat_id=chat.pk, body="password: hunter2")
    services.chat_attach(
        actor=customer, chat_id=chat.pk, file=b"db password=hunter2\n", filename="a.log", kind="log"
    )
    # then neither is stored in the clear
    assert line.body == "password: [redacted: password]"
    with chat.files.get().file.open("rb") as handle:
        assert b"hunter2" not in handle.read()
