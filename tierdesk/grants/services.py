"""Every write of a support access grant: `grant_<verb>(*, actor, …)`, and the two
reminders — L2 before a grant ends (`grants_remind`, every few minutes from the worker's
beat), the customer when the ticket closes (`on_ticket_event`, a `tickets.bus` listener).
Each step is a ticket event (`tickets.services.ticket_event_add`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM, Actor
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound, WrongState
from tierdesk.directory.models import Workspace
from tierdesk.grants import texts
from tierdesk.grants.models import SupportAccessGrant
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import OPEN_STATUSES, EventKind, Status, Ticket, TicketEvent

MAX_DAYS = 90
PLATFORM_ID = re.compile(r"[0-9a-f]{24}")
BATCH = 500


def _check(ticket: Ticket, workspace_id: object, until: object, now: datetime) -> str:
    problems: dict[str, str] = {}
    workspace = str(workspace_id or "").strip().lower()
    if not PLATFORM_ID.fullmatch(workspace):
        problems["workspace_id"] = "must be a workspace ID: 24 hexadecimal characters"
    elif (
        workspace != ticket.workspace_id
        and not Workspace.objects.filter(
            platform_id=workspace, contract__partner_id=ticket.partner_id
        ).exists()
    ):
        problems["workspace_id"] = "is not a workspace of your organisation"
    if not isinstance(until, datetime) or until.tzinfo is None:
        problems["until"] = "must be a date and time with its time zone"
    elif until <= now:
        problems["until"] = "must be in the future"
    elif until > now + timedelta(days=MAX_DAYS):
        problems["until"] = f"must be at most {MAX_DAYS} days ahead"
    if problems:
        raise InvalidInput(problems)
    return workspace


@transaction.atomic
def grant_record(
    *, actor: Actor, ticket_id: int, workspace_id: str, until: datetime
) -> SupportAccessGrant:
    """The customer records that they granted support access to a workspace until a
    moment (the grant itself happens on the platform). A new grant for the same workspace
    replaces the one before it."""
    if not actor.is_customer or actor.user is None:
        raise Forbidden("Only the customer records the access they granted.")
    ticket = get_ticket(actor, ticket_id, for_update=True)
    if ticket.status == Status.CLOSED:
        raise WrongState("The ticket is closed.")
    now = clock.now()
    workspace = _check(ticket, workspace_id, until, now)
    SupportAccessGrant.objects.filter(
        ticket=ticket, workspace_id=workspace, revoked_at__isnull=True
    ).update(revoked_at=now, revoked_by=actor.user)
    grant = SupportAccessGrant.objects.create(
        ticket=ticket, workspace_id=workspace, until=until, granted_by=actor.user, granted_at=now
    )
    ticket_services.ticket_event_add(
        actor=actor,
        ticket_id=ticket.pk,
        kind=EventKind.ACCESS_GRANTED,
        data={"grant": grant.pk, "workspace_id": workspace, "until": until.isoformat()},
    )
    return grant


@transaction.atomic
def grant_revoke(*, actor: Actor, ticket_id: int, grant_id: int) -> SupportAccessGrant:
    """The customer records that they revoked a grant on the platform."""
    if not actor.is_customer or actor.user is None:
        raise Forbidden("Only the customer records that they revoked the access.")
    ticket = get_ticket(actor, ticket_id)
    grant = (
        SupportAccessGrant.objects.select_for_update()
        .filter(pk=grant_id, ticket=ticket)
        .first()
    )
    if grant is None:
        raise NotFound("Grant not found.")
    if grant.revoked_at is not None:
        raise WrongState("This access is already revoked.")
    grant.revoked_at, grant.revoked_by = clock.now(), actor.user
    grant.save(update_fields=["revoked_at", "revoked_by"])
    ticket_services.ticket_event_add(
        actor=actor,
        ticket_id=ticket.pk,
        kind=EventKind.ACCESS_REVOKED,
        data={"grant": grant.pk, "workspace_id": grant.workspace_id},
    )
    return grant


def grants_remind(*, now: datetime | None = None) -> list[int]:
    """Grants of open tickets that end within `TIERDESK_GRANT_REMIND_HOURS`: one
    `access_expiring` event each (the ticket's assignee hears of it in the app), once.
    Each in its own transaction, skipping a grant another worker holds."""
    now = now or clock.now()
    soon = now + timedelta(hours=settings.TIERDESK_GRANT_REMIND_HOURS)
    due = SupportAccessGrant.objects.filter(
        revoked_at__isnull=True,
        expiry_reminded_at__isnull=True,
        until__gt=now,
        until__lte=soon,
        ticket__status__in=OPEN_STATUSES,
    )
    done = []
    for pk in due.order_by("until").values_list("pk", flat=True)[:BATCH]:
        with transaction.atomic():
            grant = (
                SupportAccessGrant.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, expiry_reminded_at__isnull=True)
                .first()
            )
            if grant is None:
                continue
            grant.expiry_reminded_at = now
            grant.save(update_fields=["expiry_reminded_at"])
            ticket_services.ticket_event_add(
                actor=SYSTEM,
                ticket_id=grant.ticket_id,
                kind=EventKind.ACCESS_EXPIRING,
                data={
                    "grant": grant.pk,
                    "workspace_id": grant.workspace_id,
                    "until": grant.until.isoformat(),
                },
            )
            done.append(grant.pk)
    return done


def on_ticket_event(event: TicketEvent) -> int:
    """When a ticket closes with access still granted, its customer is asked — once, in
    one mail in their language and brand — to revoke it; an `access_revoke_asked` event
    records it. Returns how many grants the mail named."""
    ticket = event.ticket
    grants = list(
        SupportAccessGrant.objects.select_for_update().filter(
            ticket=ticket,
            revoked_at__isnull=True,
            revoke_asked_at__isnull=True,
            until__gt=event.created_at,
        )
    )
    customer = ticket.customer
    if not grants or customer is None or not customer.is_active:
        return 0
    for grant in grants:
        grant.revoke_asked_at = event.created_at
        grant.save(update_fields=["revoke_asked_at"])
    ticket_services.ticket_event_add(
        actor=SYSTEM,
        ticket_id=ticket.pk,
        kind=EventKind.ACCESS_REVOKE_ASKED,
        data={"grants": [g.pk for g in grants]},
    )
    _mail_revoke(customer, ticket, grants, event)
    return len(grants)


def _mail_revoke(customer, ticket: Ticket, grants: list[SupportAccessGrant], event) -> None:
    from tierdesk.mail import notifications
    from tierdesk.mail.models import MailKind
    from tierdesk.mail.outbound import Draft, brand_org_for, dedup_key, sender_for, write
    from tierdesk.updates import services as updates
    from tierdesk.updates import texts as update_texts

    language = updates.language_of(customer)
    words = update_texts.MAIL[language]
    template = texts.REVOKE.get(language, texts.REVOKE["en"])
    brand = brand_org_for(customer, ticket)
    reference = f"{ticket.partner.ticket_tag or settings.TIERDESK_TICKET_TAG}-{ticket.number}"
    lines = [
        template.format(
            ticket=reference,
            workspace=grant.workspace_id,
            until=updates._local(grant.until, customer),
        )
        for grant in grants
    ]
    draft = Draft(
        kind=MailKind.NOTICE,
        to_email=customer.email,
        recipient=customer,
        ticket=ticket,
        sender=sender_for(brand),
        title=ticket.title,
        greeting=words["hello"].format(name=customer.full_name or customer.email),
        lines=lines,
        link=notifications.customer_link(ticket),
        link_label=words["link"],
        footer=words["footer"],
    )
    write(draft, key=dedup_key("revoke-access", event.pk, customer.email), now=event.created_at)
