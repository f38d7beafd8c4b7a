"""Partner connectors against stand-ins of Zendesk, Freshdesk and Jira Service Management
on 127.0.0.1 (tests/connector_fakes.py): a handover triggered from the tool, answered
with the missing items or turned into an L2 ticket; then replies, questions, status moves
and files both ways, with no echo and no duplicate."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tests.connector_fakes import (
    PNG,
    FakeFreshdesk,
    FakeJsm,
    FakeTicket,
    FakeZendesk,
    serving,
    trigger,
)
from tests.factories import ACME_CONTRACT, ACME_FLOW, ACME_WORKSPACE, PLAIN_LOG
from tierdesk.connectors import jobs, services
from tierdesk.connectors.models import (
    ConnectorJob,
    ConnectorLink,
    Exchange,
    JobKind,
    JobStatus,
)
from tierdesk.tickets import services as tickets
from tierdesk.tickets.models import AttachmentKind, Status

TOKEN = "s3cr3t-api-token-value-0123456789"
FIELDS = (
    "occurred_at",
    "steps_to_reproduce",
    "is_blocker",
    "blocker_impact",
    "needed_by",
    "check_connectivity",
    "check_credentials",
    "expected_behaviour",
    "actual_behaviour",
)
PLATFORM = f"https://platform.example/c/{ACME_CONTRACT}/w/{ACME_WORKSPACE}/designer/{ACME_FLOW}"


def field_key(tool: str, i: int) -> str:
    return {
        "zendesk": str(360000 + i),
        "freshdesk": f"cf_field{i}",
        "jsm": f"customfield_{10050 + i}",
    }[tool]


def fake_for(tool: str):
    return {
        "zendesk": lambda: FakeZendesk("agent@acme.example", TOKEN),
        "freshdesk": lambda: FakeFreshdesk(TOKEN),
        "jsm": lambda: FakeJsm("agent@acme.example", TOKEN),
    }[tool]()


EXTERNAL_ID = {"zendesk": "4711", "freshdesk": "77", "jsm": "SUP-12"}
STATUS = {
    "zendesk": {"waiting_on_customer": "pending", "resolved": "solved"},
    "freshdesk": {"waiting_on_customer": "3", "resolved": "4"},
    "jsm": {"waiting_on_customer": "31", "resolved": "41"},
}


def values() -> dict:
    now = timezone.now()
    return {
        "occurred_at": (now - timedelta(hours=3)).isoformat(),
        "steps_to_reproduce": "1. Start the flow\n2. Send an order\n3. See the error",
        "is_blocker": True,
        "blocker_impact": "No orders reach the ERP.",
        "needed_by": (now + timedelta(days=2)).isoformat(),
        "check_connectivity": "The ERP answers from the platform's egress IP.",
        "check_credentials": "Re-entered the API key; still 401.",
        "expected_behaviour": "Orders are copied to the ERP.",
        "actual_behaviour": "The HTTP step fails with status 401.",
    }


def seed(fake, *, complete: bool) -> FakeTicket:
    """An external ticket; complete: every handover item in mapped fields, the platform
    URL in the description, a log and a screenshot attached."""
    tool, external_id = fake.tool, EXTERNAL_ID[fake.tool]
    data = values() if complete else {"steps_to_reproduce": values()["steps_to_reproduce"]}
    custom = {field_key(tool, FIELDS.index(k)): v for k, v in data.items()}
    if tool == "freshdesk":
        custom["status"] = None
    description = "Since this morning every execution of the orders flow fails."
    if complete:
        description += f"\nFlow: {PLATFORM}"
    ticket = FakeTicket(
        external_id,
        "Orders sync fails with 401",
        description,
        status="2" if tool == "freshdesk" else "open",
        custom=custom,
    )
    fake.tickets[external_id] = ticket
    files = [("execution.log", PLAIN_LOG, "text/plain"), ("screen.png", PNG, "image/png")]
    if tool == "zendesk":
        fake.add_comment(external_id, description)  # Zendesk: the description is comment 1
        if complete:
            fake.add_comment(external_id, "Log and screenshot attached.", public=False, files=files)
    elif complete:
        ticket.file_ids += [fake.add_file(*f) for f in files]
    return ticket


def make_connector(world, fake, **extra):
    data = {
        "tool": fake.tool,
        "name": f"Acme {fake.tool}",
        "base_url": fake.base_url,
        "username": "" if fake.tool == "freshdesk" else "agent@acme.example",
        "api_token": TOKEN,
        "agent": world.user("acme_l1").email,
        "field_map": {field_key(fake.tool, i): name for i, name in enumerate(FIELDS)},
        "status_map": STATUS[fake.tool],
        **extra,
    }
    return services.connector_create(actor=world.actor("acme_admin"), data=data)


def drain() -> int:
    """Run every due job, as the worker would, until none is left."""
    done = 0
    for _ in range(50):
        due = list(
            ConnectorJob.objects.filter(
                status=JobStatus.PENDING, next_attempt_at__lte=timezone.now()
            ).values_list("pk", flat=True)
        )
        if not due:
            return done
        for pk in due:
            jobs.run(pk)
            done += 1
    raise AssertionError("jobs keep coming: a loop")


@pytest.fixture
def allow_loopback(settings):
    settings.TIERDESK_WEBHOOK_ALLOW_PRIVATE = True


TOOLS = ["zendesk", "freshdesk", "jsm"]


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


def test_credentials_are_never_logged_nor_shown_again(world, client, allow_loopback, caplog):
    caplog.set_level(logging.DEBUG)
    with serving(fake_for("zendesk")) as fake:
        # Given a connector saved through the console
        client.force_login(world.user("acme_admin"))
        answer = client.post(
            "/connectors/",
            {
                "tool": "zendesk",
                "name": "Acme Zendesk",
                "base_url": fake.base_url,
                "username": "agent@acme.example",
                "api_token": TOKEN,
                "agent": world.user("acme_l1").email,
                "field_map": "\n".join(
                    f"{field_key('zendesk', i)} = {n}" for i, n in enumerate(FIELDS)
                ),
                "status_map": "waiting_on_customer = pending\nresolved = solved",
            },
        )
        assert answer.status_code == 201
        connector = world.acme.connectors.get()
        secret = connector.inbound_secret
        # The secret is shown once, in the answer to the save
        assert secret in answer.content.decode()
        assert TOKEN not in answer.content.decode()
        # When the health check runs and a handover goes through
        client.post(f"/connectors/{connector.pk}/health/")
        external = seed(fake, complete=True)
        trigger(client, connector, secret, external.id)
        drain()
        page = client.get(f"/connectors/{connector.pk}/").content.decode()
    # Then neither the token nor the secret is on the page, in the log or in the column
    assert ConnectorLink.objects.exists()
    assert TOKEN not in page and secret not in page
    assert "Working" in page and "/api/v2/tickets/4711.json" in page
    assert TOKEN not in caplog.text and secret not in caplog.text
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_token, inbound_secret FROM connectors_connector")
        stored = cursor.fetchone()
    assert TOKEN not in stored[0] and secret not in stored[1]
    # and the tool received the credentials only as Basic auth
    assert all("Authorization" in headers for _, _, headers in fake.requests)


def test_a_connector_never_reaches_another_partners_tickets(world, client, allow_loopback):
    with serving(fake_for("zendesk")) as fake:
        # Given Globex's connector (acting as Globex's L1 agent), and a tool ticket that
        # names Acme's contract
        globex, secret = services.connector_create(
            actor=world.actor("globex_admin"),
            data={
                "tool": "zendesk",
                "name": "Globex",
                "base_url": fake.base_url,
                "username": "agent@acme.example",
                "api_token": TOKEN,
                "agent": world.user("globex_l1").email,
                "field_map": {field_key("zendesk", i): n for i, n in enumerate(FIELDS)},
            },
        )
        external = seed(fake, complete=True)
        trigger(client, globex, secret, external.id)
        drain()
        # Then no ticket is opened: the contract is not Globex's, and the tool is told so
        assert not ConnectorLink.objects.exists()
        assert "The contract belongs to another partner." in external.comments[-1].body
        # And an Acme ticket linked elsewhere cannot be pulled through Globex's connector
        acme, acme_secret = make_connector(world, fake)
        trigger(client, acme, acme_secret, external.id)
        drain()
        assert ConnectorLink.objects.get().connector == acme
        answer = trigger(client, globex, secret, external.id, what="comment")
        assert answer.status_code == 422
        # A wrong secret is a 404, like a missing connector
        assert trigger(client, acme, secret, external.id).status_code == 404
        assert trigger(client, acme, "", external.id).status_code == 404
    # The connector's agent must be the partner's own L1 person
    with pytest.raises(Exception) as refused:
        services.connector_create(
            actor=world.actor("globex_admin"),
            data={
                "tool": "zendesk",
                "name": "x",
                "base_url": "http://127.0.0.1:9",
                "api_token": "t",
                "agent": world.user("acme_l1").email,
            },
        )
    assert refused.value.fields == {"agent": "is not an L1 agent of this partner"}


def test_console_is_for_partner_admins_of_the_partner_and_the_vendor_admin(
    world, client, allow_loopback
):
    with serving(fake_for("zendesk")) as fake:
        connector, _ = make_connector(world, fake)
    for key, status in (
        ("acme_admin", 200),
        ("admin", 200),
        ("globex_admin", 404),
        ("acme_l1", 403),
        ("l2", 403),
    ):
        client.force_login(world.user(key))
        assert client.get(f"/connectors/{connector.pk}/").status_code == status, key


def test_bad_settings_are_named_and_nothing_is_saved(world, client):
    client.force_login(world.user("acme_admin"))
    answer = client.post(
        "/connectors/",
        {
            "tool": "zendesk",
            "name": "",
            "base_url": "http://127.0.0.1:9/",
            "api_token": "",
            "agent": world.user("acme_l1").email,
            "field_map": "360001 = not_a_field",
        },
    )
    assert answer.status_code == 422
    body = answer.content.decode()
    for name in ("name", "base_url", "api_token", "field_map"):
        assert f"<li>{name}:" in body
    assert "loopback" in body  # SSRF: the target check refuses 127.0.0.1 by default
    assert not world.acme.connectors.exists()


def test_a_redirect_is_not_followed_and_the_job_retries(world, client, allow_loopback):
    with serving(fake_for("zendesk")) as fake:
        connector, secret = make_connector(world, fake)
        external = seed(fake, complete=True)
        fake.redirect_paths.add(f"/api/v2/tickets/{external.id}.json")
        trigger(client, connector, secret, external.id)
        drain()
        job = ConnectorJob.objects.get(kind=JobKind.HANDOVER)
        # A 3xx is a failed attempt, retried later; the metadata address was never asked
        assert job.status == JobStatus.PENDING and job.attempts == 1
        assert "redirect (302) not followed" in job.last_error
        assert job.next_attempt_at > timezone.now()
        assert not ConnectorLink.objects.exists()


def test_an_unreachable_tool_is_retried_and_the_handover_lands_later(world, client, allow_loopback):
    with serving(fake_for("zendesk")) as fake:
        connector, secret = make_connector(world, fake)
        external = seed(fake, complete=True)
        base = fake.base_url
    # Given the tool is down when the handover comes
    trigger(client, connector, secret, external.id)
    drain()
    job = ConnectorJob.objects.get(kind=JobKind.HANDOVER)
    assert job.status == JobStatus.PENDING and job.last_error
    # When it is back (same address) and the retry is due
    with serving(fake) as fake_again:
        connector.base_url = fake_again.base_url
        connector.save()
        ConnectorJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())
        drain()
    assert base  # the first server is gone
    assert ConnectorLink.objects.filter(external_id=external.id).exists()


def test_old_exchanges_and_finished_jobs_are_pruned_pending_jobs_stay(world, allow_loopback):
    from tierdesk.connectors.retention import prune_connectors

    with serving(fake_for("zendesk")) as fake:
        connector, _ = make_connector(world, fake)
    now = timezone.now()
    old = now - timedelta(days=31)
    done = ConnectorJob.objects.create(
        connector=connector,
        kind=JobKind.STATUS,
        external_id="1",
        status=JobStatus.SUCCEEDED,
        created_at=old,
        done_at=old,
    )
    waiting = ConnectorJob.objects.create(
        connector=connector,
        kind=JobKind.STATUS,
        external_id="1",
        created_at=old,
        next_attempt_at=now + timedelta(hours=1),
    )
    Exchange.objects.create(
        connector=connector, direction="out", method="GET", path="/a", created_at=old
    )
    fresh = Exchange.objects.create(connector=connector, direction="out", method="GET", path="/b")
    # When the hourly prune runs
    assert prune_connectors(now=now) == {"exchanges": 1, "jobs": 1}
    # Then the pending job and the recent exchange stay
    assert list(ConnectorJob.objects.values_list("pk", flat=True)) == [waiting.pk]
    assert list(Exchange.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not ConnectorJob.objects.filter(pk=done.pk).exists()


def test_the_sweep_queues_a_due_job_whose_task_went_missing(world, allow_loopback):
    with serving(fake_for("zendesk")) as fake:
        connector, _ = make_connector(world, fake)
    # Given a due job that was never queued (the process died before its commit hook)
    job = ConnectorJob.objects.create(
        connector=connector, kind=JobKind.STATUS, external_id="1", next_attempt_at=timezone.now()
    )
    # Then the sweep queues it once, however often it runs
    assert jobs.sweep() == 1
    assert jobs.sweep() == 0
    job.refresh_from_db()
    assert job.enqueued_at is not None


def test_escalation_and_a_delivered_fix_are_mirrored_with_the_mapping(
    world, client, allow_loopback
):
    from tests.factories import record_reproduction

    mapping = {"escalated": "hold", "fix_delivered": "pending", "resolved": "solved"}
    with serving(fake_for("zendesk")) as fake:
        connector, secret = make_connector(world, fake, status_map=mapping)
        external = seed(fake, complete=True)
        trigger(client, connector, secret, external.id)
        drain()
        ticket = ConnectorLink.objects.get(connector=connector).ticket
        tickets.ticket_take(actor=world.actor("l2"), ticket_id=ticket.pk)
        record_reproduction(world, ticket.pk)
        # When L2 escalates to L3
        tickets.ticket_escalate(actor=world.actor("l2"), ticket_id=ticket.pk)
        drain()
        assert external.status == "hold"
        # When L3 delivers a fix
        tickets.ticket_take(actor=world.actor("l3"), ticket_id=ticket.pk)
        tickets.ticket_deliver_fix(actor=world.actor("l3"), ticket_id=ticket.pk, reference="HF-1")
        drain()
        assert external.status == "pending"


def test_a_zendesk_webhook_may_authenticate_with_its_signature(world, client, allow_loopback):
    import base64
    import hashlib
    import hmac
    import json

    with serving(fake_for("zendesk")) as fake:
        connector, _ = make_connector(world, fake, signing_secret="zd-signing-secret")
        external = seed(fake, complete=True)
        body = json.dumps({"ticket_id": external.id}).encode()
        url = f"/api/v1/connectors/{connector.pk}/handover"

        def post(secret: str, stamp: str):
            digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
            return client.post(
                url,
                data=body,
                content_type="application/json",
                HTTP_X_ZENDESK_WEBHOOK_SIGNATURE=base64.b64encode(digest).decode(),
                HTTP_X_ZENDESK_WEBHOOK_SIGNATURE_TIMESTAMP=stamp,
            )

        now = timezone.now().replace(microsecond=0)
        # A forged signature and a replayed (old) one are refused like a missing connector
        assert post("wrong", now.isoformat()).status_code == 404
        assert (
            post("zd-signing-secret", (now - timedelta(minutes=10)).isoformat()).status_code == 404
        )
        # Zendesk's own signature is accepted
        assert post("zd-signing-secret", now.isoformat().replace("+00:00", "Z")).status_code == 202
        drain()
    assert ConnectorLink.objects.filter(connector=connector).exists()
    # The signing secret is for Zendesk only
    with pytest.raises(Exception) as refused:
        services.connector_create(
            actor=world.actor("acme_admin"),
            data={
                "tool": "freshdesk",
                "name": "x",
                "base_url": "http://127.0.0.1:9",
                "api_token": "t",
                "signing_secret": "s",
                "agent": world.user("acme_l1").email,
            },
        )
    assert refused.value.fields == {"signing_secret": "is for Zendesk webhooks only"}
