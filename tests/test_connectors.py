"""Partner connectors against stand-ins of Zendesk, Freshdesk and Jira Service Management
on 127.0.0.1 (tests/connector_fakes.py): a handover triggered from the tool, answered
with the missing items or turned into an L2 ticket; then replies, questions, status moves
and files both ways, with no echo and no duplicate."""

from __future__ import annotations

import pytest

from tests.connector_fakes import serving, trigger
from tests.connector_world import (
    STATUS,
    TOKEN,
    TOOLS,
    allow_loopback,
    drain,
    fake_for,
    make_connector,
    seed,
)
from tests.factories import ACME_CONTRACT
from tierdesk.connectors.models import (
    ConnectorJob,
    ConnectorLink,
    Exchange,
    JobKind,
    JobStatus,
)
from tierdesk.tickets import services as tickets
from tierdesk.tickets.models import AttachmentKind, Status

__all__ = ["allow_loopback"]  # a fixture


@pytest.mark.parametrize("tool", TOOLS)
def test_an_incomplete_handover_is_answered_with_the_missing_items(
    world, client, allow_loopback, tool
):
    # Given an external ticket with only the steps filled in
    with serving(fake_for(tool)) as fake:
        connector, secret = make_connector(world, fake)
        external = seed(fake, complete=False)
        # When the tool's trigger calls Tierdesk and the worker runs
        answer = trigger(client, connector, secret, external.id)
        assert answer.status_code == 202
        drain()
    # Then no ticket exists, and a private comment lists exactly what is missing
    assert not ConnectorLink.objects.exists()
    comment = external.comments[-1]
    assert comment.public is False
    assert "Contract, workspace and flow ID" in comment.body
    assert "When it happened" in comment.body
    assert "Logs" in comment.body
    assert "Steps to reproduce" not in comment.body  # it was given
    assert world.actor("acme_l1") and tickets  # the services are untouched


