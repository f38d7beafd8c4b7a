"""Which ticket events mail whom. `on_ticket_event()` listens to every audit row published
on `tickets.bus` (registered in `MailConfig.ready()`, after the webhook outbox), inside the
move's transaction: the mail rows commit or roll back with the move. The SLA's at-risk and
breached events are read from `sla` by `sla_mails()` (a periodic job), since the sweep
writes them in bulk SQL.

| event | customer gets | agents get |
|---|---|---|
| created | ticket received, with its number | (at L2: the L2 queue) new in your queue |
| public message by staff | the reply | — |
| public message / reply by the customer | — | the assignee: the customer replied |
| asked the customer | the question | — |
| handed over | — | L2 agents: new in your queue |
| bounced | — | the handing-over agent: bounced back to you |
| escalated | — | L3 engineers: new in your queue |
| returned to L2, fix delivered, fix failed, reopened | — | the new assignee: assigned to you |
| assigned (by a lead, a partner admin, or automatically) | — | the new assignee: assigned to you |
| resolved, fix verified | resolved, with the reopen period and the move's customer message | — |
| reopened, closed | reopened / closed (unless they did it) | — |
| SLA at risk / breached | — | the assignee, else the level's queue |

Internal notes are never mailed to anyone; nobody is mailed about their own action but
a customer's "ticket received". Mail to a customer wears their partner's brand and quotes
only what was written for the customer (a public message: a reply, the question, the
customer message of a resolve or a passed fix verification) — never the resolution
notes, verification notes, fix references or reasons.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from tierdesk.accounts.models import Membership, Role, User
from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM
from tierdesk.mail.models import MailCursor, MailKind
from tierdesk.mail.outbound import Draft, brand_org_for, dedup_key, sender_for, write
from tierdesk.tickets.access import visible_messages
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent

STAFF_LINK = "{base}/tickets/{number}/"
CUSTOMER_LINK = "{base}/portal/tickets/{number}/"
# An SLA event is read again until it is this old, so one committed late is not skipped.
SLA_SETTLE = timedelta(minutes=2)


@dataclass(frozen=True)
class Inbound:
    """The mail being taken in, while intake runs the ticket services."""

    message_id: str
    references: tuple[str, ...]
    no_reply: str


_inbound: ContextVar[Inbound | None] = ContextVar("tierdesk_mail_inbound", default=None)


@contextlib.contextmanager
def answering(inbound: Inbound) -> Iterator[None]:
    """Within the block, the customer's confirmation answers this inbound mail: it
    threads to it, counts as an automatic reply, and is suppressed when it must be."""
    token = _inbound.set(inbound)
    try:
        yield
    finally:
        _inbound.reset(token)


def current_inbound() -> Inbound | None:
    return _inbound.get()


# Lines an outer app adds to a customer mail: `lines(kind, user, ticket, event)`.
_customer_lines: list = []


def add_customer_lines(lines) -> None:
    """Register `lines(mail_kind, user, ticket, event) -> list[str]` (in `ready()`)."""
    if lines not in _customer_lines:
        _customer_lines.append(lines)


def customer_link(ticket: Ticket) -> str:
    return CUSTOMER_LINK.format(base=settings.TIERDESK_MAIL_BASE_URL, number=ticket.number)


def _link(user: User | None, ticket: Ticket) -> str:
    template = CUSTOMER_LINK if _is_customer(user) else STAFF_LINK
    return template.format(base=settings.TIERDESK_MAIL_BASE_URL, number=ticket.number)


def _is_customer(user: User | None) -> bool:
    membership = getattr(user, "membership", None) if user is not None else None
    return membership is not None and membership.role == Role.CUSTOMER


def _local(moment, user: User | None) -> str:
    try:
        zone = ZoneInfo(user.time_zone if user else settings.TIME_ZONE)
    except Exception:
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _greeting(user: User | None) -> str:
    return f"Hello {user.full_name or user.email}," if user else "Hello,"


def _message_body(event: TicketEvent) -> tuple[str, bool] | None:
    message_id = (event.data or {}).get("message_id")
    if not message_id:
        return None
    row = visible_messages(SYSTEM, event.ticket).filter(pk=message_id)
    found = row.values_list("body", "internal").first()
    return (found[0], found[1]) if found else None


# What each kind says -----------------------------------------------------------------


def _customer_draft(kind: str, user: User, ticket: Ticket, event: TicketEvent) -> Draft | None:
    sender = sender_for(brand_org_for(user, ticket))
    ref = f"{sender.tag}#{ticket.number}"
    quote, lines = "", []
    if kind == MailKind.RECEIVED:
        lines = [
            f"we have received your request and opened ticket {ref}.",
            "Please keep the ticket number in the subject when you write to us about it; "
            "a reply to this mail is added to the ticket.",
        ]
    elif kind in (MailKind.REPLY, MailKind.QUESTION):
        found = _message_body(event)
        if found is None or found[1]:  # an internal note never leaves
            return None
        quote = found[0]
        lines = [
            f"support answered on ticket {ref}."
            if kind == MailKind.REPLY
            else f"support has a question about ticket {ref}. Please reply to this mail."
        ]
    elif kind == MailKind.RESOLVED:
        until = event.created_at + timedelta(days=settings.TIERDESK_REOPEN_DAYS)
        # Only the move's customer message: the resolution and verification notes, the
        # fix reference and the engineers' names are support's own record.
        found = _message_body(event)
        quote = found[0] if found is not None and not found[1] else ""
        lines = [
            f"ticket {ref} is resolved.",
            f"If the problem is not solved, reply to this mail before {_local(until, user)} "
            "and the ticket is reopened.",
        ]
    elif kind == MailKind.REOPENED:
        lines = [f"ticket {ref} is open again; we are working on it."]
    elif kind == MailKind.CLOSED:
        lines = [f"ticket {ref} is closed. Write to us to open a new one."]
    for add_lines in _customer_lines:
        lines += add_lines(kind, user, ticket, event)
    inbound = current_inbound() if kind == MailKind.RECEIVED else None
    return Draft(
        kind=kind,
        to_email=user.email,
        recipient=user,
        ticket=ticket,
        sender=sender,
        title=ticket.title,
        greeting=_greeting(user),
        lines=lines,
        quote=quote,
        quote_label="Message",
        facts=[("Ticket", ref), ("Status", ticket.get_status_display())],
        link=_link(user, ticket),
        link_label="See the ticket",
        auto_reply=inbound is not None,
        no_reply=inbound.no_reply if inbound else "",
        in_reply_to=inbound.message_id if inbound else "",
        references=list(inbound.references) if inbound else [],
    )


AGENT_TEXT = {
    MailKind.NEW_IN_QUEUE: ("New in your queue", "ticket {ref} is new in the L{level} queue."),
    MailKind.ASSIGNED: ("Assigned to you", "ticket {ref} is assigned to you ({why})."),
    MailKind.BOUNCED: (
        "Bounced back to you",
        "L2 bounced the handover of ticket {ref} back to you. Insufficient: {items}.",
    ),
    MailKind.CUSTOMER_REPLIED: ("Customer replied", "the customer replied on ticket {ref}."),
    MailKind.AT_RISK: ("SLA at risk", "the {clock} deadline of ticket {ref} is at risk: {due}."),
    MailKind.BREACHED: ("SLA breached", "the {clock} deadline of ticket {ref} passed: {due}."),
    MailKind.MENTIONED: ("You were mentioned", "{text}."),
    MailKind.NOTICE: ("News on your ticket", "{text}."),
}

# Filters every agent mail passes (the notifications app's "by mail" preferences): each
# is called with (user, mail kind, ticket event or None) and says whether the mail goes.
_recipient_filters: list = []


def add_recipient_filter(keep) -> None:
    """Register `keep(user, mail_kind, event) -> bool` (at start-up, in `ready()`)."""
    if keep not in _recipient_filters:
        _recipient_filters.append(keep)


def _wanted(user: User, kind: str, event: TicketEvent | None) -> bool:
    return all(keep(user, kind, event) for keep in _recipient_filters)


def agent_draft(kind: str, user: User, ticket: Ticket, *, quote: str = "", **words) -> Draft:
    sender = sender_for(brand_org_for(user, ticket))
    ref = f"{sender.tag}#{ticket.number}"
    prefix, text = AGENT_TEXT[kind]
    return Draft(
        kind=kind,
        to_email=user.email,
        recipient=user,
        ticket=ticket,
        sender=sender,
        title=f"{prefix}: {ticket.title}",
        greeting=_greeting(user),
        lines=[text.format(ref=ref, level=ticket.level, **words)],
        quote=quote,
        quote_label="Message" if kind == MailKind.CUSTOMER_REPLIED else "Note",
        facts=[
            ("Ticket", ref),
            ("Partner", ticket.partner.brand_name),
            ("Level", f"L{ticket.level}"),
            ("Status", ticket.get_status_display()),
            ("Priority", ticket.get_priority_display()),
        ],
        link=_link(user, ticket),
        link_label="Open the ticket",
        footer="A reply to this mail is added to the ticket as an internal note.",
    )


# Who gets what -----------------------------------------------------------------------


def _people(roles: tuple[str, ...], *, org_id: int | None = None) -> list[User]:
    members = Membership.objects.filter(role__in=roles, user__is_active=True)
    if org_id is not None:
        members = members.filter(organisation_id=org_id)
    return [m.user for m in members.select_related("user", "organisation").order_by("user_id")]


def queue_people(ticket: Ticket, level: int) -> list[User]:
    """Who works a level's intake queue for this ticket."""
    if level == 1:
        return _people((Role.L1_AGENT,), org_id=ticket.partner_id)
    if level == 2:
        return _people((Role.L2_AGENT,))
    return _people((Role.L3_ENGINEER,))


