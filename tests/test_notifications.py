"""In-app notifications: who hears of what, mentions, followers, preferences (in the app
and by mail), read marks, the bell and the page (with query budgets), and that a
notification never reveals a ticket to someone who may not see it (matrix over roles)."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.factories import PEOPLE, ticket_at
from tierdesk.core import clock
from tierdesk.core.errors import Forbidden, NotFound
from tierdesk.mail.models import MailKind, OutboundMail
from tierdesk.notifications import mentions
from tierdesk.notifications import services as notes
from tierdesk.notifications.models import Follow, Notification
from tierdesk.notifications.models import NotificationKind as K
from tierdesk.sla.models import SlaEvent
from tierdesk.tickets import services
from tierdesk.tickets.access import visible_tickets

STAFF = [key for key, (_org, role) in PEOPLE.items() if role != "customer"]


def got(world, key, kind=None) -> list[Notification]:
    rows = Notification.objects.filter(recipient=world.user(key)).order_by("pk")
    return list(rows.filter(kind=kind) if kind else rows)


def note(world, who, ticket, body, internal=True):
    return services.message_add(
        actor=world.actor(who), ticket_id=ticket.pk, body=body, internal=internal
    )


def test_an_assignment_tells_the_new_assignee_and_nobody_else(world):
    ticket = ticket_at(world, "new@L2")
    services.ticket_assign(
        actor=world.actor("lead"),
        ticket_id=ticket.pk,
        assignee_id=world.user("l2b").pk,
        reason="rota",
    )
    [row] = got(world, "l2b")
    assert row.kind == K.ASSIGNED and row.ticket_id == ticket.pk and row.read_at is None
    assert "Lead assigned" in row.text and "rota" in row.text
    assert got(world, "lead") == [] and got(world, "l2") == []


def test_a_mention_in_an_internal_note_reaches_only_those_who_may_see_the_ticket(world):
    # given an L2 ticket never escalated
    ticket = ticket_at(world, "in_progress@L2")
    # when L2 mentions a colleague, L3 (not escalated), another partner's agent, the
    # customer, someone unknown, and the Acme agent by full address
    note(
        world,
        "l2",
        ticket,
        "@l2b please look. @l3 too? @globex_l1 @acme_customer @nobody "
        "and @acme_l1@example.test. mail me at x@l2b.example",
    )
    # then exactly the colleague and the Acme agent are told
    assert [r.kind for r in got(world, "l2b")] == [K.MENTIONED]
    assert [r.kind for r in got(world, "acme_l1")] == [K.MENTIONED]
    for key in ("l3", "globex_l1", "acme_customer", "l2"):
        assert got(world, key) == [], key


def test_a_mention_in_a_public_reply_notifies_nobody(world):
    ticket = ticket_at(world, "in_progress@L2")
    note(world, "l2", ticket, "Dear customer, @l2b will call you.", internal=False)
    assert got(world, "l2b") == []


def test_the_partner_agent_hears_of_their_customer_and_their_ticket(world):
    # given a ticket Acme's L1 agent handed over, waiting on the customer at L2
    ticket = ticket_at(world, "waiting@L2")
    # when the customer replies
    services.ticket_customer_reply(
        actor=world.actor("acme_customer"), ticket_id=ticket.pk, message="Order 42."
    )
    # then the L2 assignee and the partner's agent are told
    assert [r.kind for r in got(world, "l2")] == [K.CUSTOMER_REPLIED]
    assert [r.kind for r in got(world, "acme_l1")] == [K.CUSTOMER_REPLIED]
    # when L2 resolves it, the partner's agent is told
    services.ticket_resolve(
        actor=world.actor("l2"), ticket_id=ticket.pk, resolution="Fixed.", cause="usage"
    )
    assert [r.kind for r in got(world, "acme_l1")] == [K.CUSTOMER_REPLIED, K.RESOLVED]


def test_a_bounce_tells_the_agent_it_comes_back_to(world):
    ticket = ticket_at(world, "new@L2")
    services.ticket_bounce(
        actor=world.actor("l2"), ticket_id=ticket.pk, items=["logs"], note="Need the log."
    )
    [row] = got(world, "acme_l1")
    assert row.kind == K.BOUNCED and "Need the log" in row.text


def test_followers_hear_of_changes_but_not_their_own(world):
    ticket = ticket_at(world, "in_progress@L2")
    notes.follow_set(actor=world.actor("lead"), ticket_id=ticket.pk, following=True)
    notes.follow_set(actor=world.actor("l2"), ticket_id=ticket.pk, following=True)
    note(world, "l2", ticket, "Looking at the logs.")
    assert [r.kind for r in got(world, "lead")] == [K.FOLLOWED]
    assert got(world, "l2") == []
    # unfollowing stops it
    notes.follow_set(actor=world.actor("lead"), ticket_id=ticket.pk, following=False)
    note(world, "l2", ticket, "Still looking.")
    assert len(got(world, "lead")) == 1


def test_following_is_for_staff_who_may_see_the_ticket(world):
    ticket = ticket_at(world, "in_progress@L2")
    with pytest.raises(NotFound):
        notes.follow_set(actor=world.actor("globex_l1"), ticket_id=ticket.pk, following=True)
    with pytest.raises(NotFound):
        notes.follow_set(actor=world.actor("l3"), ticket_id=ticket.pk, following=True)
    with pytest.raises(Forbidden):
        notes.follow_set(actor=world.actor("acme_customer"), ticket_id=ticket.pk, following=True)
    assert not Follow.objects.exists()


def test_preferences_decide_the_app_and_the_mail(world):
    ticket = ticket_at(world, "in_progress@L2")
    # given l2b wants mentions by mail but not in the app, and no assignment mails
    notes.preferences_set(
        actor=world.actor("l2b"),
        choices={K.MENTIONED: (False, True), K.ASSIGNED: (True, False)},
    )
    # when l2 mentions them
    note(world, "l2", ticket, "@l2b have a look")
    # then no bell notification, but a mail of its own kind
    assert got(world, "l2b") == []
    mail = OutboundMail.objects.get(to_email="l2b@example.test", kind=MailKind.MENTIONED)
    assert "mentioned you" in mail.subject + mail.text_body
    # when the lead assigns the ticket to them, the bell rings but the mail app stays quiet
    services.ticket_assign(
        actor=world.actor("lead"), ticket_id=ticket.pk, assignee_id=world.user("l2b").pk
    )
    assert [r.kind for r in got(world, "l2b")] == [K.ASSIGNED]
    assert not OutboundMail.objects.filter(
        to_email="l2b@example.test", kind=MailKind.ASSIGNED
    ).exists()
    # and by default an assignment is mailed (as before preferences existed)
    services.ticket_assign(
        actor=world.actor("lead"), ticket_id=ticket.pk, assignee_id=world.user("l2").pk
    )
    assert OutboundMail.objects.filter(to_email="l2@example.test", kind=MailKind.ASSIGNED).exists()
    # an unknown kind is refused, customers have no preferences
    with pytest.raises(Exception) as refused:
        notes.preferences_set(actor=world.actor("l2"), choices={"nonsense": (True, True)})
    assert "nonsense" in refused.value.fields
    with pytest.raises(Forbidden):
        notes.preferences_set(actor=world.actor("acme_customer"), choices={})


def test_a_rolled_back_change_leaves_no_notification(world):
    ticket = ticket_at(world, "in_progress@L2")
    with pytest.raises(RuntimeError), transaction.atomic():
        note(world, "l2", ticket, "@l2b look")
        raise RuntimeError("the request failed after the note")
    assert not Notification.objects.exists()


def test_sla_events_reach_the_assignee_once(world):
    ticket = ticket_at(world, "in_progress@L2")
    SlaEvent.objects.create(
        ticket=ticket,
        cycle=1,
        kind="at_risk",
        clock_kind="resolution",
        level=2,
        due_at=clock.now(),
        assignee=world.user("l2"),
        created_at=clock.now(),
    )
    assert notes.sla_notifications() == 1
    assert notes.sla_notifications() == 0  # the cursor moved on
    [row] = got(world, "l2")
    assert row.kind == K.AT_RISK and ticket.reference in row.text


# Access: a matrix over every staff role ------------------------------------------------------
@pytest.fixture
def tickets(world):
    return {
        where: ticket_at(world, where, partner=partner)
        for where, partner in (
            ("in_progress@L1", "acme"),
            ("in_progress@L2", "acme"),
            ("in_progress@L3", "globex"),
            ("in_progress@L1", "vendor"),
        )
    }


def sees(world, key, ticket) -> bool:
    return visible_tickets(world.actor(key)).filter(pk=ticket.pk).exists()


def test_mentionable_people_are_exactly_those_access_lets_see_the_ticket(world, tickets):
    for ticket in tickets.values():
        offered = set(mentions.mentionable(ticket).values_list("email", flat=True))
        expected = {world.user(k).email for k in STAFF if sees(world, k, ticket)}
        assert offered == expected, ticket.reference


def test_mentioning_everyone_tells_exactly_those_who_may_see_each_ticket(world, tickets):
    everyone = " ".join(f"@{world.user(k).email}" for k in PEOPLE)
    for ticket in tickets.values():
        Notification.objects.all().delete()
        # when a lead (who sees every ticket) mentions every person of the world
        note(world, "lead", ticket, everyone)
        told = set(Notification.objects.values_list("recipient__email", flat=True))
        expected = {world.user(k).email for k in STAFF if k != "lead" and sees(world, k, ticket)}
        assert told == expected, ticket.reference


def test_the_bell_and_the_page_never_show_a_ticket_one_may_not_see(world, client, tickets):
    # given notifications for every staff person on every ticket, as if access had changed
    now = clock.now()
    for key in STAFF:
        for ticket in tickets.values():
            Notification.objects.create(
                recipient=world.user(key),
                ticket=ticket,
                kind=K.FOLLOWED,
                text=f"about {ticket.reference}",
                created_at=now,
            )
    for key in STAFF:
        client.force_login(world.user(key))
        visible = [t for t in tickets.values() if sees(world, key, t)]
        bell = client.get("/notifications/bell/").content.decode()
        assert re.search(r'data-unread="(\d+)"', bell).group(1) == str(len(visible)), key
        page = client.get("/notifications/").content.decode()
        for ticket in tickets.values():
            assert (f"about {ticket.reference}" in page) == (ticket in visible), (key, ticket)
    # customers have no bell
    client.force_login(world.user("acme_customer"))
    assert client.get("/notifications/bell/").status_code == 403
    assert client.get("/notifications/").status_code == 403


# The pages ---------------------------------------------------------------------------------
def many(world, key, n):
    ticket = ticket_at(world, "in_progress@L2")
    now = clock.now()
    for i in range(n):
        Notification.objects.create(
            recipient=world.user(key),
            ticket=ticket,
            kind=K.FOLLOWED,
            text=f"n{i}",
            created_at=now,
        )


@pytest.mark.parametrize("n", [1, 25])
def test_the_bell_costs_a_fixed_number_of_queries(world, client, django_assert_num_queries, n):
    many(world, "l2", n)
    client.force_login(world.user("l2"))
    # session, user, membership (the actor), the count
    with django_assert_num_queries(4):
        answer = client.get("/notifications/bell/")
    assert f'data-unread="{n}"' in answer.content.decode()


@pytest.mark.parametrize("n", [1, 25])
def test_the_page_costs_a_fixed_number_of_queries(world, client, n):
    many(world, "l2", n)
    client.force_login(world.user("l2"))
    with CaptureQueriesContext(connection) as queries:
        answer = client.get("/notifications/")
    assert answer.status_code == 200 and answer.content.decode().count("data-kind=") == n
    # session, user, membership, the rows (with tickets), brand, queue counts
    assert len(queries) == 6, [q["sql"] for q in queries.captured_queries]


def test_read_marks_are_ones_own(world, client):
    many(world, "l2", 3)
    mine = Notification.objects.filter(recipient=world.user("l2")).first()
    client.force_login(world.user("l2b"))
    assert client.post(f"/notifications/{mine.pk}/read/").status_code == 404
    client.force_login(world.user("l2"))
    answer = client.post(f"/notifications/{mine.pk}/read/", {"open": "1"})
    assert answer.status_code == 302 and answer["Location"].endswith(
        f"/tickets/{mine.ticket.number}/"
    )
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    client.post("/notifications/read-all/")
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_the_preferences_page_saves_the_choices(world, client):
    client.force_login(world.user("l2"))
    page = client.get("/notifications/preferences/").content.decode()
    assert 'name="mentioned-mail" aria-label' in page
    client.post("/notifications/preferences/", {"mentioned-app": "on"})
    assert notes.choices_of([world.user("l2").pk])[(world.user("l2").pk, K.MENTIONED)] == (
        True,
        False,
    )
    assert notes.choices_of([world.user("l2").pk])[(world.user("l2").pk, K.ASSIGNED)] == (
        False,
        False,
    )


def test_the_ticket_page_offers_follow_and_mentionable_people(world, client):
    ticket = ticket_at(world, "in_progress@L2")
    client.force_login(world.user("l2"))
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="following"' in page and "<code>@l2b</code>" in page
    assert "<code>@l3</code>" not in page and "<code>@globex_l1</code>" not in page
    assert (
        client.post(f"/notifications/follow/{ticket.number}/", {"follow": "1"}).status_code == 302
    )
    assert Follow.objects.filter(user=world.user("l2"), ticket=ticket).exists()
    client.force_login(world.user("globex_l1"))
    assert (
        client.post(f"/notifications/follow/{ticket.number}/", {"follow": "1"}).status_code == 404
    )
    # the portal shows no such block to the customer
    client.force_login(world.user("acme_customer"))
    assert 'id="following"' not in client.get(f"/tickets/{ticket.number}/").content.decode()


def test_a_notification_speaks_its_recipients_language(world):
    # given L2B reads German
    user = world.user("l2b")
    user.language = "de"
    user.save()
    ticket = ticket_at(world, "in_progress@L2")
    # when L2 mentions them
    note(world, "l2", ticket, "@l2b bitte ansehen")
    # then the notification is written in German
    [row] = got(world, "l2b")
    assert row.text == f"L2 hat Sie in {ticket.reference} erwähnt"


def test_the_api_lists_marks_and_follows(world):
    import json

    from django.test import Client

    from tierdesk.accounts.services import token_create

    ticket = ticket_at(world, "in_progress@L2")
    note(world, "l2", ticket, "@l2b and @lead, look")
    _, token = token_create(email=world.user("l2b").email)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    # the list: own notifications only, with their kind and ticket
    [row] = api.get("/api/v1/notifications?unread=true").json()
    assert (row["kind"], row["ticket_reference"]) == ("mentioned", ticket.reference)
    # read one; someone else's is not found
    lead_row = Notification.objects.get(recipient=world.user("lead"))
    assert api.post(f"/api/v1/notifications/{lead_row.pk}/read").status_code == 404
    answer = api.post(f"/api/v1/notifications/{row['id']}/read")
    assert answer.status_code == 200 and answer.json()["read_at"] is not None
    assert api.get("/api/v1/notifications?unread=true").json() == []
    assert api.post("/api/v1/notifications/read-all").json() == {"marked": 0}
    assert api.get("/api/v1/notifications?limit=0").status_code == 422
    # follow through the API; a ticket one cannot see is not found
    url = f"/api/v1/tickets/{ticket.pk}/following"
    answer = api.put(url, json.dumps({"following": True}), "application/json")
    assert answer.status_code == 200 and Follow.objects.filter(user=world.user("l2b")).exists()
    _, token = token_create(email=world.user("globex_l1").email)
    other = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert other.put(url, json.dumps({"following": True}), "application/json").status_code == 404
    # customers have none of it
    _, token = token_create(email=world.user("acme_customer").email)
    customer = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert customer.get("/api/v1/notifications").status_code == 403
    schema = Client().get("/api/v1/openapi.json").json()
    ops = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {
        "notification_list",
        "notification_read",
        "notification_read_all",
        "ticket_follow",
    } <= ops
