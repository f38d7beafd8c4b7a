"""The ticket page: what it shows to whom, Markdown that cannot carry script, attachments
(thumbnails only for raster images, previews for logs) and a flat query count."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ACME_CONTRACT,
    ACME_FLOW,
    ACME_WORKSPACE,
    PLAIN_LOG,
    new_ticket,
    record_reproduction,
    ticket_at,
)
from tierdesk.tickets import services
from tierdesk.tickets.templatetags.tierdesk_ui import render_markdown

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
# The ticket, its conversation and checklist, and a fixed number for each panel the outer
# apps add (SLA clocks, triage findings, log lines, similar tickets, problem and links,
# assignment, presence, time, following, the known problem a finding matches, the
# directory's names of the platform IDs, the reply box's signature, the customer's support
# access grants, the automation runs and tags, the ratings with their reopen offer):
# constant whatever the conversation's length (one more on PostgreSQL than on SQLite).
TICKET_QUERY_BUDGET = 44


def grow(world, ticket, n: int, start: int = 0) -> None:
    """n more public replies, internal notes, logs and screenshots (and their events)."""
    for i in range(start, start + n):
        for internal in (False, True):
            services.message_add(
                actor=world.actor("acme_l1"),
                ticket_id=ticket.pk,
                body=f"Message {i} **bold**",
                internal=internal,
            )
        services.attachment_add(
            actor=world.actor("acme_l1"),
            ticket_id=ticket.pk,
            file=PLAIN_LOG,
            filename=f"run-{i}.log",
            kind="log",
            internal=False,
        )
        services.attachment_add(
            actor=world.actor("acme_l1"),
            ticket_id=ticket.pk,
            file=PNG,
            filename=f"shot-{i}.png",
            kind="screenshot",
            internal=False,
        )


@pytest.mark.parametrize(
    ("who", "where"),
    [
        ("acme_l1", "in_progress@L1"),
        ("l2", "in_progress@L2"),
        ("l2", "verifying@L2"),
        ("l3", "in_progress@L3"),
    ],
)
def test_ticket_page_query_count_does_not_grow_with_the_conversation(world, client, who, where):
    ticket = ticket_at(world, where)
    grow(world, ticket, 3)
    client.force_login(world.user(who))
    url = f"/tickets/{ticket.number}/"
    client.get(url)  # warm up
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    grow(world, ticket, 12, start=3)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.count(b"Message 14") >= 1
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(many) <= TICKET_QUERY_BUDGET


def test_the_page_shows_the_facts_in_the_viewers_zone_and_utc(world, client):
    moment = datetime(2026, 11, 20, 9, 14, tzinfo=UTC)
    ticket = new_ticket(world, occurred_at=moment)
    user = world.user("acme_l1")
    user.time_zone = "Asia/Tokyo"
    user.save()
    client.force_login(user)
    body = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Level 1" in body and "New" in body and "Priority" in body and "Blocker" in body
    # when it happened: 18:14 in Tokyo, and 09:14 UTC
    assert "6:14 p.m." in body and "JST" in body
    assert "2026-11-20 09:14 UTC" in body
    # the platform IDs link to the page they came from
    link = f"/c/{ACME_CONTRACT}/w/{ACME_WORKSPACE}/designer/{ACME_FLOW}"
    assert link in body
    # the latest acceptable time with the time left
    assert "in 1\xa0day" in body or "in 2\xa0days" in body


def test_replies_and_internal_notes_are_distinct_and_notes_never_reach_the_customer(world, client):
    ticket = ticket_at(world, "in_progress@L1")
    actor = world.actor("acme_l1")
    services.message_add(actor=actor, ticket_id=ticket.pk, body="PUBLIC-REPLY")
    services.message_add(actor=actor, ticket_id=ticket.pk, body="SECRET-NOTE", internal=True)
    client.force_login(world.user("acme_l1"))
    staff = client.get(f"/tickets/{ticket.number}/").content
    note = staff.split(b"SECRET-NOTE")[0].rsplit(b"<li", 1)[1]
    reply = staff.split(b"PUBLIC-REPLY")[0].rsplit(b"<li", 1)[1]
    assert b'class="msg internal"' in note and b"Internal note" in note
    assert b'class="msg public"' in reply
    client.force_login(world.user("acme_customer"))
    customer = client.get(f"/portal/tickets/{ticket.number}/").content
    assert b"PUBLIC-REPLY" in customer
    assert b"SECRET-NOTE" not in customer
    assert b"History" not in customer  # no event timeline for customers
    assert b'name="internal"' not in customer


def test_markdown_is_rendered_and_script_is_escaped(world, client):
    ticket = ticket_at(world, "in_progress@L1")
    services.message_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        body='Hello <script>alert("x")</script> **bold** [click](javascript:alert(1)) '
        "<img src=x onerror=alert(2)>",
    )
    client.force_login(world.user("acme_l1"))
    body = client.get(f"/tickets/{ticket.number}/").content
    assert b"<strong>bold</strong>" in body
    assert b"<script>alert" not in body
    assert b"&lt;script&gt;" in body
    assert b'href="javascript' not in body
    assert b"<img src=x" not in body and b"onerror=alert(2)>" not in body


def test_render_markdown_keeps_safe_links_only():
    html = render_markdown("[ok](https://example.test) [bad](javascript:x) <b>raw</b>")
    assert 'href="https://example.test"' in html and 'rel="noopener noreferrer nofollow"' in html
    assert 'href="javascript' not in html
    assert "&lt;b&gt;raw&lt;/b&gt;" in html


def test_screenshots_have_thumbnails_and_logs_a_preview(world, client):
    ticket = ticket_at(world, "in_progress@L1")
    actor = world.actor("acme_l1")
    shot = services.attachment_add(
        actor=actor, ticket_id=ticket.pk, file=PNG, filename="shot.png", kind="screenshot"
    )
    log = services.attachment_add(
        actor=actor,
        ticket_id=ticket.pk,
        file=b"line <b>1</b>\n" + b"\n".join(b"line %d" % i for i in range(2, 100)),
        filename="exec.log",
        kind="log",
    )
    svg = services.attachment_add(
        actor=actor, ticket_id=ticket.pk, file=SVG, filename="logo.svg", kind="other"
    )
    client.force_login(world.user("acme_l1"))
    body = client.get(f"/tickets/{ticket.number}/").content
    assert f'src="/attachments/{shot.pk}/image/"'.encode() in body
    assert f"/attachments/{svg.pk}/image/".encode() not in body
    # the preview is escaped and stops after 60 lines
    assert b"line &lt;b&gt;1&lt;/b&gt;" in body
    assert b"line 60\n" in body or b"line 60</pre>" in body
    assert b"line 61" not in body
    # the image comes as an image, locked down
    image = client.get(f"/attachments/{shot.pk}/image/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in image["Content-Security-Policy"]
    assert image.content == PNG
    # anything else is never sent as an image: download only
    assert client.get(f"/attachments/{svg.pk}/image/").status_code == 404
    assert client.get(f"/attachments/{log.pk}/image/").status_code == 404
    download = client.get(f"/attachments/{svg.pk}/")
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Disposition"].startswith("attachment")


def test_an_image_of_another_partner_is_404(world, client):
    ticket = ticket_at(world, "in_progress@L1")
    shot = services.attachment_add(
        actor=world.actor("acme_l1"), ticket_id=ticket.pk, file=PNG, filename="s.png",
        kind="screenshot",
    )  # fmt: skip
    client.force_login(world.user("globex_l1"))
    assert client.get(f"/attachments/{shot.pk}/image/").status_code == 404


@pytest.mark.parametrize(
    ("who", "where", "offered", "not_offered"),
    [
        ("acme_l1", "new@L1", {"take"}, {"hand_over", "resolve"}),
        ("acme_l1", "in_progress@L1", {"hand_over", "resolve", "ask_customer"}, {"take"}),
        ("l2", "new@L2", {"take", "bounce"}, {"escalate"}),
        ("l2", "in_progress@L2", {"escalate", "bounce", "resolve"}, {"take"}),
        ("l3", "new@L3", {"take", "return_to_l2"}, {"deliver_fix"}),
        ("l3", "in_progress@L3", {"deliver_fix", "return_to_l2"}, {"take"}),
        ("l2", "verifying@L2", {"verify_fix"}, {"escalate"}),
        ("l2", "new@L1", set(), {"take", "hand_over"}),
    ],
)
def test_only_the_actions_this_person_may_take_now_are_offered(
    world, client, who, where, offered, not_offered
):
    ticket = ticket_at(world, where)
    client.force_login(world.user(who))
    body = client.get(f"/tickets/{ticket.number}/").content.decode()
    for action in offered:
        assert f"/act/{action}/" in body, action
    for action in not_offered:
        assert f"/act/{action}/" not in body, action


def test_a_closed_ticket_offers_no_writing(world, client):
    ticket = ticket_at(world, "closed")
    client.force_login(world.user("acme_l1"))
    body = client.get(f"/tickets/{ticket.number}/").content
    assert b"/messages/" not in body and b'/attachments/"' not in body
    assert b"Edit the report" not in body


def test_the_working_level_reads_the_conversation_first_and_what_is_done_folded(world, client):
    # given an L2 ticket with a reproduction record: the report, the handover and the
    # reproduction are done
    ticket = ticket_at(world, "in_progress@L2")
    record_reproduction(world, ticket.pk)
    client.force_login(world.user("l2"))
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    main = page.split("<aside>")[0]
    # then the conversation and the reply box come before the report, folded with its
    # first line as the summary, and the handover and the record fold too
    assert main.index('id="conversation"') < main.index('id="report"')
    assert '<details class="card fold" id="report">' in page
    assert '<details class="card fold" id="handover">' in page
    assert '<details class="card record fold" id="reproduction">' in page
    assert '<details class="card no-print fold" id="reproduction-form">' in page
    assert '<details class="card fold" id="history">' in page  # its last event as summary
    # the actions stay at the top of the side column
    aside = page.split("<aside>")[1]
    assert aside.index('id="actions"') < aside.index('id="facts-h"')
    # L1, not working an L2 ticket, reads the report first, open
    client.force_login(world.user("acme_l1"))
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert page.index('id="report"') < page.index('id="conversation"')
    assert '<details class="card fold" id="report" open>' in page


def test_contract_workspace_and_flow_by_name_with_their_ids_copyable(world, client):
    ticket = ticket_at(world, "in_progress@L1")
    client.force_login(world.user("acme_l1"))
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    for name in ("Acme production", "Main", "Orders sync"):
        assert f'<span class="platform-name">{name}</span>' in page
    for platform_id in (ACME_CONTRACT, ACME_WORKSPACE, ACME_FLOW):
        assert f'<code class="mono">{platform_id}</code>' in page
        assert f'data-copy="{platform_id}"' in page
    assert "tierdesk/copy.js" in page


def test_the_history_says_what_changed(world, client):
    ticket = ticket_at(world, "in_progress@L1")
    services.ticket_update(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        changes={"priority": "high", "description": "Longer text.", "incident": True},
        version=ticket.version,
    )
    event = ticket.events.filter(kind="updated").get()
    assert event.data["changes"] == {"incident": [False, True], "priority": ["normal", "high"]}
    client.force_login(world.user("acme_l1"))
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "priority: Normal → High" in page
    assert "incident: no → yes" in page
    assert "description changed" in page