def _active(user: User | None) -> User | None:
    return user if user is not None and user.is_active else None


def _plan(event: TicketEvent, ticket: Ticket) -> list[tuple[str, User, dict]]:
    """(kind, recipient, words) for one event, before removing the actor."""
    kind, data = event.kind, event.data or {}
    customer, assignee = _active(ticket.customer), _active(ticket.assignee)
    plan: list[tuple[str, User | None, dict]] = []
    if kind == EventKind.CREATED:
        plan.append((MailKind.RECEIVED, customer, {}))
        if ticket.level > 1:
            plan += [(MailKind.NEW_IN_QUEUE, u, {}) for u in queue_people(ticket, ticket.level)]
    elif kind == EventKind.MESSAGE_ADDED:
        if event.actor_role == Role.CUSTOMER:
            plan.append((MailKind.CUSTOMER_REPLIED, assignee, {"quote": True}))
        else:
            plan.append((MailKind.REPLY, customer, {}))
    elif kind == EventKind.ASKED_CUSTOMER:
        plan.append((MailKind.QUESTION, customer, {}))
    elif kind == EventKind.CUSTOMER_REPLIED:
        plan.append((MailKind.CUSTOMER_REPLIED, assignee, {"quote": True}))
    elif kind in (EventKind.HANDED_OVER, EventKind.ESCALATED, EventKind.ESCALATION_OVERRIDDEN):
        plan += [(MailKind.NEW_IN_QUEUE, u, {}) for u in queue_people(ticket, ticket.level)]
    elif kind == EventKind.BOUNCED:
        items = ", ".join(data.get("items", [])) or "see the note"
        plan.append((MailKind.BOUNCED, assignee, {"items": items, "note": event.reason}))
    elif kind in (EventKind.RESOLVED,) or (kind == EventKind.FIX_VERIFIED and data.get("passed")):
        plan.append((MailKind.RESOLVED, customer, {}))
    elif kind in (EventKind.REOPENED, EventKind.CLOSED):
        which = MailKind.REOPENED if kind == EventKind.REOPENED else MailKind.CLOSED
        plan.append((which, customer, {}))
    elif kind == EventKind.ASSIGNED:
        by = event.actor.full_name or event.actor.email if event.actor_id else ""
        why = f"assigned by {by}" if by else "assigned automatically"
        plan.append((MailKind.ASSIGNED, assignee, {"why": why, "note": event.reason}))
    if kind in (
        EventKind.RETURNED_TO_L2,
        EventKind.FIX_DELIVERED,
        EventKind.FIX_FAILED,
        EventKind.REOPENED,
    ):
        why = EventKind(kind).label.lower()
        plan.append((MailKind.ASSIGNED, assignee, {"why": why, "note": event.reason}))
    return [(k, u, w) for k, u, w in plan if u is not None]


