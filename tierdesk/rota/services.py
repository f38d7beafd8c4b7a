"""Every write of the rota: availability, queue rules, round robin, out of office.

Round robin (`auto_assign`) runs after the change that put a ticket in a queue (created
at a level, handed over, escalated, handed back) committed, in a transaction of its own:
it locks the queue's rule row, so assignments of one queue happen one at a time, counts
each candidate's open tickets, and gives the ticket to the available person under the
cap who waited longest. Two tickets arriving at once are assigned one after the other,
the second seeing the first: no agent passes the cap.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Count, F, Q

from tierdesk.accounts.models import Organisation, Role, User
from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM, Actor
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.rota.models import Availability, QueueRule
from tierdesk.tickets import assignees
from tierdesk.tickets.access import get_ticket, visible_tickets
from tierdesk.tickets.models import OPEN_STATUSES, EventKind, TicketEvent
from tierdesk.tickets.services import ticket_assign

log = logging.getLogger(__name__)

# The events after which a ticket waits in a queue for someone.
ARRIVALS = frozenset(
    {
        EventKind.CREATED,
        EventKind.HANDED_OVER,
        EventKind.ESCALATED,
        EventKind.ESCALATION_OVERRIDDEN,
        EventKind.UNASSIGNED,
    }
)
OUT_OF_OFFICE = "out of office"
WORKING_ROLES = frozenset(role for roles in assignees.ROLES_OF_LEVEL.values() for role in roles)


# Who may set what ----------------------------------------------------------------------
def may_manage(actor: Actor, person: User) -> bool:
    """A person sets their own availability; a lead anyone's of the vendor; a partner
    admin their own partner's L1 people."""
    if actor.user_id == person.pk:
        return True
    membership = getattr(person, "membership", None)
    if membership is None:
        return False
    if actor.is_lead:
        return membership.role in (Role.L2_AGENT, Role.SUPPORT_LEAD, Role.L3_ENGINEER) or (
            membership.role in (Role.L1_AGENT, Role.PARTNER_ADMIN)
            and membership.organisation_id == actor.org_id
        )
    return (
        actor.role == Role.PARTNER_ADMIN
        and membership.organisation_id == actor.org_id
        and membership.role in (Role.L1_AGENT, Role.PARTNER_ADMIN)
    )


def may_set_rule(actor: Actor, level: int, organisation_id: int | None) -> bool:
    if actor.is_system or actor.is_lead:
        return True
    return actor.role == Role.PARTNER_ADMIN and level == 1 and organisation_id == actor.org_id


# Availability ----------------------------------------------------------------------------
@transaction.atomic
def availability_set(
    *,
    actor: Actor,
    user_id: int,
    available: bool | None = None,
    out_of_office: bool | None = None,
) -> Availability:
    """Mark a person available for round robin or not, in or out of office. Going out of
    office hands every open ticket of theirs back to its queue (one UNASSIGNED event each,
    "out of office"); where the queue assigns automatically, round robin then passes them
    on. Refuses: NotFound (no such person, or one the actor may not manage)."""
    person = User.objects.select_related("membership").filter(pk=user_id).first()
    if person is None or actor.is_customer or not may_manage(actor, person):
        raise NotFound("Person not found.")
    if person.membership.role not in {
        r for roles in assignees.ROLES_OF_LEVEL.values() for r in roles
    }:
        raise InvalidInput({"user": "does not work a support level"})
    row, _ = Availability.objects.select_for_update().get_or_create(user=person)
    leaving = out_of_office is True and not row.out_of_office
    if available is not None:
        row.available = available
    if out_of_office is not None:
        row.out_of_office = out_of_office
    row.save()
    if leaving:
        hand_back(user_id=person.pk, reason=OUT_OF_OFFICE)
    return row


