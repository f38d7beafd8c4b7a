"""One short, branded, public update to the customer at each step of their ticket.

`on_ticket_event()` listens on `tickets.bus` (registered in `UpdatesConfig.ready()`), in
the move's transaction. For a step it writes a public message
(`system_message_add`: part of the step's event, no event or mail of its own; the portal
shows it) and one mail in the customer's language, wearing their partner's brand.
Exactly one mail per step: the resolution's update rides in the resolved mail the mail
app writes anyway (`resolved_mail_lines`); the other steps mail no customer there.
The text comes from the partner's template, else the vendor's, else the default; it
names only the brand, the level in plain words and the next answer's time — never notes,
reasons or names. Optional steps are skipped in the mail for a customer who opted out.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import transaction

from tierdesk.accounts.models import Organisation, Role, User
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, InvalidInput
from tierdesk.tickets.models import EventKind, Ticket, TicketEvent
from tierdesk.updates import texts
from tierdesk.updates.models import Language, Step, UpdatePreference, UpdateTemplate

STEP_OF_EVENT: dict[str, str] = {
    EventKind.HANDED_OVER: Step.HANDED_OVER,
    EventKind.ESCALATED: Step.ESCALATED,
    EventKind.ESCALATION_OVERRIDDEN: Step.ESCALATED,
    EventKind.FIX_DELIVERED: Step.FIX_DELIVERED,
    EventKind.RESOLVED: Step.RESOLVED,
    EventKind.FIX_VERIFIED: Step.RESOLVED,
}
# The customer is always told of these; the others they may turn off.
ESSENTIAL = frozenset({Step.RESOLVED})


def step_of(event: TicketEvent) -> str | None:
    data = event.data or {}
    if event.kind == EventKind.FIX_VERIFIED and not data.get("passed"):
        return None
    if event.kind == EventKind.HANDED_OVER and data.get("attempt", 1) > 1:
        return None  # told at the first hand-over; a bounce is support's own business
    return STEP_OF_EVENT.get(event.kind)


def language_of(user: User | None) -> str:
    code = (getattr(user, "language", "") or "en").split("-")[0].lower()
    return code if code in Language.values else Language.EN


def wants_optional(user: User) -> bool:
    found = UpdatePreference.objects.filter(user_id=user.pk).values_list(
        "optional_updates", flat=True
    )
    return next(iter(found), True)


def _template(partner_id: int | None, step: str, language: str) -> str:
    rows = dict(
        UpdateTemplate.objects.filter(step=step, language=language)
        .filter(partner_id__in=[p for p in (partner_id,) if p is not None])
        .values_list("partner_id", "text")
    ) | dict(
        UpdateTemplate.objects.filter(
            step=step, language=language, partner__isnull=True
        ).values_list("partner_id", "text")
    )
    return rows.get(partner_id) or rows.get(None) or texts.DEFAULTS[language][step]


def customer_answer_at(ticket: Ticket) -> datetime | None:
    """The deadline of the customer's own running response clock (first or next): what
    the portal's "we will answer by" shows. None while no public reply is owed."""
    if not apps.is_installed("tierdesk.sla"):
        return None
    from tierdesk.sla.selectors import customer_answer_by

    return customer_answer_by(ticket.pk)


def next_answer_at(ticket: Ticket) -> datetime | None:
    """When the customer hears from support next: their own running response clock, else
    the earliest running clock (after the move re-planned them), if the SLA app runs."""
    if not apps.is_installed("tierdesk.sla"):
        return None
    from tierdesk.sla.models import Clock, ClockState

    owed = customer_answer_at(ticket)
    if owed is not None:
        return owed
    return (
        Clock.objects.filter(ticket_id=ticket.pk, state=ClockState.RUNNING, due_at__isnull=False)
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )


def _local(moment: datetime, user: User | None) -> str:
    try:
        zone = ZoneInfo(user.time_zone) if user else ZoneInfo("UTC")
    except Exception:
        zone = ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def update_text(*, ticket: Ticket, step: str, user: User | None) -> str:
    """The update a customer reads at `step`, in their language, with the brand and the
    next answer's time filled in."""
    language = language_of(user)
    brand = ticket.partner.brand_name
    due = next_answer_at(ticket)
    words = {
        "ticket": f"#{ticket.number}",
        "brand": brand,
        "who": texts.WHO[language][ticket.level].format(brand=brand),
        "next_answer": _local(due, user) if due else texts.SOON[language],
    }
    try:
        return _template(ticket.partner_id, step, language).format_map(words)
    except (KeyError, ValueError, IndexError):  # a broken stored text never stops a move
        return texts.DEFAULTS[language][step].format_map(words)


# The listener ---------------------------------------------------------------------------