def on_ticket_event(event: TicketEvent) -> int:
    """Write the mails an audit row causes, in the caller's transaction. Returns how many
    rows were written (suppressed ones included)."""
    if not settings.TIERDESK_MAIL_NOTIFY or event.kind == EventKind.NOTE_ADDED:
        return 0
    ticket = event.ticket
    written = 0
    for kind, user, words in _plan(event, ticket):
        own_action = event.actor_id is not None and user.pk == event.actor_id
        if own_action and kind != MailKind.RECEIVED:
            continue
        if kind in (
            MailKind.RECEIVED,
            MailKind.REPLY,
            MailKind.QUESTION,
            MailKind.RESOLVED,
            MailKind.REOPENED,
            MailKind.CLOSED,
        ):
            draft = _customer_draft(kind, user, ticket, event)
        else:
            if not _wanted(user, kind, event):
                continue
            quote = words.pop("note", "")
            if words.pop("quote", False):
                found = _message_body(event)
                quote = found[0] if found and not found[1] else ""
            draft = agent_draft(kind, user, ticket, quote=quote, **words)
        if draft is not None and write(
            draft, key=dedup_key("ev", event.pk, kind, user.email), now=event.created_at
        ):
            written += 1
    return written


# SLA ----------------------------------------------------------------------------------


