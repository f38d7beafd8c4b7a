"""Reads of chats with meaning: replay after a seq, the waiting queue, the measures."""

from __future__ import annotations

from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from tierdesk.chat import access, realtime
from tierdesk.chat.models import AgentPresence, Chat, ChatOutcome, ChatStatus
from tierdesk.core.actor import Actor


def messages_after(
    actor: Actor, chat_id: int, after: int, before: int | None = None
) -> list[dict[str, Any]]:
    """The stored messages the actor may read with `after < seq (< before)`, in order."""
    chat = access.get_chat(actor, chat_id)
    rows = access.visible_messages(actor, chat).filter(seq__gt=after)
    if before is not None:
        rows = rows.filter(seq__lt=before)
    return [realtime.message_payload(m) for m in rows]


def waiting_chats(actor: Actor) -> QuerySet[Chat]:
    """The actor's organisation's waiting chats, oldest first, with the customer and the
    customer's contracts."""
    if not access.answers_chats(actor):
        return Chat.objects.none()
    return (
        access.visible_chats(actor)
        .filter(status=ChatStatus.WAITING)
        .select_related("customer")
        .prefetch_related("customer__membership__contracts")
        .order_by("created_at", "pk")
    )


def my_chats(actor: Actor) -> QuerySet[Chat]:
    return (
        access.visible_chats(actor)
        .filter(status=ChatStatus.ACTIVE)
        .filter(Q(agent_id=actor.user_id) | Q(helpers=actor.user_id))
        .select_related("customer")
        .order_by("accepted_at", "pk")
        .distinct()
    )


def place_in_line(chat: Chat) -> int:
    """1 for the next chat to be taken."""
    if chat.status != ChatStatus.WAITING:
        return 0
    return (
        Chat.objects.filter(partner_id=chat.partner_id, status=ChatStatus.WAITING)
        .filter(Q(created_at__lt=chat.created_at) | Q(created_at=chat.created_at, pk__lt=chat.pk))
        .count()
        + 1
    )


def expected_wait_seconds(chat: Chat) -> int | None:
    """Place in line times the recent average wait of this organisation's chats."""
    average = (
        Chat.objects.filter(partner_id=chat.partner_id, wait_seconds__isnull=False)
        .order_by("-accepted_at")[:50]
        .aggregate(avg=Avg("wait_seconds"))["avg"]
    )
    if average is None:
        return None
    return int(average * place_in_line(chat))


def measures(chats: QuerySet[Chat]) -> dict[str, Any]:
    """For the reports: time to answer, chats per agent, outcomes."""
    by_outcome = dict(chats.values_list("outcome").annotate(n=Count("pk")))
    return {
        "chats": chats.count(),
        "average_wait_seconds": chats.aggregate(avg=Avg("wait_seconds"))["avg"],
        "per_agent": dict(
            chats.exclude(agent=None).values_list("agent_id").annotate(n=Count("pk"))
        ),
        "resolved_without_ticket": by_outcome.get(ChatOutcome.RESOLVED, 0),
        "turned_into_tickets": by_outcome.get(ChatOutcome.TICKET, 0)
        + by_outcome.get(ChatOutcome.NO_AGENT, 0)
        + by_outcome.get(ChatOutcome.TIMED_OUT, 0),
        "handed_over": by_outcome.get(ChatOutcome.HANDED_OVER, 0),
    }


def presence_of(actor: Actor) -> AgentPresence | None:
    return AgentPresence.objects.filter(user_id=actor.user_id).first()


def agent_emails(agent_ids) -> dict[int, str]:
    from tierdesk.accounts.models import User

    return dict(User.objects.filter(pk__in=list(agent_ids)).values_list("pk", "email"))
