"""Related and duplicate tickets, and the merge: one partner only, the conversation
copied with its authors and times, and neither customer reading the other's private data
beyond what they wrote into the shared conversation."""

from __future__ import annotations

import pytest

from tests.factories import ACME_CONTRACT, PLAIN_LOG, World, complete_fields, new_ticket
from tests.problems_support import brand_partners
from tierdesk.accounts.services import user_create
from tierdesk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tierdesk.mail.models import MailKind, OutboundMail
from tierdesk.problems import services
from tierdesk.problems.access import ticket_links
from tierdesk.problems.models import LinkKind, TicketLink
from tierdesk.tickets import services as tickets
from tierdesk.tickets.access import (
    get_ticket,
    visible_attachments,
    visible_events,
    visible_messages,
)
from tierdesk.tickets.models import AttachmentKind, Status


def _second_acme_customer(world: World):
    world.users["acme_customer2"] = user_create(
        email="acme_customer2@example.test",
        organisation=world.acme,
        role="customer",
        password="correct horse battery staple",
        full_name="Second Acme Customer",
        contract_ids=[ACME_CONTRACT],
    )
    return world.actor("acme_customer2")


def _two_customers_one_partner(world):
    second = _second_acme_customer(world)
    original = new_ticket(world, "acme")
    tickets.message_add(
        actor=world.actor("acme_customer"), ticket_id=original.pk, body="Mine fails at 9:00."
    )
    duplicate = tickets.ticket_create(
        actor=world.actor("acme_l1"),
        data=complete_fields("acme", description="Private: our customer list is at /srv/x."),
        customer=world.user("acme_customer2").email,
    )
    tickets.message_add(actor=second, ticket_id=duplicate.pk, body="Ours too, since Monday.")
    tickets.message_add(
        actor=world.actor("acme_l1"),
        ticket_id=duplicate.pk,
        body="Token 42 is ours.",
        internal=True,
    )
    tickets.attachment_add(
        actor=second,
        ticket_id=duplicate.pk,
        file=PLAIN_LOG,
        filename="private.log",
        kind=AttachmentKind.LOG,
    )
    return original, duplicate, second


def test_merge_keeps_each_customer_to_their_own_data(world):
    # given two tickets of two customers of Acme, each with its own conversation
    brand_partners(world)
    original, duplicate, second = _two_customers_one_partner(world)
    first = world.actor("acme_customer")

    # when Acme's L1 merges the duplicate into the original
    tickets.ticket_take(actor=world.actor("acme_l1"), ticket_id=original.pk)
    services.ticket_merge_into(
        actor=world.actor("acme_l1"), ticket_id=duplicate.pk, into_id=original.pk
    )

    # then the original holds both conversations, with their authors and times
    staff = world.actor("acme_l1")
    merged = get_ticket(staff, original.pk)
    bodies = [(m.body, m.author_id) for m in visible_messages(staff, merged).order_by("created_at")]
    assert ("Ours too, since Monday.", world.user("acme_customer2").pk) in bodies
    assert ("Token 42 is ours.", world.user("acme_l1").pk) in bodies
    theirs = visible_messages(staff, get_ticket(staff, duplicate.pk)).get(
        body="Ours too, since Monday."
    )
    copy = visible_messages(staff, merged).get(body="Ours too, since Monday.")
    assert copy.created_at == theirs.created_at
    # and the first customer reads what the second wrote into the conversation, and nothing
    # else of theirs: not the internal note, not their file, not their ticket
    seen = [m.body for m in visible_messages(first, get_ticket(first, original.pk))]
    assert "Ours too, since Monday." in seen and "Token 42 is ours." not in seen
    assert not visible_attachments(first, get_ticket(first, original.pk)).exists()
    with pytest.raises(NotFound):
        get_ticket(first, duplicate.pk)
    # and the second customer keeps their own conversation and never sees the original
    kept = get_ticket(second, duplicate.pk)
    assert kept.status == Status.RESOLVED and kept.resolution_cause == "duplicate"
    assert "Ours too, since Monday." in [m.body for m in visible_messages(second, kept)]
    assert "Mine fails at 9:00." not in [m.body for m in visible_messages(second, kept)]
    with pytest.raises(NotFound):
        get_ticket(second, original.pk)
    assert not ticket_links(second, kept).exists()
    # and both tickets record the merge
    assert visible_events(staff, kept).filter(data__merged_into=original.pk).exists()
    assert visible_events(staff, merged).filter(data__merged_from=duplicate.pk).exists()
    assert TicketLink.objects.get(source=duplicate, target=original).kind == LinkKind.MERGED_INTO
    # and the duplicate's customer was told, in Acme's brand
    told = OutboundMail.objects.get(ticket=duplicate, kind=MailKind.RESOLVED)
    assert told.to_email == "acme_customer2@example.test"
    assert "support@acme.example" in told.from_email
    assert "merged the two" in told.text_body


def test_merging_across_partners_is_refused_and_writes_nothing(world):
    # given a ticket of Acme and one of Globex
    acme = new_ticket(world, "acme")
    globex = new_ticket(world, "globex")
    tickets.ticket_take(actor=world.actor("acme_l1"), ticket_id=acme.pk)
    # when L2 (who sees both) merges them
    with pytest.raises(Conflict):
        services.ticket_merge_into(actor=world.actor("l2"), ticket_id=globex.pk, into_id=acme.pk)
    # then nothing moved
    l2 = world.actor("l2")
    assert get_ticket(l2, globex.pk).status == Status.NEW
    assert visible_messages(l2, get_ticket(l2, acme.pk)).count() == 0
    assert not TicketLink.objects.exists()


def test_a_partner_cannot_merge_or_link_another_partners_ticket(world):
    acme = new_ticket(world, "acme")
    globex = new_ticket(world, "globex")
    with pytest.raises(NotFound):
        services.ticket_merge_into(
            actor=world.actor("acme_l1"), ticket_id=acme.pk, into_id=globex.pk
        )
    with pytest.raises(NotFound):
        services.ticket_link_create(
            actor=world.actor("acme_l1"), ticket_id=acme.pk, other_id=globex.pk, kind="relates"
        )
    with pytest.raises(Forbidden):
        services.ticket_merge_into(
            actor=world.actor("acme_customer"), ticket_id=acme.pk, into_id=acme.pk + 1
        )


def test_links_across_partners_show_only_to_vendor_staff(world):
    # given L2 links an Acme ticket to a Globex one
    acme = new_ticket(world, "acme")
    globex = new_ticket(world, "globex")
    services.ticket_link_create(
        actor=world.actor("l2"), ticket_id=acme.pk, other_id=globex.pk, kind="duplicates"
    )
    # then L2 sees the link from both ends, Acme's L1 sees none, customers none
    l2 = world.actor("l2")
    assert ticket_links(l2, get_ticket(l2, globex.pk)).count() == 1
    acme_l1 = world.actor("acme_l1")
    assert not ticket_links(acme_l1, get_ticket(acme_l1, acme.pk)).exists()
    customer = world.actor("acme_customer")
    assert not ticket_links(customer, get_ticket(customer, acme.pk)).exists()


def test_a_bad_link_kind_names_the_field(world):
    a, b = new_ticket(world), new_ticket(world)
    with pytest.raises(InvalidInput) as refused:
        services.ticket_link_create(
            actor=world.actor("l2"), ticket_id=a.pk, other_id=b.pk, kind="merged_into"
        )
    assert set(refused.value.fields) == {"kind"}
    with pytest.raises(InvalidInput):
        services.ticket_link_create(
            actor=world.actor("l2"), ticket_id=a.pk, other_id=a.pk, kind="relates"
        )
