"""Reads: the bell's count, the notifications page, a person's preferences. A
notification shows only while its recipient may still see its ticket."""

from __future__ import annotations

from django.db.models import QuerySet

from tierdesk.core.actor import Actor
from tierdesk.notifications.models import MAIL_BY_DEFAULT, Notification, NotificationKind
from tierdesk.notifications.services import choices_of
from tierdesk.tickets.access import visible_tickets

PAGE_SIZE = 50


def visible_notifications(actor: Actor) -> QuerySet[Notification]:
    if actor.user_id is None or actor.is_customer:
        return Notification.objects.none()
    return Notification.objects.filter(
        recipient_id=actor.user_id, ticket__in=visible_tickets(actor).values("pk")
    )


def unread_count(actor: Actor) -> int:
    """One query."""
    return visible_notifications(actor).filter(read_at__isnull=True).count()


def latest(
    actor: Actor, *, unread_only: bool = False, limit: int = PAGE_SIZE
) -> list[Notification]:
    """The newest notifications, with their tickets and actors: one query."""
    rows = visible_notifications(actor)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return list(rows.select_related("ticket", "actor").order_by("-pk")[:limit])


def preferences(actor: Actor) -> list[dict]:
    """Every kind with the person's choice (or the default): one query."""
    chosen = choices_of([actor.user_id]) if actor.user_id else {}
    return [
        {
            "kind": kind,
            "label": label,
            "in_app": chosen.get((actor.user_id, kind), (True, False))[0],
            "by_mail": chosen.get((actor.user_id, kind), (True, kind in MAIL_BY_DEFAULT))[1],
        }
        for kind, label in NotificationKind.choices
    ]
