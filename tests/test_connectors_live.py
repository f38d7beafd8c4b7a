"""The tools call Tierdesk themselves: each stand-in sends its webhook as a real HTTP POST
from its own thread to a live Tierdesk, authenticated as the real tool does it (Zendesk
signs with the webhook's signing secret; Freshdesk's automation and Jira's "Send web
request" send the connector's bearer secret as a header). A handover and a comment round
trip per tool, with every comment Tierdesk writes firing the tool's comment webhook back
(a trigger without the "not the API user" condition): the echo ends at Tierdesk. Files
handed over or commented through a connector pass the same secret redaction as uploads."""

from __future__ import annotations

import pytest

from tests.connector_fakes import serving
from tests.connector_world import (
    FIELDS,
    TOOLS,
    drain,
    fake_for,
    field_key,
    make_connector,
    seed,
    values,
)
from tests.factories import build_world
from tierdesk.connectors.models import ConnectorJob, ConnectorLink, JobKind, JobStatus
from tierdesk.tickets import services as tickets

TOKEN_IN_LOG = "sk9Vq2WZp8LrT4mN7xYc1bHe"
LEAKY_LOG = f"GET /orders 401\nAuthorization: Bearer {TOKEN_IN_LOG}\nretrying\n".encode()
SIGNING_SECRET = "zd-webhook-signing-secret"


