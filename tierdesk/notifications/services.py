"""Every write of the notifications app.

`on_ticket_event` listens to every ticket event (`tickets.bus`, in the change's
transaction, after the outbox and the mail): it asks `planning` who should hear of it,
keeps those who may see the ticket (`tickets.access` with each person's own actor),
and by each person's preferences writes a notification and/or a mail. A rolled-back change
leaves neither. The SLA's at-risk events are read by `sla_notifications()` (a periodic
job), since the sweep writes them in bulk SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from django.apps import apps
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tierdesk.accounts.models import User
from tierdesk.core import clock
from tierdesk.core.actor import Actor, actor_for
from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.notifications import mailing, mentions, planning
from tierdesk.notifications.models import (
    MAIL_BY_DEFAULT,
    Cursor,
    Follow,
    Notification,
    NotificationKind,
    Preference,
)
from tierdesk.tickets.access import get_ticket, visible_tickets
from tierdesk.tickets.models import Ticket, TicketEvent

SLA_BATCH = 500


# Preferences ---------------------------------------------------------------------------
def choices_of(user_ids: Iterable[int]) -> dict[tuple[int, str], tuple[bool, bool]]:
    """(user id, kind) → (in app, by mail) for every kind of these people: one query."""
    user_ids = list(user_ids)
    stored = {
        (p.user_id, p.kind): (p.in_app, p.by_mail)
        for p in Preference.objects.filter(user_id__in=user_ids)
    }
    return {
        (uid, kind): stored.get((uid, kind), (True, kind in MAIL_BY_DEFAULT))
        for uid in user_ids
        for kind in NotificationKind.values
    }


@transaction.atomic
def preferences_set(*, actor: Actor, choices: Mapping[str, tuple[bool, bool]]) -> None:
    """Set (in app, by mail) per kind for the actor. Refuses: Forbidden for customers,
    InvalidInput naming an unknown kind."""
    if actor.user is None or actor.is_customer:
        raise Forbidden("Notifications are for support staff.")
    unknown = [k for k in choices if k not in NotificationKind.values]
    if unknown:
        raise InvalidInput({unknown[0]: "is not a kind of notification"})
    for kind, (in_app, by_mail) in choices.items():
        Preference.objects.update_or_create(
            user=actor.user, kind=kind, defaults={"in_app": bool(in_app), "by_mail": bool(by_mail)}
        )


# Who may see ------------------------------------------------------------------------------
def may_see(user: User, ticket: Ticket) -> bool:
    """Whether `user`'s own access holds `ticket` (the rule every notification obeys)."""
    try:
        actor = actor_for(user)
    except Forbidden:
        return False
    return not actor.is_customer and visible_tickets(actor).filter(pk=ticket.pk).exists()


def _by(event: TicketEvent) -> str:
    if event.actor_id is None:
        return _("Tierdesk")
    return event.actor.full_name or event.actor.email


# The listener ------------------------------------------------------------------------------
def on_ticket_event(event: TicketEvent) -> int:
    """Write the notifications (and the mails of `mailing`) one event causes, in the
    caller's transaction. Returns how many notifications were written."""
    planned = [(u, k) for u, k in planning.plan(event) if may_see(u, event.ticket)]
    if not planned:
        return 0
    chosen = choices_of(u.pk for u, _k in planned)
    by = _by(event)
    written = 0
    for user, kind in planned:
        in_app, by_mail = chosen[(user.pk, kind)]
        with translation.override(user.language or "en"):
            text = planning.texts(event, by)[kind]
        if in_app:
            Notification.objects.create(
                recipient=user,
                ticket=event.ticket,
                event=event,
                kind=kind,
                actor_id=event.actor_id,
                text=text[:300],
                created_at=event.created_at,
            )
            written += 1
        if by_mail:
            mailing.send(user=user, kind=kind, event=event, text=text)
    return written


@transaction.atomic
def sla_notifications(*, limit: int = SLA_BATCH) -> int:
    """Tell each assignee, in the app, of SLA events on their tickets not read yet (the
    cursor moves past what was read; mails about them are the mail app's)."""
    if not apps.is_installed("tierdesk.sla"):
        return 0
    from tierdesk.sla.models import SlaEvent

    cursor = Cursor.objects.select_for_update().get_or_create(name="sla_events")[0]
    events = list(
        SlaEvent.objects.filter(pk__gt=cursor.position, assignee__isnull=False)
        .select_related("ticket", "assignee__membership")
        .order_by("pk")[:limit]
    )
    if not events:
        return 0
    chosen = choices_of({e.assignee_id for e in events})
    written = 0
    for event in events:
        user, ticket = event.assignee, event.ticket
        if not user.is_active or not chosen[(user.pk, NotificationKind.AT_RISK)][0]:
            continue
        if not may_see(user, ticket):
            continue
        with translation.override(user.language or "en"):
            text = _("%(ref)s: the %(clock)s deadline is at risk or passed") % {
                "ref": ticket.reference,
                "clock": event.get_clock_kind_display().lower(),
            }
        Notification.objects.create(
            recipient=user,
            ticket=ticket,
            kind=NotificationKind.AT_RISK,
            text=text[:300],
            created_at=event.created_at,
        )
        written += 1
    cursor.position = events[-1].pk
    cursor.save(update_fields=["position"])
    return written


