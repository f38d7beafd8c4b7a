"""Automations kept as data: the built-in rules with time travel over business days and
a holiday (reminders through the branded customer updates, "no reply", the lead told of
an at-risk ticket nobody has), rules people write (event and schedule), each run on
record, and a dry run that lists exactly what the run then changes.

The support-hours calendar: Mon–Fri 09–18 Berlin, holidays of DE-NW, UA and GB-ENG
(25, 26 Dec; England's Boxing Day observed Mon 28 Dec 2026; 1 Jan), 24 and 31 December
short days (09–13, working days all the same)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories import new_ticket, ticket_at
from tierdesk.automation import services
from tierdesk.automation.models import Builtin, Rule, RuleRun, TicketTag
from tierdesk.core.actor import SYSTEM
from tierdesk.core.clock import travel_to
from tierdesk.mail.models import OutboundMail
from tierdesk.notifications.models import Notification
from tierdesk.tickets import services as tickets
from tierdesk.tickets.models import EventKind, Message, Status
from tierdesk.updates.services import update_preference_set

BERLIN = ZoneInfo("Europe/Berlin")
SECRET = "SECRET-INTERNAL-NOTE"

pytestmark = pytest.mark.django_db


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def asked(world, partner: str, moment: datetime):
    """A ticket opened, taken and asked about at `moment` by the partner's L1 agent."""
    agent = world.actor(f"{partner}_l1")
    with travel_to(moment):
        t = new_ticket(world, partner, occurred_at=moment - timedelta(hours=1),
                       needed_by=moment + timedelta(days=60))  # fmt: skip
        tickets.ticket_take(actor=agent, ticket_id=t.pk)
        tickets.ticket_ask_customer(actor=agent, ticket_id=t.pk, message="Which order?")
        tickets.message_add(actor=agent, ticket_id=t.pk, body=SECRET, internal=True)
    t.refresh_from_db()
    return t


def run_and_preview(moment: datetime) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """The dry run, then the run, at the same moment: (rule, ticket number) each."""
    with travel_to(moment):
        preview = [(p.rule_name, p.number) for p in services.rules_dry_run()]
        done = [(p.rule_name, p.number) for p in services.rules_run()]
    return preview, done


def reminders(ticket) -> list[Message]:
    return list(Message.objects.filter(ticket=ticket, author__isnull=True).order_by("pk"))


def customer_mails(ticket, email: str) -> list[OutboundMail]:
    return list(OutboundMail.objects.filter(ticket=ticket, to_email=email).order_by("pk"))


@pytest.fixture
def waiting(world):
    """Two tickets L1 asked their customers about on Wed 23 Dec 2026 10:00 Berlin: Acme's
    customer reads German; Globex's reads English and turned optional updates off."""
    acme_customer = world.user("acme_customer")
    acme_customer.language = "de"
    acme_customer.save(update_fields=["language"])
    update_preference_set(actor=world.actor("globex_customer"), optional_updates=False)
    moment = berlin(2026, 12, 23, 10)
    return asked(world, "acme", moment), asked(world, "globex", moment)


def test_the_built_in_rules_ship_on_and_in_order(db):
    rules = list(Rule.objects.exclude(builtin=""))
    assert [r.builtin for r in rules] == [
        Builtin.REMIND_WAITING,
        Builtin.RESOLVE_NO_REPLY,
        Builtin.CLOSE_RESOLVED,
        Builtin.AT_RISK_UNASSIGNED,
    ]
    assert all(r.enabled and r.partner_id is None and r.plans == [] for r in rules)


