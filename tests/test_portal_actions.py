"""What a customer does in the portal, each through the ticket services: report a
problem with its files, answer support, reopen within the period, confirm and close."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.factories import ACME_CONTRACT, ACME_FLOW, ACME_WORKSPACE, PLAIN_LOG, ticket_at
from tierdesk.accounts.services import user_preferences_update
from tierdesk.core.clock import travel_to
from tierdesk.tickets import access, services
from tierdesk.tickets.models import EventKind, Status


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (31, 78, 121)).save(buffer, "PNG")
    return buffer.getvalue()


def local(moment: datetime, zone: str) -> str:
    """A datetime-local input's value in a time zone."""
    return timezone.localtime(moment, timezone=ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def customer_tickets(world, who="acme_customer"):
    return access.visible_tickets(world.actor(who))


# ---------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------
def test_a_report_opens_a_ticket_for_the_partners_l1_with_its_files(world, client):
    # given a customer in London
    user = world.user("acme_customer")
    user_preferences_update(user=user, time_zone="Europe/London", language="en")
    client.force_login(user)
    happened = (timezone.now() - timedelta(days=2)).replace(second=0, microsecond=0)
    needed = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    # when they report a problem with the flow's address, times and a log and a screenshot
    response = client.post(
        "/portal/new/",
        {
            "title": "Orders stop at the ERP step",
            "platform_url": f"https://app.elastic.io/c/{ACME_CONTRACT}/w/{ACME_WORKSPACE}"
            f"/designer/{ACME_FLOW}/v/7",
            "description": "No orders since Monday.",
            "expected_behaviour": "Orders reach the ERP.",
            "actual_behaviour": "401 at the ERP step.",
            "occurred_at": local(happened, "Europe/London"),
            "reproducibility": "always",
            "steps_to_reproduce": "Send an order.",
            "is_blocker": "yes",
            "blocker_impact": "Nothing ships.",
            "needed_by": local(needed, "Europe/London"),
            "logs": [SimpleUploadedFile("execution.log", PLAIN_LOG)],
            "screenshots": [SimpleUploadedFile("designer.png", png())],
        },
    )
    # then a ticket waits in the partner's L1 intake, for this customer
    ticket = customer_tickets(world).get()
    assert response.status_code == 302
    assert response["Location"] == f"/portal/tickets/{ticket.number}/"
    assert (ticket.level, ticket.status) == (1, Status.NEW)
    assert ticket.partner == world.acme and ticket.customer == user
    # with the IDs read from the address and the times read in the customer's zone
    assert (ticket.contract_id, ticket.workspace_id, ticket.flow_id, ticket.flow_version) == (
        ACME_CONTRACT,
        ACME_WORKSPACE,
        ACME_FLOW,
        "7",
    )
    assert ticket.occurred_at == happened
    assert ticket.needed_by == needed
    assert ticket.is_blocker is True
    # and the files are attached, public to the customer, each sniffed as what it is
    files = {a.filename: a for a in ticket.attachments.all()}
    assert set(files) == {"execution.log", "designer.png"}
    assert files["designer.png"].content_type == "image/png"
    assert not any(a.internal for a in files.values())
    # and the customer lands on the ticket with its number in the brand's words
    page = client.get(response["Location"]).content.decode()
    assert f"received your report as TD-{ticket.number}" in page


def test_a_refused_report_writes_nothing_and_says_why_beside_the_field(world, client):
    client.force_login(world.user("acme_customer"))
    future = local(timezone.now() + timedelta(days=1), "Europe/Berlin")
    # when the report has a screenshot as its log, and a time in the future
    response = client.post(
        "/portal/new/",
        {
            "title": "Broken",
            "description": "It fails.",
            "occurred_at": future,
            "logs": [SimpleUploadedFile("log.png", png())],
        },
    )
    html = response.content.decode()
    # then nothing is written, and each reason stands beside its field
    assert response.status_code == 422
    assert "lies in the future" in html
    assert not customer_tickets(world).exists()
    # when only the log is wrong
    response = client.post(
        "/portal/new/",
        {
            "title": "Broken",
            "description": "It fails.",
            "logs": [SimpleUploadedFile("log.png", png())],
        },
    )
    # then the refusal names the file and why, and still no ticket exists
    assert response.status_code == 422
    assert "log.png" in response.content.decode()
    assert "not a text log" in response.content.decode()
    assert not customer_tickets(world).exists()


def test_a_report_without_summary_or_description_is_refused(world, client):
    client.force_login(world.user("acme_customer"))
    response = client.post("/portal/new/", {"title": "", "description": ""})
    assert response.status_code == 422
    assert not customer_tickets(world).exists()


# ---------------------------------------------------------------------------------------
# Replies
# ---------------------------------------------------------------------------------------
def test_a_reply_to_a_question_moves_the_ticket_back_to_in_progress(world, client):
    for where, level in (("waiting@L1", 1), ("waiting@L2", 2)):
        # given a ticket waiting on the customer at L1 or L2
        ticket = ticket_at(world, where)
        client.force_login(world.user("acme_customer"))
        # when the customer answers with a log
        response = client.post(
            f"/portal/tickets/{ticket.number}/reply/",
            {"body": "Order 4711, at 09:14.", "logs": [SimpleUploadedFile("again.log", PLAIN_LOG)]},
        )
        # then the ticket is in progress again at the same level, with the answer
        assert response.status_code == 302
        ticket.refresh_from_db()
        assert (ticket.level, ticket.status) == (level, Status.IN_PROGRESS)
        answer = ticket.messages.get(body="Order 4711, at 09:14.")
        assert answer.internal is False
        assert answer.attachments.get().filename == "again.log"
        assert ticket.events.filter(kind=EventKind.CUSTOMER_REPLIED).count() == 1


def test_a_reply_with_a_refused_file_is_not_sent_at_all(world, client):
    ticket = ticket_at(world, "waiting@L2")
    client.force_login(world.user("acme_customer"))
    # when the answer's "log" is an image
    response = client.post(
        f"/portal/tickets/{ticket.number}/reply/",
        {"body": "Here is the log.", "logs": [SimpleUploadedFile("log.png", png())]},
    )
    # then neither the answer nor the move happened, and the page says why
    assert response.status_code == 422
    assert "not a text log" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.WAITING_ON_CUSTOMER
    assert not ticket.messages.filter(body="Here is the log.").exists()


def test_a_closed_ticket_takes_no_reply(world, client):
    ticket = ticket_at(world, "closed")
    client.force_login(world.user("acme_customer"))
    html = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    assert "Send reply" not in html
    response = client.post(f"/portal/tickets/{ticket.number}/reply/", {"body": "hello?"})
    assert response.status_code == 422
    assert not ticket.messages.filter(body="hello?").exists()


# ---------------------------------------------------------------------------------------
# Reopen and close
# ---------------------------------------------------------------------------------------
def test_reopen_within_the_period_returns_it_to_the_level_that_resolved_it(world, client, settings):
    settings.TIERDESK_REOPEN_DAYS = 14
    ticket = ticket_at(world, "resolved@L2")
    resolved_at = ticket.resolved_at
    client.force_login(world.user("acme_customer"))
    url = f"/portal/tickets/{ticket.number}/"
    with travel_to(resolved_at + timedelta(days=13)):
        # when, on day 13, the customer looks and says it is not solved
        html = client.get(url).content.decode()
        assert "Reopen ticket" in html
        response = client.post(
            f"{url}reopen/", {"reason": "Still 401 this morning.", "version": ticket.version}
        )
    # then it is in progress again at L2, with the agent who resolved it
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.level, ticket.status) == (2, Status.IN_PROGRESS)
    assert ticket.assignee == world.user("l2")
    assert ticket.events.filter(kind=EventKind.REOPENED, reason="Still 401 this morning.").exists()