def hand_back(*, user_id: int, reason: str) -> int:
    """Unassign every open ticket of a person (as the system), in the caller's
    transaction. Returns how many."""
    ids = list(
        visible_tickets(SYSTEM)
        .filter(assignee_id=user_id, status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for ticket_id in ids:
        ticket_assign(actor=SYSTEM, ticket_id=ticket_id, assignee_id=None, reason=reason)
    return len(ids)


# Queue rules ------------------------------------------------------------------------------
@transaction.atomic
def queue_rule_set(
    *,
    actor: Actor,
    level: int,
    organisation_id: int | None = None,
    auto_assign: bool,
    cap: int,
) -> QueueRule:
    """Turn round robin on or off for a level's queue (L1: per partner) and set the cap.
    Refuses: Forbidden (not a lead; a partner admin only for L1 at their partner),
    InvalidInput naming `level`, `organisation` or `cap`."""
    if level not in (1, 2, 3):
        raise InvalidInput({"level": "must be 1, 2 or 3"})
    if level == 1 and organisation_id is None:
        raise InvalidInput({"organisation": "is needed for an L1 queue (one per partner)"})
    if level != 1:
        organisation_id = None
    if not isinstance(cap, int) or isinstance(cap, bool) or not 1 <= cap <= 1000:
        raise InvalidInput({"cap": "must be a whole number from 1 to 1000"})
    if not may_set_rule(actor, level, organisation_id):
        raise Forbidden("You may not change this queue's rule.")
    if organisation_id is not None and not Organisation.objects.filter(pk=organisation_id).exists():
        raise InvalidInput({"organisation": "does not exist"})
    rule, _ = QueueRule.objects.select_for_update().get_or_create(
        level=level, organisation_id=organisation_id
    )
    rule.auto_assign, rule.cap = auto_assign, cap
    rule.save()
    return rule


def rule_for(level: int, partner_id: int | None) -> QueueRule | None:
    rules = QueueRule.objects.filter(level=level)
    return rules.filter(organisation_id=partner_id if level == 1 else None).first()


# Round robin -------------------------------------------------------------------------------
def candidates(ticket, cap: int):
    """The people round robin may give `ticket` to, next first: of its level and scope,
    on duty, under the cap of open tickets."""
    open_count = Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES))
    return (
        assignees.eligible_assignees(ticket)
        .filter(availability__available=True, availability__out_of_office=False)
        .annotate(open_tickets=open_count)
        .filter(open_tickets__lt=cap)
        .order_by(F("availability__last_assigned_at").asc(nulls_first=True), "pk")
    )


@transaction.atomic
def auto_assign(*, ticket_id: int) -> User | None:
    """Give an unassigned open ticket to the next person of its queue's rota, if the
    queue assigns automatically and someone is under the cap. Locks the queue's rule
    (one assignment per queue at a time). Returns the assignee, or None."""
    ticket = get_ticket(SYSTEM, ticket_id)
    if ticket.assignee_id is not None or ticket.status not in OPEN_STATUSES:
        return None
    rule = rule_for(ticket.level, ticket.partner_id)
    if rule is None or not rule.auto_assign:
        return None
    rule = QueueRule.objects.select_for_update().get(pk=rule.pk)
    ticket = get_ticket(SYSTEM, ticket_id, for_update=True)  # as it is now
    if ticket.assignee_id is not None or ticket.status not in OPEN_STATUSES:
        return None
    person = candidates(ticket, rule.cap).first()
    if person is None:
        return None
    level = f"L{ticket.level}"
    ticket_assign(
        actor=SYSTEM, ticket_id=ticket.pk, assignee_id=person.pk, reason=f"round robin ({level})"
    )
    Availability.objects.filter(user=person).update(last_assigned_at=clock.now())
    return person


def on_ticket_event(event: TicketEvent) -> None:
    """In the change's transaction: when a ticket arrived unassigned in a queue that
    assigns automatically, hand it to the rota once the change has committed (in a
    transaction of its own, so the change never waits on the queue's lock)."""
    if event.to_status not in OPEN_STATUSES:
        return
    if event.kind == EventKind.UNASSIGNED and event.reason != OUT_OF_OFFICE:
        return  # a person handing a ticket back, or a lead unassigning, chose the queue
    ticket = event.ticket
    if ticket.assignee_id is not None:
        return
    rule = rule_for(ticket.level, ticket.partner_id)
    if rule is None or not rule.auto_assign:
        return
    ticket_id = event.ticket_id
    transaction.on_commit(lambda: _auto_assign_logged(ticket_id))


def _auto_assign_logged(ticket_id: int) -> None:
    try:
        auto_assign(ticket_id=ticket_id)
    except Exception:  # the ticket stays in its queue; a person can still assign it
        log.exception("round robin failed for ticket %s", ticket_id)