def test_reminders_count_business_days_across_christmas_then_no_reply_resolves(world, waiting):
    acme, globex = waiting
    names = {"remind": "Remind a waiting customer after 2 business days"}
    # Thu 24 Dec counts (a short day), Fri 25 to Mon 28 do not: two business days after
    # Wed 23 Dec 10:00 is Tue 29 Dec 10:00. Nothing before that — not on Fri 25, the
    # second calendar day, nor on Mon 28 (England's Boxing Day, observed).
    for moment in (berlin(2026, 12, 25, 11), berlin(2026, 12, 28, 23), berlin(2026, 12, 29, 9)):
        assert run_and_preview(moment) == ([], [])
    # on Tue 29 Dec 10:00 each customer is reminded once; the preview said exactly so
    preview, done = run_and_preview(berlin(2026, 12, 29, 10))
    assert preview == done == [(names["remind"], acme.number), (names["remind"], globex.number)]
    # a second run at the same moment does nothing more
    assert run_and_preview(berlin(2026, 12, 29, 10, 5)) == ([], [])
    # the reminder is the partner's branded update, in the customer's language, public
    (de,) = reminders(acme)
    assert "wartet auf Ihre Antwort" in de.body and not de.internal
    (en,) = reminders(globex)
    assert "is waiting for your answer" in en.body
    # mailed to Acme's customer (in Acme's brand); Globex's opted out of optional updates
    (mail,) = [
        m
        for m in customer_mails(acme, "acme_customer@example.test")
        if "wartet auf Ihre Antwort" in m.text_body
    ]
    assert "Acme Integrations" in mail.text_body
    assert not [
        m
        for m in customer_mails(globex, "globex_customer@example.test")
        if "waiting for your answer" in m.text_body
    ]
    # never anything internal, by either channel
    for text in [de.body, en.body, mail.text_body, mail.subject]:
        assert SECRET not in text
    # each run is on record on its ticket
    run = RuleRun.objects.get(ticket=acme)
    assert (run.builtin, run.key, run.outcome) == ("remind_waiting", run.key, "done")
    # the second reminder: Wed 30 and Thu 31 Dec (short day) → Thu 31 Dec 10:00
    assert run_and_preview(berlin(2026, 12, 31, 9, 59)) == ([], [])
    preview, done = run_and_preview(berlin(2026, 12, 31, 10))
    assert preview == done and len(done) == 2
    assert len(reminders(acme)) == 2
    # no third reminder; "no reply" two business days after the second: Fri 1 Jan is a
    # holiday, the weekend follows: Mon 4 Jan (1), Tue 5 Jan 2027 10:00 (2)
    assert run_and_preview(berlin(2027, 1, 4, 23)) == ([], [])
    preview, done = run_and_preview(berlin(2027, 1, 5, 10))
    no_reply = "Resolve as “no reply” 2 business days after the second reminder"
    assert preview == done == [(no_reply, acme.number), (no_reply, globex.number)]
    for t in (acme, globex):
        t.refresh_from_db()
        assert (t.status, t.resolution_cause) == (Status.RESOLVED, "no_reply")
        event = t.events.get(kind=EventKind.RESOLVED)
        assert event.actor_id is None  # the system, through the workflow's resolve
    # the customer is told in their language, in the conversation and the resolved mail
    assert any("nichts von Ihnen gehört" in m.body for m in Message.objects.filter(ticket=acme))
    assert all(SECRET not in m.text_body for m in OutboundMail.objects.filter(ticket=acme))
    # and nothing more happens to them afterwards
    assert run_and_preview(berlin(2027, 1, 7, 10)) == ([], [])


def test_an_answer_starts_the_count_again(world, waiting):
    acme, _globex = waiting
    run_and_preview(berlin(2026, 12, 29, 10))  # reminder 1 for both
    # the customer answers; L1 asks again on Wed 30 Dec 12:00
    with travel_to(berlin(2026, 12, 30, 11)):
        tickets.ticket_customer_reply(
            actor=world.actor("acme_customer"), ticket_id=acme.pk, message="Order 4711."
        )
    with travel_to(berlin(2026, 12, 30, 12)):
        tickets.ticket_ask_customer(
            actor=world.actor("acme_l1"), ticket_id=acme.pk, message="And the flow?"
        )
    # then the next reminder for Acme comes two business days after the new question
    # (Thu 31 Dec, Mon 4 Jan → Mon 4 Jan 2027 12:00), as the first of a new round
    _preview, done = run_and_preview(berlin(2026, 12, 31, 12))
    assert acme.number not in [n for _r, n in done]
    preview, done = run_and_preview(berlin(2027, 1, 4, 12))
    assert (preview, done) == (preview, preview)
    assert ("Remind a waiting customer after 2 business days", acme.number) in done
    assert RuleRun.objects.filter(ticket=acme, key__endswith=":1").count() == 2


def test_a_turned_off_rule_and_a_plan_of_its_own(world, waiting):
    assert len(waiting) == 2  # both on the premium plan (the factories' contracts)
    remind = Rule.objects.get(builtin=Builtin.REMIND_WAITING)
    # premium waits only one business day: Thu 24 Dec 10:00
    services.rule_update(
        actor=world.actor("admin"),
        rule_id=remind.pk,
        changes={"params": {"by_plan": {"premium": {"business_days": 1}}}},
    )
    preview, done = run_and_preview(berlin(2026, 12, 24, 10))
    assert preview == done and len(done) == 2
    # turned off, nothing is reminded any more
    services.rule_update(actor=world.actor("admin"), rule_id=remind.pk, changes={"enabled": False})
    assert run_and_preview(berlin(2026, 12, 31, 10)) == ([], [])
    # limited to another plan, neither
    services.rule_update(
        actor=world.actor("admin"), rule_id=remind.pk, changes={"enabled": True, "plans": ["basic"]}
    )
    assert run_and_preview(berlin(2026, 12, 31, 10)) == ([], [])