def test_reopen_after_the_period_is_refused_and_offered_no_more(world, client, settings):
    settings.TIERDESK_REOPEN_DAYS = 14
    ticket = ticket_at(world, "resolved@L1")
    resolved_at = ticket.resolved_at
    client.force_login(world.user("acme_customer"))
    url = f"/portal/tickets/{ticket.number}/"
    with travel_to(resolved_at + timedelta(days=15)):
        # when the customer looks on day 15, then the page offers no reopening
        html = client.get(url).content.decode()
        assert "Reopen ticket" not in html
        assert "The time to reopen this ticket ended" in html
        # and a reopen posted anyway is refused with the reason
        response = client.post(f"{url}reopen/", {"reason": "Still broken."})
    assert response.status_code == 422
    assert "reopen period has ended" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_reopen_needs_a_reason(world, client):
    ticket = ticket_at(world, "resolved@L1")
    client.force_login(world.user("acme_customer"))
    response = client.post(f"/portal/tickets/{ticket.number}/reopen/", {"reason": " "})
    assert response.status_code == 422
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_the_customer_confirms_and_closes(world, client):
    ticket = ticket_at(world, "in_progress@L2")
    services.ticket_resolve(
        actor=world.actor("l2"),
        ticket_id=ticket.pk,
        resolution="Internal: cleared the stuck queue.",
        cause="usage",
        customer_message="Your orders flow again; please check.",
    )
    ticket.refresh_from_db()
    client.force_login(world.user("acme_customer"))
    html = client.get(f"/portal/tickets/{ticket.number}/").content.decode()
    # the customer reads the message written for them, not support's resolution notes
    assert "Your orders flow again" in html and "stuck queue" not in html
    # when the customer confirms the solution
    response = client.post(f"/portal/tickets/{ticket.number}/close/", {"version": ticket.version})
    # then the ticket is closed, recorded as confirmed by them
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    closed = ticket.events.get(kind=EventKind.CLOSED)
    assert closed.actor == world.user("acme_customer") and closed.data["confirmed"] is True


def test_closing_a_ticket_that_changed_meanwhile_is_refused(world, client):
    ticket = ticket_at(world, "resolved@L2")
    stale = ticket.version
    client.force_login(world.user("acme_customer"))
    # given the customer's page is open while L2 reopens the ticket
    services.ticket_reopen(actor=world.actor("l2"), ticket_id=ticket.pk, reason="More to do.")
    # when the customer presses "close" on the page they loaded
    response = client.post(f"/portal/tickets/{ticket.number}/close/", {"version": stale})
    # then nothing closes and the page says the ticket changed
    assert response.status_code == 409
    assert "changed since you loaded it" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
