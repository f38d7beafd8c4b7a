"""Publishing chat events to the channel layer, after commit.

Groups: `chat.<id>` (one conversation: its messages, typing, status) and `chatq.<org id>`
(the waiting chats of one organisation's customers, for its L1 agents). Every message is
stored before it is published; the event carries its `seq`, so a subscriber that missed
one (a reconnect, a lost event) fetches it from the database by id.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from tierdesk.chat.models import Chat, ChatMessage


def chat_group(chat_id: int) -> str:
    return f"chat.{chat_id}"


def queue_group(org_id: int) -> str:
    return f"chatq.{org_id}"


def message_payload(message: ChatMessage) -> dict[str, Any]:
    """What a client receives of one stored message (notes only ever reach staff)."""
    author = message.author
    file = getattr(message, "file", None) if message.kind == "file" else None
    return {
        "seq": message.seq,
        "kind": message.kind,
        "internal": message.internal,
        "author_id": message.author_id,
        "author": (author.get_full_name() or author.email) if author else "",
        "body": message.body,
        "at": message.created_at.isoformat(),
        "file": (
            {"id": file.pk, "name": file.filename, "type": file.content_type, "size": file.size}
            if file
            else None
        ),
    }


def _send(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, event)


def publish_message(message: ChatMessage) -> None:
    payload = message_payload(message)
    group = chat_group(message.chat_id)
    transaction.on_commit(lambda: _send(group, {"type": "chat.message", "message": payload}))


def publish_state(chat: Chat) -> None:
    """The chat's status changed (accepted, ended, turned into a ticket): its subscribers
    and its organisation's queue learn it."""
    state = {
        "id": chat.pk,
        "status": chat.status,
        "outcome": chat.outcome,
        "agent_id": chat.agent_id,
        "ticket_id": chat.ticket_id,
    }
    chat_id, org_id = chat.pk, chat.partner_id
    transaction.on_commit(lambda: _announce_places(org_id))
    transaction.on_commit(
        lambda: _send(chat_group(chat_id), {"type": "chat.state", "state": state})
    )
    transaction.on_commit(
        lambda: _send(queue_group(org_id), {"type": "queue.changed", "chat": state})
    )


def _announce_places(org_id: int) -> None:
    """Every waiting chat of the organisation learns its new place in line."""
    waiting = Chat.objects.filter(partner_id=org_id, status="waiting").order_by("created_at", "pk")
    for place, chat_id in enumerate(waiting.values_list("pk", flat=True), start=1):
        _send(chat_group(chat_id), {"type": "chat.line", "place": place})