@pytest.mark.parametrize("tool", TOOLS)
def test_a_complete_handover_and_a_round_trip_without_loops(world, client, allow_loopback, tool):
    with serving(fake_for(tool)) as fake:
        connector, secret = make_connector(world, fake)
        external = seed(fake, complete=True)
        # When the handover is triggered
        trigger(client, connector, secret, external.id)
        drain()
        # Then an L2 ticket exists, linked, with the log and screenshot sniffed and stored
        link = ConnectorLink.objects.select_related("ticket").get(connector=connector)
        ticket = link.ticket
        assert (ticket.level, ticket.status) == (2, Status.NEW)
        assert ticket.contract_id == ACME_CONTRACT and ticket.is_blocker is True
        # (the JSON-lines log is sniffed as application/json: a text log)
        kinds = sorted(ticket.attachments.values_list("kind", "content_type"))
        assert kinds == [
            (AttachmentKind.LOG, "application/json"),
            (AttachmentKind.SCREENSHOT, "image/png"),
        ]
        assert f"{ticket.reference}" in external.comments[-1].body  # "handed over as TD-…"
        comments_before = len(external.comments)

        # When L2 takes it and replies, then asks a question
        l2 = world.actor("l2")
        tickets.ticket_take(actor=l2, ticket_id=ticket.pk)
        tickets.message_add(actor=l2, ticket_id=ticket.pk, body="Which ERP version?")
        tickets.ticket_ask_customer(
            actor=l2, ticket_id=ticket.pk, message="Please send an order id."
        )
        drain()
        # Then both appear on the external ticket (private per setting), marked, and the
        # status is mirrored through the mapping
        written = external.comments[comments_before:]
        assert [c.body.split("\n\n")[0] for c in written] == [
            "Which ERP version?",
            "Please send an order id.",
        ]
        assert all(not c.public and f"[Tierdesk {ticket.reference}]" in c.body for c in written)
        if tool == "jsm":
            assert external.transitions == ["31"]
        else:
            assert external.status == STATUS[tool]["waiting_on_customer"]

        # When the partner's agent answers in the tool with a file, and the tool says so
        fake.add_comment(
            external.id,
            "Order 123, ERP 7.2",
            files=[("more.log", b"line one\nline two\n", "text/plain")],
        )
        trigger(client, connector, secret, external.id, what="comment")
        drain()
        # Then it is a message of the partner's agent with the file; nothing echoes back
        messages = list(ticket.messages.order_by("pk").values_list("body", "author__email"))
        assert messages[-1] == ("Order 123, ERP 7.2", world.user("acme_l1").email)
        on_message = tool != "jsm"  # Jira keeps files on the issue, not on a comment
        assert ticket.attachments.filter(
            filename="more.log", message__isnull=not on_message
        ).exists()
        assert not any("[Tierdesk " in body for body, _ in messages)
        count = (len(messages), ticket.attachments.count(), len(external.comments))
        jobs_before = ConnectorJob.objects.exclude(kind=JobKind.PULL).count()

        # When the tool says it again (a retry) and Tierdesk reads the ticket once more
        trigger(client, connector, secret, external.id, what="comment")
        drain()
        # Then nothing is imported twice and nothing is written back
        assert (
            ticket.messages.count(),
            ticket.attachments.count(),
            len(external.comments),
        ) == count
        assert ConnectorJob.objects.exclude(kind=JobKind.PULL).count() == jobs_before

        # When L2 attaches a public file and resolves
        tickets.attachment_add(
            actor=l2,
            ticket_id=ticket.pk,
            file=b"fixed config\n",
            filename="config.txt",
            kind=AttachmentKind.OTHER,
            internal=False,
        )
        drain()
        assert b"fixed config\n" in [content for _, content, _ in fake.files.values()]
        trigger(client, connector, secret, external.id, what="comment")
        drain()
        # Then the file is not imported back
        assert ticket.attachments.filter(filename="config.txt").count() == 1
        assert ticket.attachments.count() == count[1] + 1
        # (the partner's answer waits for L2, who records it as the customer's answer)
        tickets.ticket_customer_reply(
            actor=l2, ticket_id=ticket.pk, message="Order 123, see above."
        )
        tickets.ticket_resolve(
            actor=l2, ticket_id=ticket.pk, resolution="Key renewed.", cause="credentials"
        )
        drain()
        if tool == "jsm":
            assert external.transitions[-1] == "41"
        else:
            assert external.status == STATUS[tool]["resolved"]
    # And every exchange was logged without a credential
    paths = list(Exchange.objects.values_list("method", "path", "status_code"))
    assert paths and all(TOKEN not in p and secret not in p for _, p, _ in paths)
    assert not ConnectorJob.objects.filter(status=JobStatus.FAILED).exists()


def test_public_comments_follow_the_setting(world, client, allow_loopback):
    with serving(fake_for("zendesk")) as fake:
        connector, secret = make_connector(world, fake, public_comments=True)
        external = seed(fake, complete=True)
        trigger(client, connector, secret, external.id)
        drain()
        ticket = ConnectorLink.objects.get(connector=connector).ticket
        tickets.ticket_take(actor=world.actor("l2"), ticket_id=ticket.pk)
        tickets.message_add(actor=world.actor("l2"), ticket_id=ticket.pk, body="We are on it.")
        drain()
    assert external.comments[-1].public is True
    # The handover notice stays private whatever the setting
    assert [c.public for c in external.comments if "Handed over" in c.body] == [False]


def test_internal_notes_never_leave(world, client, allow_loopback):
    with serving(fake_for("zendesk")) as fake:
        connector, secret = make_connector(world, fake)
        external = seed(fake, complete=True)
        trigger(client, connector, secret, external.id)
        drain()
        ticket = ConnectorLink.objects.get(connector=connector).ticket
        before = len(external.comments)
        tickets.message_add(
            actor=world.actor("l2"),
            ticket_id=ticket.pk,
            body="Internal: suspect the proxy",
            internal=True,
        )
        drain()
    assert len(external.comments) == before