def sla_mails(*, limit: int = 500) -> int:
    """Mail the assignee (else the level's queue) about SLA events not mailed yet. The
    cursor passes an event once it is `SLA_SETTLE` old; the mails' keys make reading an
    event twice harmless. Returns how many mails were written."""
    from django.apps import apps

    if not apps.is_installed("tierdesk.sla"):
        return 0
    from tierdesk.sla.models import SlaEvent, SlaEventKind

    now = clock.now()
    written = 0
    with transaction.atomic():
        cursor, _ = MailCursor.objects.select_for_update().get_or_create(name="sla_events")
        events = list(
            SlaEvent.objects.filter(pk__gt=cursor.position)
            .select_related("ticket__partner", "ticket__assignee", "assignee")
            .order_by("pk")[:limit]
        )
        settled, contiguous = cursor.position, True
        for event in events:
            ticket = event.ticket
            kind = MailKind.BREACHED if event.kind == SlaEventKind.BREACHED else MailKind.AT_RISK
            people = (
                [event.assignee] if event.assignee_id else queue_people(ticket, event.level or 1)
            )
            for user in filter(_active, people):
                if not _wanted(user, kind, None):
                    continue
                due = _local(event.due_at, user) if event.due_at else "no deadline"
                draft = agent_draft(
                    kind, user, ticket, clock=event.get_clock_kind_display(), due=due
                )
                if write(draft, key=dedup_key("sla", event.pk, user.email), now=now):
                    written += 1
            # The cursor passes only a settled prefix: a younger event is read again.
            contiguous = contiguous and event.created_at <= now - SLA_SETTLE
            if contiguous:
                settled = event.pk
        if settled != cursor.position:
            cursor.position = settled
            cursor.save(update_fields=["position"])
    return written