def test_the_lead_hears_of_an_at_risk_ticket_nobody_has_once(world):
    ticket = ticket_at(world, "new@L2")
    tickets_of = Notification.objects.filter(ticket=ticket, recipient=world.user("lead"))
    # given the sweep flagged it at risk while nobody has it
    from tierdesk.tickets.access import visible_tickets

    visible_tickets(SYSTEM).filter(pk=ticket.pk).update(sla_at_risk=True)
    # then the dry run lists it and the run tells the lead, once
    with travel_to(ticket.created_at):
        preview = [p.number for p in services.rules_dry_run()]
        done = [p.number for p in services.rules_run()]
        assert preview == done == [ticket.number]
        assert services.rules_run() == []
    (note,) = tickets_of
    assert "at risk" in note.text
    # once someone has it, the rule no longer matches
    tickets.ticket_take(actor=world.actor("l2"), ticket_id=ticket.pk)
    assert services.rules_dry_run() == []


def test_rules_people_write_act_through_the_ticket_services_and_are_recorded(world):
    admin = world.actor("admin")
    # an event rule: a customer's reply at L1 gets a tag and the assignee a notification
    services.rule_create(
        actor=admin,
        data={
            "name": "Customer answered",
            "trigger": "event",
            "event": "customer_replied",
            "conditions": [{"field": "level", "op": "eq", "value": 1}],
            "steps": [
                {"type": "add_tag", "tag": "answered"},
                {"type": "notify", "to": "assignee"},
            ],
        },
    )
    # a scheduled rule: incidents become urgent
    urgent = services.rule_create(
        actor=admin,
        data={
            "name": "Incidents are urgent",
            "conditions": [{"field": "incident", "op": "eq", "value": True}],
            "steps": [{"type": "set_priority", "priority": "urgent"}],
        },
    )
    replied = ticket_at(world, "waiting@L1")
    incident = ticket_at(world, "in_progress@L1")
    tickets.ticket_update(actor=world.actor("acme_l1"), ticket_id=incident.pk,
                          changes={"incident": True}, version=None)  # fmt: skip
    assert not TicketTag.objects.filter(ticket=replied).exists()
    from django.test import TestCase

    # the event rule acts once the customer's reply has committed
    with TestCase.captureOnCommitCallbacks(execute=True):
        tickets.ticket_customer_reply(
            actor=world.actor("acme_customer"), ticket_id=replied.pk, message="Here."
        )
    assert TicketTag.objects.get(ticket=replied).name == "answered"
    assert Notification.objects.filter(ticket=replied, recipient=world.user("acme_l1")).exists()
    assert RuleRun.objects.get(ticket=replied).rule_name == "Customer answered"
    # the scheduled rule's preview is exactly what its run changes
    preview = [p.number for p in services.rules_dry_run(rule=urgent)]
    assert preview == [incident.number]
    done = [p.number for p in services.rules_run()]
    assert done == preview
    incident.refresh_from_db()
    assert incident.priority == "urgent"
    event = incident.events.filter(kind=EventKind.UPDATED).last()
    assert event.actor_id is None and "priority" in str(event.data)
    # and once only
    assert services.rules_dry_run(rule=urgent) == []


def test_a_refusal_by_the_gates_is_recorded_and_not_retried(world):
    # a rule that tries to close open tickets: the workflow refuses (not resolved)
    rule = services.rule_create(
        actor=world.actor("admin"),
        data={
            "name": "Close everything",
            "conditions": [{"field": "level", "op": "eq", "value": 1}],
            "steps": [
                {"type": "add_tag", "tag": "tried"},
                {"type": "run_action", "action": "close"},
            ],
        },
    )
    ticket = ticket_at(world, "in_progress@L1")
    assert [p.number for p in services.rules_dry_run(rule=rule)] == [ticket.number]
    assert services.rules_run() == []
    run = RuleRun.objects.get(ticket=ticket)
    assert run.outcome == "refused" and "close" in run.detail.lower()
    # the tag of the refused run was undone with it
    assert not TicketTag.objects.filter(ticket=ticket).exists()
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert services.rules_dry_run(rule=rule) == []


def test_the_dry_run_takes_as_many_queries_for_many_waiting_tickets_as_for_few(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(moment: datetime) -> tuple[int, int]:
        with travel_to(moment), CaptureQueriesContext(connection) as captured:
            found = services.rules_dry_run()
        return len(captured), len(found)

    # given 2 tickets waiting since Mon 30 Nov 2026 10:00, reminders due Wed 2 Dec 10:00
    for _ in range(2):
        asked(world, "acme", berlin(2026, 11, 30, 10))
    few, found = queries(berlin(2026, 12, 2, 10))
    assert found == 2
    # when 10 more wait as well
    for _ in range(10):
        asked(world, "acme", berlin(2026, 11, 30, 10))
    many, found = queries(berlin(2026, 12, 2, 10))
    # then the preview reads them with the same number of statements
    assert found == 12
    assert many == few