def notification_send(
    *,
    recipients: Iterable[User],
    ticket: Ticket,
    text,
    now,
    kind: str = NotificationKind.AT_RISK,
) -> int:
    """An automation tells people of a ticket in the app (`text(user)` in their words):
    only staff whose own access holds the ticket, by their preference for `kind`. In
    the caller's transaction; returns how many notifications were written."""
    people = [u for u in recipients if u.is_active and may_see(u, ticket)]
    if not people:
        return 0
    chosen = choices_of(u.pk for u in people)
    written = 0
    for user in people:
        if not chosen[(user.pk, kind)][0]:
            continue
        Notification.objects.create(
            recipient=user, ticket=ticket, kind=kind, text=text(user)[:300], created_at=now
        )
        written += 1
# Told by another app ------------------------------------------------------------------------
def tell_people(
    *,
    users: Iterable[User],
    ticket: Ticket,
    kind: str,
    text: Callable[[], str],
    mail_text: str,
    mail_key: str,
    quote: str = "",
) -> int:
    """Tell each of `users` who may see `ticket` of something that is no ticket event (a
    low rating), by their preferences for `kind`: a notification in the app (`text()`,
    called in each person's language) and/or a notice mail (`mail_text`, quoting
    `quote`, written once per `mail_key` and person). Returns the notifications written."""
    people = [u for u in users if u.is_active and may_see(u, ticket)]
    if not people:
        return 0
    chosen = choices_of(u.pk for u in people)
    now = clock.now()
    written = 0
    for user in people:
        in_app, by_mail = chosen[(user.pk, kind)]
        if in_app:
            with translation.override(user.language or "en"):
                shown = text()
            Notification.objects.create(
                recipient=user, ticket=ticket, kind=kind, text=shown[:300], created_at=now
            )
            written += 1
        if by_mail:
            mailing.send_notice(
                user=user, ticket=ticket, text=mail_text, quote=quote,
                key=mail_key,
            )  # fmt: skip
    return written


# Follow, read ------------------------------------------------------------------------------
@transaction.atomic
def follow_set(*, actor: Actor, ticket_id: int, following: bool) -> bool:
    """Follow a ticket one may see, or stop. Refuses: NotFound (not visible), Forbidden
    (customers). Returns whether the actor follows it now."""
    ticket = get_ticket(actor, ticket_id)
    if actor.user is None or actor.is_customer:
        raise Forbidden("Following is for support staff.")
    if following:
        Follow.objects.get_or_create(
            user=actor.user, ticket=ticket, defaults={"created_at": clock.now()}
        )
    else:
        Follow.objects.filter(user=actor.user, ticket=ticket).delete()
    return following


def notification_read(*, actor: Actor, notification_id: int) -> Notification:
    """Mark one's own notification read. NotFound for another person's or a missing one."""
    found = Notification.objects.filter(pk=notification_id, recipient_id=actor.user_id).first()
    if found is None or actor.user_id is None:
        raise NotFound("Notification not found.")
    if found.read_at is None:
        found.read_at = clock.now()
        found.save(update_fields=["read_at"])
    return found


def notifications_read_all(*, actor: Actor) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    if actor.user_id is None:
        return 0
    unread = Notification.objects.filter(recipient_id=actor.user_id, read_at__isnull=True)
    return unread.update(read_at=clock.now())


# The ticket page's block -----------------------------------------------------------------------
def page_block(actor: Actor, ticket: Ticket) -> dict | None:
    """Follow or not, and whom a note here may mention (staff only)."""
    if actor.is_customer or actor.user_id is None:
        return None
    following = Follow.objects.filter(user_id=actor.user_id, ticket=ticket).exists()
    people = [
        {"handle": mentions.handle_of(u), "name": u.full_name or u.email}
        for u in mentions.mentionable(ticket).exclude(pk=actor.user_id)
    ]
    return {"following": following, "mentionable": people}
