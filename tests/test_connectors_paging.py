"""Comments beyond one page: each tool's stand-in pages its comments as the real API does
(Zendesk cursors, Freshdesk pages with a Link header, Jira startAt/total), the connector
reads a few pages a sync (small pages and a small cap here) and reads on in the next,
and every comment arrives once: none lost, none twice, none echoed."""

from __future__ import annotations

import pytest

from tests.connector_fakes import serving, trigger
from tests.connector_world import TOOLS, allow_loopback, drain, fake_for, make_connector, seed
from tierdesk.connectors.clients import Client
from tierdesk.connectors.models import ConnectorJob, ConnectorLink, JobKind, SeenItem
from tierdesk.tickets import services as tickets

__all__ = ["allow_loopback"]  # a fixture

COMMENT_LISTS = {
    "zendesk": "/api/v2/tickets/4711/comments.json",
    "freshdesk": "/api/v2/tickets/77/conversations",
    "jsm": "/rest/api/3/issue/SUP-12/comment",
}


@pytest.fixture
def small_pages(monkeypatch):
    """Five comments a page, three pages a sync."""
    monkeypatch.setattr(Client, "page_size", 5)
    monkeypatch.setattr(Client, "max_pages", 3)


def _list_calls(fake) -> int:
    return sum(
        1
        for method, path, _ in fake.requests
        if (method, path) == ("GET", COMMENT_LISTS[fake.tool])
    )


def _bodies(ticket) -> list[str]:
    return list(ticket.messages.order_by("pk").values_list("body", flat=True))


@pytest.mark.parametrize("tool", TOOLS)
def test_many_comments_arrive_once_each_over_several_pages_and_syncs(
    world, client, allow_loopback, small_pages, tool
):
    with serving(fake_for(tool)) as fake:
        if tool == "jsm":
            fake.max_results = 4  # Jira may give fewer than asked: the client goes by total
        connector, secret = make_connector(world, fake)
        external = seed(fake, complete=True)
        trigger(client, connector, secret, external.id)
        drain()
        ticket = ConnectorLink.objects.get(connector=connector).ticket
        before = _bodies(ticket)
        # When the partner's agent writes 27 comments and the tool says so once
        written = [fake.add_comment(external.id, f"Note {n:02}") for n in range(27)]
        calls = _list_calls(fake)
        trigger(client, connector, secret, external.id, what="comment")
        drain()
        # Then all 27 are messages, in order, each once, read over several pages and
        # more than one sync (the cap stopped the first read; a second job read on)
        assert _bodies(ticket)[len(before) :] == [f"Note {n:02}" for n in range(27)]
        assert _list_calls(fake) - calls >= 27 // 5
        assert ConnectorJob.objects.filter(kind=JobKind.PULL, payload__reading_on=True).exists()

        # When the tool says it again: nothing is read twice into a message
        trigger(client, connector, secret, external.id, what="comment")
        drain()
        assert len(_bodies(ticket)) == len(before) + 27

        # When L2 answers, the comment written on the tool is not read back
        l2 = world.actor("l2")
        tickets.ticket_take(actor=l2, ticket_id=ticket.pk)
        tickets.message_add(actor=l2, ticket_id=ticket.pk, body="Thanks, reading them.")
        drain()
        assert "[Tierdesk " in external.comments[-1].body
        # and an early comment is deleted on the tool (offsets move), then three more come
        fake.delete_comment(external.id, written[1].id)
        for n in range(27, 30):
            fake.add_comment(external.id, f"Note {n:02}")
        trigger(client, connector, secret, external.id, what="comment")
        drain()
    bodies = _bodies(ticket)[len(before) :]
    assert bodies == [f"Note {n:02}" for n in range(27)] + [
        "Thanks, reading them.",
        *(f"Note {n:02}" for n in range(27, 30)),
    ]
    seen = list(
        SeenItem.objects.filter(kind=SeenItem.Kind.COMMENT).values_list("external_id", flat=True)
    )
    assert len(seen) == len(set(seen))  # every comment recorded once


@pytest.mark.parametrize("tool", TOOLS)
def test_a_handover_of_a_long_ticket_reads_on_and_loses_no_comment(
    world, client, allow_loopback, small_pages, tool
):
    with serving(fake_for(tool)) as fake:
        connector, secret = make_connector(world, fake)
        external = seed(fake, complete=True)
        # Given a ticket with more comments than one sync reads
        for n in range(26):
            fake.add_comment(external.id, f"Earlier {n:02}", public=n % 2 == 0)
        trigger(client, connector, secret, external.id)
        drain()
    link = ConnectorLink.objects.select_related("ticket").get(connector=connector)
    # Then the handover took what the first read gave as context, the rest came as
    # messages, and every comment on the tool is recorded exactly once
    context = link.ticket.context
    messages = [b for b in _bodies(link.ticket) if b.startswith("Earlier")]
    earlier = [f"Earlier {n:02}" for n in range(26)]
    in_context = [e for e in earlier if e in context]
    assert in_context and messages  # the cap cut the first read
    assert in_context + messages == earlier
    seen = list(
        SeenItem.objects.filter(link=link, kind=SeenItem.Kind.COMMENT).values_list(
            "external_id", flat=True
        )
    )
    assert sorted(seen) == sorted(str(c.id) for c in external.comments)
    # (the private ones stay internal in Tierdesk)
    internal = dict(link.ticket.messages.values_list("body", "internal"))
    assert all(internal[m] is (int(m[-2:]) % 2 == 1) for m in messages)


@pytest.mark.parametrize("tool", TOOLS)
def test_comments_deleted_in_bulk_on_the_tool_do_not_hide_the_new_ones(
    world, client, allow_loopback, small_pages, tool
):
    with serving(fake_for(tool)) as fake:
        connector, secret = make_connector(world, fake)
        external = seed(fake, complete=True)
        trigger(client, connector, secret, external.id)
        drain()
        ticket = ConnectorLink.objects.get(connector=connector).ticket
        written = [fake.add_comment(external.id, f"Note {n:02}") for n in range(24)]
        trigger(client, connector, secret, external.id, what="comment")
        drain()
        # Given the last read stopped on a late page, and then most comments are deleted
        # (the page or offset kept now lies past the end of the list)
        for comment in written[:20]:
            fake.delete_comment(external.id, comment.id)
        # When two more come
        fake.add_comment(external.id, "After the clean-up")
        fake.add_comment(external.id, "And one more")
        trigger(client, connector, secret, external.id, what="comment")
        drain()
    # Then both arrive, once
    bodies = _bodies(ticket)
    assert bodies[-2:] == ["After the clean-up", "And one more"]
    assert len([b for b in bodies if b.startswith("Note")]) == 24