@pytest.fixture
def live(live_server, settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = True  # the stand-ins listen on 127.0.0.1
    return live_server


def settle(fake) -> list[int]:
    """Until both sides are quiet: the tool sends what its webhooks queued, the worker
    runs what Tierdesk queued. Returns Tierdesk's answers to the webhook calls."""
    answers: list[int] = []
    for _ in range(10):
        sent = fake.send_webhooks()
        answers += sent
        if not drain() and not sent and not fake.outbox:
            return answers
    raise AssertionError("the tool and Tierdesk keep calling each other: a loop")


def connect(fake, live_server, connector, secret: str) -> None:
    """The partner's admin points the tool's webhooks at the connector's URLs, as the
    recipes say: Zendesk signs, and a signing secret belongs to one webhook, so both
    triggers notify the one webhook at `…/handover` (for a ticket handed over already
    it reads the new comments); Freshdesk and Jira send the bearer secret, the comment
    rule to `…/comments`."""
    base = f"{live_server.url}/api/v1/connectors/{connector.pk}"
    for event, path in (("handover", "handover"), ("comment", "comments")):
        if fake.tool == "zendesk":
            fake.connect_webhook(event, f"{base}/handover", signing_secret=SIGNING_SECRET)
        else:
            fake.connect_webhook(event, f"{base}/{path}", bearer=secret)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("tool", TOOLS)
def test_the_tool_calls_tierdesk_for_the_handover_and_a_comment_round_trip(live, tool):
    world = build_world()
    with serving(fake_for(tool)) as fake:
        extra = {"signing_secret": SIGNING_SECRET} if tool == "zendesk" else {}
        connector, secret = make_connector(world, fake, **extra)
        external = seed(fake, complete=True)
        leaky = ("http.log", LEAKY_LOG, "text/plain")
        if tool == "zendesk":
            fake.add_comment(external.id, "The proxy's log.", public=False, files=[leaky])
        else:
            external.file_ids.append(fake.add_file(*leaky))
        connect(fake, live, connector, secret)
        # When the partner's agent escalates in the tool: its webhook calls Tierdesk
        fake.escalate(external.id)
        answers = settle(fake)
        # Then Tierdesk accepted the call and the L2 ticket exists, linked
        assert answers and set(answers) == {202}
        assert fake.sent[0][:2] == ("handover", external.id)
        ticket = ConnectorLink.objects.get(connector=connector).ticket
        assert ticket.level == 2
        # and the log came through the same redaction as an upload: the token is masked
        log = ticket.attachments.get(filename="http.log")
        stored = log.file.open("rb").read()
        assert TOKEN_IN_LOG.encode() not in stored and b"retrying" in stored
        assert log.redactions == {"bearer": 1}

        # When L2 asks a question: it is written on the tool, whose comment webhook fires
        # back at Tierdesk — which reads it, recognises its own comment and stops there
        l2 = world.actor("l2")
        tickets.ticket_take(actor=l2, ticket_id=ticket.pk)
        tickets.message_add(actor=l2, ticket_id=ticket.pk, body="Which ERP version?")
        messages = ticket.messages.count()
        echoes = len(fake.sent)
        settle(fake)
        assert external.comments[-1].body.startswith("Which ERP version?")
        assert [e for e, _, _ in fake.sent[echoes:]] == ["comment"]  # the echo, once
        assert ticket.messages.count() == messages

        # When the partner's agent answers in the tool with a file
        fake.add_comment(
            external.id,
            "ERP 7.2, log attached.",
            files=[("erp.log", LEAKY_LOG, "text/plain")],
        )
        written = len(external.comments)
        answers = settle(fake)
    # Then its webhook brought it in as the partner's message, once, its file masked
    assert set(answers) == {202}
    body, author = ticket.messages.order_by("pk").values_list("body", "author__email").last()
    assert (body, author) == ("ERP 7.2, log attached.", world.user("acme_l1").email)
    erp = ticket.attachments.get(filename="erp.log")
    assert TOKEN_IN_LOG.encode() not in erp.file.open("rb").read()
    assert erp.redactions == {"bearer": 1}
    # and nothing went back to the tool, nothing failed
    assert len(external.comments) == written
    assert not ConnectorJob.objects.filter(status=JobStatus.FAILED).exists()
    assert not ConnectorJob.objects.filter(status=JobStatus.PENDING).exists()
    assert ConnectorJob.objects.filter(kind=JobKind.PULL).count() >= 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("tool", TOOLS)
def test_an_incomplete_handover_is_answered_once_though_the_note_fires_the_webhook(live, tool):
    world = build_world()
    with serving(fake_for(tool)) as fake:
        extra = {"signing_secret": SIGNING_SECRET} if tool == "zendesk" else {}
        connector, secret = make_connector(world, fake, **extra)
        external = seed(fake, complete=False)
        connect(fake, live, connector, secret)
        # When the agent escalates an incomplete ticket
        fake.escalate(external.id)
        settle(fake)
        # Then the tool has one note listing what is missing; the note fired the tool's
        # comment webhook (Zendesk: a handover again), which ended there
        notes = [c for c in external.comments if "cannot take this ticket over" in c.body]
        assert len(notes) == 1 and notes[0].public is False
        assert [event for event, _, _ in fake.sent] == ["handover", "comment"]
        # When the agent escalates again without changing anything: no second note
        fake.escalate(external.id)
        settle(fake)
        assert len([c for c in external.comments if "cannot take" in c.body]) == 1
        # When the agent fills a field in and escalates: a new note, without that item
        external.custom[field_key(tool, FIELDS.index("occurred_at"))] = values()["occurred_at"]
        fake.escalate(external.id)
        settle(fake)
    notes = [c.body for c in external.comments if "cannot take" in c.body]
    assert len(notes) == 2
    assert "When it happened" in notes[0] and "When it happened" not in notes[1]
    assert not ConnectorLink.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_webhook_signed_with_another_secret_is_refused(live):
    world = build_world()
    with serving(fake_for("zendesk")) as fake:
        connector, _ = make_connector(world, fake, signing_secret=SIGNING_SECRET)
        external = seed(fake, complete=True)
        url = f"{live.url}/api/v1/connectors/{connector.pk}/handover"
        fake.connect_webhook("handover", url, signing_secret="someone-elses-secret")
        fake.escalate(external.id)
        # Then Tierdesk answers like for a missing connector and queues nothing
        assert fake.send_webhooks() == [404]
    assert not ConnectorJob.objects.exists()