def on_ticket_event(event: TicketEvent) -> bool:
    """Tell the customer about a step, in the change's transaction. Returns whether an
    update was written."""
    step = step_of(event)
    ticket = event.ticket
    customer = ticket.customer
    if step is None or customer is None or not customer.is_active:
        return False
    from tierdesk.tickets import services as tickets

    text = update_text(ticket=ticket, step=step, user=customer)
    tickets.system_message_add(ticket_id=ticket.pk, body=text)
    if step == Step.RESOLVED:
        return True  # the resolved mail carries it (resolved_mail_lines)
    if step not in ESSENTIAL and not wants_optional(customer):
        return True
    _mail(customer, ticket, text, key=dedup_key_of(event), now=event.created_at)
    return True


def dedup_key_of(event: TicketEvent) -> tuple[str, int]:
    return ("update", event.pk)


# Steps an automation may send on its own (the others belong to a move of the table).
AUTOMATION_STEPS = (Step.REMINDER, Step.HANDED_OVER, Step.ESCALATED, Step.FIX_DELIVERED)


def customer_update_send(*, ticket: Ticket, step: str, key: str, now: datetime) -> bool:
    """An automation's update to the customer (a reminder): the public message in the
    portal and, unless the step is optional and they opted out, one branded mail in their
    language. Call inside the automation's transaction on the locked ticket. Returns
    whether a message was written (not without an active customer)."""
    if step not in AUTOMATION_STEPS:
        raise InvalidInput({"step": f"must be one of {', '.join(AUTOMATION_STEPS)}"})
    customer = ticket.customer
    if customer is None or not customer.is_active:
        return False
    from tierdesk.tickets import services as tickets

    text = update_text(ticket=ticket, step=step, user=customer)
    tickets.system_message_add(ticket_id=ticket.pk, body=text)
    if step in ESSENTIAL or wants_optional(customer):
        _mail(customer, ticket, text, key=("automation", key), now=now)
    return True


def _mail(user: User, ticket: Ticket, text: str, *, key: tuple[str, object], now: datetime) -> None:
    from tierdesk.mail import notifications
    from tierdesk.mail.models import MailKind
    from tierdesk.mail.outbound import Draft, brand_org_for, dedup_key, sender_for, write

    words = texts.MAIL[language_of(user)]
    sender = sender_for(brand_org_for(user, ticket))
    draft = Draft(
        kind=MailKind.NOTICE,
        to_email=user.email,
        recipient=user,
        ticket=ticket,
        sender=sender,
        title=ticket.title,
        greeting=words["hello"].format(name=user.full_name or user.email),
        lines=[text],
        link=notifications.customer_link(ticket),
        link_label=words["link"],
        footer=words["footer"],
    )
    write(draft, key=dedup_key(key[0], key[1], user.email), now=now)


def resolved_mail_lines(kind: str, user: User, ticket: Ticket, event: TicketEvent) -> list[str]:
    """The resolution's update, for the resolved mail the mail app writes."""
    from tierdesk.mail.models import MailKind

    if kind != MailKind.RESOLVED or step_of(event) != Step.RESOLVED:
        return []
    return [update_text(ticket=ticket, step=Step.RESOLVED, user=user)]


# Editing ---------------------------------------------------------------------------------


def _check_editor(actor: Actor, partner: Organisation | None) -> None:
    if actor.is_system or (actor.role == Role.ADMIN and actor.is_vendor):
        return
    if actor.role == Role.PARTNER_ADMIN and partner is not None and partner.pk == actor.org_id:
        return
    raise Forbidden("Only the vendor's admins, and a partner's admins for their own partner.")


@transaction.atomic
def update_template_set(
    *, actor: Actor, partner_id: int | None, step: str, language: str, text: str
) -> UpdateTemplate:
    """Set the vendor's text (no partner) or a partner's text of one step and language."""
    if step not in Step.values:
        raise InvalidInput({"step": f"must be one of {', '.join(Step.values)}"})
    if language not in Language.values:
        raise InvalidInput({"language": f"must be one of {', '.join(Language.values)}"})
    partner = Organisation.objects.filter(pk=partner_id).first() if partner_id else None
    if partner_id and partner is None:
        raise InvalidInput({"partner_id": "no such partner"})
    _check_editor(actor, partner)
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"text": "must not be empty"})
    try:
        text.format_map({name: "" for name in texts.PLACEHOLDERS})
    except (KeyError, ValueError, IndexError) as exc:
        allowed = ", ".join("{" + p + "}" for p in sorted(texts.PLACEHOLDERS))
        raise InvalidInput(
            {"text": f"uses an unknown placeholder ({exc}); use {allowed}"}
        ) from None
    row, _ = UpdateTemplate.objects.update_or_create(
        partner=partner, step=step, language=language, defaults={"text": text}
    )
    return row


@transaction.atomic
def update_preference_set(*, actor: Actor, optional_updates: bool) -> UpdatePreference:
    """A customer turns the optional updates on or off for themselves."""
    if not actor.is_customer or actor.user is None:
        raise Forbidden("Only a customer chooses their updates.")
    row, _ = UpdatePreference.objects.update_or_create(
        user=actor.user, defaults={"optional_updates": bool(optional_updates)}
    )
    return row
