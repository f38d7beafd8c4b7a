"""The partner world the connector tests share: a connector of Acme for each tool, an
external ticket seeded complete or not, and `drain()`, the worker run in the test."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.connector_fakes import PNG, FakeFreshdesk, FakeJsm, FakeTicket, FakeZendesk
from tests.factories import ACME_CONTRACT, ACME_FLOW, ACME_WORKSPACE, PLAIN_LOG
from tierdesk.connectors import jobs, services
from tierdesk.connectors.models import ConnectorJob, JobStatus

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
