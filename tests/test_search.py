"""Full-text search and similar tickets, on SQLite (FTS5) and PostgreSQL (tsvector):
what is found, the filters, the pages — and access inside the query: another partner's
tickets, internal notes and internal logs, and tickets L3 never got never appear in the
results, the counts or the snippets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection

from tests.factories import ACME_FLOW, GLOBEX_FLOW, PEOPLE, new_ticket, ticket_at
from tierdesk.accounts.models import Organisation
from tierdesk.core.errors import InvalidInput
from tierdesk.logs import services as logs
from tierdesk.search.models import ErrorSignature, SearchDocument
from tierdesk.search.query import parse_query
from tierdesk.search.selectors import document_scope, search, similar_tickets
from tierdesk.search.signatures import normalise, signature
from tierdesk.tickets import services
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.models import AttachmentKind

ON_POSTGRES = connection.vendor == "postgresql"


def numbers(results) -> list[int]:
    return [hit.ticket.number for hit in results.hits]


def log_with(ticket, message: str, flow: str = ACME_FLOW) -> bytes:
    at = ticket.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return (
        f'{{"level":50,"msg":"{message}","time":"{at}","v":0,"ELASTICIO_FLOW_ID":"{flow}"}}\n'
    ).encode()


def attach(world, ticket, data: bytes, *, actor="acme_l1", internal=None):
    attachment = services.attachment_add(
        actor=world.actor(actor),
        ticket_id=ticket.pk,
        file=data,
        filename="execution.log",
        kind=AttachmentKind.LOG,
        internal=internal,
    )
    logs.log_parse(attachment_id=attachment.pk)
    return attachment


# ---------------------------------------------------------------------------------------
# Pure parts
# ---------------------------------------------------------------------------------------
def test_the_query_is_taken_apart_into_text_filters_and_references():
    parsed = parse_query('orders -timeout "access denied" status:open customer:"Ann Lee" TD-10001')
    assert [(t.text, t.negated, t.phrase) for t in parsed.terms] == [
        ("orders", False, False),
        ("timeout", True, False),
        ("access denied", False, True),
        ("TD-10001", False, False),
    ]
    assert parsed.filters == {"status": "open", "customer": "Ann Lee"}
    assert parsed.numbers == [10001]
    assert parse_query("ACME#10002 #77 4711").numbers == [10002, 77, 4711]
    assert parse_query("http://x.example:8080").filters == {}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (
            "Request to https://erp.acme.example/api/orders/4711 failed after 3021 ms",
            "Request to https://erp.globex.example/api/orders/99 failed after 12 ms",
        ),
        (
            "connect ECONNREFUSED 10.20.0.15:22 at 2026-11-27T09:14:03Z",
            "connect ECONNREFUSED 192.168.1.4:2222 at 2026-12-01T17:00:00+01:00",
        ),
        (
            "Record 5f1a2b3c4d5e6f7081920a3d not found in /var/data/in/orders.csv",
            "Record 6a0b1c2d3e4f5a6b7c8d9e2b not found in /srv/x/y.csv",
        ),
        (
            'Field "customer_no" is invalid for ann@acme.example',
            "Field 'sku' is invalid for b@x.io",
        ),
    ],
)
def test_what_varies_is_normalised_away(one, other):
    assert signature(one) == signature(other)


def test_different_errors_keep_different_signatures():
    assert signature("Request failed with status code 401") != signature(
        "Request failed with status code 401 Unauthorized: token expired"
    )
    assert normalise("Request failed with status code 401") == (
        "Request failed with status code <n>"
    )


# ---------------------------------------------------------------------------------------
# What is found
# ---------------------------------------------------------------------------------------
@pytest.fixture
def acme_ticket(world):
    return new_ticket(
        world,
        title="Invoices stuck in quarantine",
        description="The zeppelin connector stopped delivering invoices.",
    )


def test_each_field_and_thing_a_person_may_see_is_found(world, acme_ticket):
    ticket = acme_ticket
    services.message_add(
        actor=world.actor("acme_customer"), ticket_id=ticket.pk, body="Also the marmalade export"
    )
    attach(world, ticket, log_with(ticket, "Xylophone gateway refused the batch"))
    l2 = world.actor("l2")
    for query in [
        "quarantine",  # title
        "zeppelin",  # description
        "marmalade",  # a public message
        "xylophone",  # a log's error line
        "acme_customer@example.test",  # the customer's address
        '"Acme Customer"',  # the customer's name
        "Acme Integrations",  # the organisation
        f"TD-{ticket.number}",  # the reference with the desk's prefix
        f"#{ticket.number}",
        str(ticket.number),
        ACME_FLOW,  # a platform ID
        ACME_FLOW[:10],  # a piece of one
    ]:
        assert ticket.number in numbers(search(l2, query)), query


def test_english_stemming_and_german_on_postgresql(world, acme_ticket):
    l2 = world.actor("l2")
    # "delivering" is found by "delivered" (stemmed)
    assert numbers(search(l2, "delivered")) == [acme_ticket.number]
    if ON_POSTGRES:
        german = new_ticket(world, title="Rechnungen", description="Die Lieferungen hängen fest.")
        assert numbers(search(l2, "Lieferung")) == [german.number]


def test_a_reference_with_the_partners_mail_prefix(world, acme_ticket):
    Organisation.objects.filter(pk=world.acme.pk).update(ticket_tag="ACME")
    services.ticket_update(
        actor=world.actor("acme_l1"),
        ticket_id=acme_ticket.pk,
        changes={"title": "Invoices stuck in quarantine!"},
        version=acme_ticket.version,
    )
    found = search(world.actor("l2"), f"ACME#{acme_ticket.number}")
    assert numbers(found)[0] == acme_ticket.number


def test_the_document_follows_every_write(world, acme_ticket):
    # when the title changes, the old word is gone and the new one found
    services.ticket_update(
        actor=world.actor("acme_l1"),
        ticket_id=acme_ticket.pk,
        changes={"title": "Credit notes stuck"},
        version=acme_ticket.version,
    )
    l2 = world.actor("l2")
    assert numbers(search(l2, "quarantine")) == []
    assert numbers(search(l2, "credit")) == [acme_ticket.number]
    assert SearchDocument.objects.filter(ticket=acme_ticket).count() == 1


# ---------------------------------------------------------------------------------------
# Access inside the query
# ---------------------------------------------------------------------------------------
@pytest.fixture(params=["walk", "gin"])
def either_path(request, monkeypatch):
    """On PostgreSQL a scoped search walks the scope's index (a common word) or reads the
    GIN index alone (a rare one): access must hold on both paths."""
    from tierdesk.search import backends

    monkeypatch.setattr(backends, "_common", lambda tsv, text: request.param == "walk")
    return request.param


def test_another_partners_tickets_never_appear_in_results_or_counts(
    world, acme_ticket, either_path
):
    # given Globex's ticket with the same word
    new_ticket(world, partner="globex", title="Invoices stuck in quarantine at Globex")
    # when Acme's agent, Acme's customer and Globex's agent search
    acme = search(world.actor("acme_l1"), "quarantine")
    customer = search(world.actor("acme_customer"), "quarantine")
    globex = search(world.actor("globex_l1"), "quarantine")
    # then each finds only their own, and the counts say so
    assert (numbers(acme), acme.count) == ([acme_ticket.number], 1)
    assert (numbers(customer), customer.count) == ([acme_ticket.number], 1)
    assert acme_ticket.number not in numbers(globex) and globex.count == 1
    assert "Globex" not in " ".join(hit.snippet for hit in acme.hits)
    # and L2 sees both
    assert search(world.actor("l2"), "quarantine").count == 2


def test_internal_notes_and_logs_are_for_staff_only(world, acme_ticket, either_path):
    ticket = acme_ticket
    services.message_add(
        actor=world.actor("acme_l1"),
        ticket_id=ticket.pk,
        body="Customer is on the harpsichord plan, be careful",
        internal=True,
    )
    attach(world, ticket, log_with(ticket, "Tamborine worker crashed"), internal=True)
    customer = world.actor("acme_customer")
    # the customer finds neither the note's words nor the internal log's
    for word in ("harpsichord", "tamborine"):
        found = search(customer, word)
        assert (numbers(found), found.count) == ([], 0), word
    # and a snippet of a match shows none of the internal text
    hit = search(customer, "zeppelin OR harpsichord").hits
    assert [h.ticket.number for h in hit] == [ticket.number]
    assert "harpsichord" not in hit[0].snippet and "<mark>zeppelin</mark>" in hit[0].snippet
    # while staff find both, with the word marked
    staff = search(world.actor("acme_l1"), "harpsichord")
    assert numbers(staff) == [ticket.number] and "<mark>harpsichord</mark>" in staff.hits[0].snippet
    assert numbers(search(world.actor("acme_l1"), "tamborine")) == [ticket.number]


def test_l3_finds_only_escalated_tickets(world):
    at_l2 = ticket_at(world, "in_progress@L2")
    escalated = ticket_at(world, "in_progress@L3")
    l3 = search(world.actor("l3"), "orders")
    assert numbers(l3) == [escalated.number] and l3.count == 1
    assert at_l2.number in numbers(search(world.actor("l2"), "orders"))


def test_the_document_scope_narrows_and_never_hides_what_access_allows(world, acme_ticket):
    # given tickets of both partners, of the desk's own customers, and one escalated
    new_ticket(world, partner="globex", title="Invoices stuck in quarantine at Globex")
    new_ticket(world, partner="vendor", title="Direct customer's quarantine")
    ticket_at(world, "in_progress@L3")
    everyone = set(SearchDocument.objects.values_list("ticket_id", flat=True))
    for key in PEOPLE:
        actor = world.actor(key)
        visible = set(visible_tickets(actor).values_list("pk", flat=True))
        scope = document_scope(actor)
        # the scope restated on the documents never hides a ticket access allows
        if scope is None:
            assert actor.sees_all_partners or actor.role == "l3_engineer", key
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT d.ticket_id FROM search_searchdocument d WHERE {scope[0]}", scope[1]
            )
            scoped = {row[0] for row in cursor.fetchall()}
        assert visible <= scoped < everyone, key
    # and through the scope each finds what access allows
    assert numbers(search(world.actor("acme_customer"), "quarantine")) == [acme_ticket.number]
    assert numbers(search(world.actor("globex_l1"), "quarantine")) != [acme_ticket.number]


def test_snippets_escape_what_people_wrote(world):
    new_ticket(world, title="Broken <script>alert(1)</script> widget")
    [hit] = search(world.actor("l2"), "widget").hits
    # (SQLite quotes the text, escaped; PostgreSQL's headline drops what looks like a tag)
    assert "<script>" not in hit.snippet and "alert(1)" in hit.snippet
    assert "<mark>widget</mark>" in hit.snippet


# ---------------------------------------------------------------------------------------
# Filters and pages
# ---------------------------------------------------------------------------------------
def test_filters_combine_with_the_text(world, acme_ticket):
    other = new_ticket(world, partner="globex", title="Invoices stuck in quarantine at Globex")
    at_l2 = ticket_at(world, "in_progress@L2")
    l2 = world.actor("l2")
    assert numbers(search(l2, "quarantine partner:globex")) == [other.number]
    assert numbers(search(l2, "quarantine customer:acme_customer")) == [acme_ticket.number]
    assert numbers(search(l2, "quarantine flow:" + GLOBEX_FLOW[:8])) == [other.number]
    assert at_l2.number in numbers(search(l2, "level:2"))
    assert acme_ticket.number not in numbers(search(l2, "level:l2"))
    assert numbers(search(l2, "quarantine status:new partner:acme")) == [acme_ticket.number]
    assert numbers(search(l2, "quarantine status:resolved")) == []
    attach(world, acme_ticket, log_with(acme_ticket, "boom"))
    assert numbers(search(l2, "quarantine level:error")) == [acme_ticket.number]
    with pytest.raises(InvalidInput) as refused:
        search(l2, "status:sleeping")
    assert "status:" in refused.value.fields["q"]
    with pytest.raises(InvalidInput):
        search(l2, "   ")


def test_pages_follow_the_cursor_without_gaps_or_repeats(world):
    made = {new_ticket(world, title=f"Batch {n} of the walrus import").number for n in range(23)}
    l2 = world.actor("l2")
    seen, cursor, pages = [], None, 0
    while True:
        page = search(l2, "walrus", cursor=cursor, limit=10)
        assert page.count == 23
        seen += numbers(page)
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3 and len(seen) == len(set(seen)) == 23 and set(seen) == made
    with pytest.raises(InvalidInput):
        search(l2, "walrus", cursor="not-a-cursor")


def test_the_api_page_and_its_refusals(world, client, acme_ticket):
    client.force_login(world.user("acme_customer"))
    body = client.get("/api/v1/search", {"q": "zeppelin"}).json()
    assert body["count"] == 1 and body["items"][0]["number"] == acme_ticket.number
    assert body["items"][0]["status"] == "new" and "<mark>" in body["items"][0]["snippet"]
    assert body["next_cursor"] is None
    assert client.get("/api/v1/search", {"q": "status:nope"}).status_code == 422
    assert client.get("/api/v1/search").status_code == 422
    assert client.get("/api/v1/search", {"q": "x", "limit": 0}).status_code == 422


def test_the_console_and_the_portal_have_a_search_box(world, client, acme_ticket):
    client.force_login(world.user("acme_l1"))
    page = client.get("/search/", {"q": "zeppelin"}).content.decode()
    assert f"TD-{acme_ticket.number}" in page and "<mark>zeppelin</mark>" in page
    assert 'role="search"' in client.get("/").content.decode()
    client.force_login(world.user("acme_customer"))
    portal = client.get("/portal/search/", {"q": "zeppelin"})
    assert portal.status_code == 200 and "Invoices stuck" in portal.content.decode()
    assert 'action="/portal/search/"' in client.get("/portal/").content.decode()
    client.force_login(world.user("globex_customer"))
    assert "Invoices stuck" not in client.get("/portal/search/", {"q": "zeppelin"}).content.decode()


# ---------------------------------------------------------------------------------------
# Similar tickets
# ---------------------------------------------------------------------------------------
def test_similar_tickets_by_error_flow_and_words_limited_to_what_one_sees(world, client):
    # given an earlier resolved ticket with the same error (other numbers) on the same flow
    earlier = ticket_at(world, "resolved@L2")
    attach(world, earlier, log_with(earlier, "Request to erp failed after 3021 ms"))
    # and Globex's ticket with the same error, and an unrelated one
    globex = new_ticket(world, partner="globex", title="Globex thing")
    attach(
        world,
        globex,
        log_with(globex, "Request to erp failed after 12 ms", GLOBEX_FLOW),
        actor="globex_l1",
    )
    unrelated = new_ticket(
        world,
        flow_id="",
        no_flow_reason="none",
        title="Password reset",
        description="Cannot sign in.",
        pasted_log="",
    )
    # when a new Acme ticket shows the error
    ticket = new_ticket(world, title="Zebra export halts", pasted_log="")
    attach(world, ticket, log_with(ticket, "Request to erp failed after 999 ms"))
    assert ErrorSignature.objects.filter(ticket=ticket).count() == 1
    # then for Acme's agent the earlier ticket comes first, saying why
    similar = similar_tickets(world.actor("acme_l1"), ticket)
    first = similar[0]
    assert first.ticket == earlier
    assert first.reasons[0] == "same error: Request to erp failed after <n> ms"
    assert "same flow" in first.reasons
    shown = [s.ticket for s in similar]
    assert globex not in shown and unrelated not in shown and ticket not in shown
    # and L2 also sees Globex's, by the error only
    by_l2 = {s.ticket: s.reasons for s in similar_tickets(world.actor("l2"), ticket)}
    assert by_l2[globex] == ["same error: Request to erp failed after <n> ms"]
    # and the API answers with status and resolution
    client.force_login(world.user("acme_l1"))
    body = client.get(f"/api/v1/tickets/{ticket.pk}/similar").json()
    assert body[0]["number"] == earlier.number and body[0]["status"] == "resolved"
    assert body[0]["resolution"] == earlier.resolution
    # and the ticket page lists it
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="similar"' in page and f"TD-{earlier.number}" in page
    client.force_login(world.user("globex_l1"))
    assert client.get(f"/api/v1/tickets/{ticket.pk}/similar").status_code == 404


def test_a_customer_is_not_told_of_internal_errors(world):
    earlier = new_ticket(
        world, title="Earlier one", flow_id="", no_flow_reason="n/a", pasted_log=""
    )
    attach(world, earlier, log_with(earlier, "Hidden crash 1"), internal=True)
    ticket = new_ticket(world, title="Later one", flow_id="", no_flow_reason="n/a", pasted_log="")
    attach(world, ticket, log_with(ticket, "Hidden crash 2"), internal=True)
    # (the two share words, so both see the earlier ticket: only staff learn the error)
    customer = {s.ticket: s.reasons for s in similar_tickets(world.actor("acme_customer"), ticket)}
    staff = {s.ticket: s.reasons for s in similar_tickets(world.actor("acme_l1"), ticket)}
    assert staff[earlier][0] == "same error: Hidden crash <n>"
    assert not any("Hidden" in reason for reason in customer.get(earlier, []))


def test_occurred_at_is_unchanged_by_search(world, acme_ticket):
    # the refresh reads, never writes the ticket
    before = acme_ticket.occurred_at
    search(world.actor("l2"), "quarantine")
    acme_ticket.refresh_from_db()
    assert acme_ticket.occurred_at == before and before < acme_ticket.created_at + timedelta(1)


def test_reindex_reads_unread_logs_and_rebuilds_every_document(world, acme_ticket):
    # given a document lost (a restore) and a log attached but never read
    from django.core.management import call_command

    from tierdesk.logs.models import LogFile

    services.attachment_add(
        actor=world.actor("acme_l1"),
        ticket_id=acme_ticket.pk,
        file=log_with(acme_ticket, "Quokka failure"),
        filename="x.log",
        kind=AttachmentKind.LOG,
    )
    SearchDocument.objects.all().delete()
    assert LogFile.objects.get().status == "pending"
    # when the index is rebuilt with the logs
    call_command("search_reindex", "--logs", stdout=__import__("io").StringIO())
    # then the log was read and the ticket is found by its error line again
    assert LogFile.objects.get().status == "parsed"
    assert numbers(search(world.actor("l2"), "quokka")) == [acme_ticket.number]
