"""Who sees which chat: the one door for chat reads (and for every real-time subscription).

- a customer: their own chats only;
- an L1 agent or partner admin: the chats of their organisation's customers (a partner's,
  or the vendor's direct customers for the vendor's L1);
- anyone else (L2, leads, L3, admins): only the chats they were pulled into.
Missing and "not yours" answer alike: NotFound.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tierdesk.accounts.models import Role
from tierdesk.chat.models import Chat, ChatFile, ChatMessage, MessageKind
from tierdesk.core.actor import Actor
from tierdesk.core.errors import NotFound

L1_ROLES = frozenset({Role.L1_AGENT, Role.PARTNER_ADMIN})


def answers_chats(actor: Actor) -> bool:
    """Works a chat queue: L1 of an organisation."""
    return actor.role in L1_ROLES and actor.org_id is not None


def visible_chats(actor: Actor) -> QuerySet[Chat]:
    chats = Chat.objects.all()
    if actor.is_system:
        return chats
    if actor.user_id is None:
        return chats.none()
    if actor.is_customer:
        return chats.filter(customer_id=actor.user_id)
    if answers_chats(actor):
        return chats.filter(Q(partner_id=actor.org_id) | Q(helpers=actor.user_id)).distinct()
    return chats.filter(helpers=actor.user_id)


def get_chat(actor: Actor, chat_id: object, *, for_update: bool = False) -> Chat:
    try:
        pk = int(str(chat_id))
    except (TypeError, ValueError):
        raise NotFound("Chat not found.") from None
    if not 0 < pk < 2**63:
        raise NotFound("Chat not found.")
    chats = visible_chats(actor)
    if for_update:
        # Lock the row itself (a DISTINCT query cannot be locked).
        if not chats.filter(pk=pk).exists():
            raise NotFound("Chat not found.")
        chats = Chat.objects.select_for_update()
    chat = chats.filter(pk=pk).first()
    if chat is None:
        raise NotFound("Chat not found.")
    return chat


def visible_messages(actor: Actor, chat: Chat) -> QuerySet[ChatMessage]:
    """The chat's stored messages the actor may read: customers never read agent notes."""
    messages = ChatMessage.objects.filter(chat=chat).select_related("author", "file")
    if actor.is_customer:
        messages = messages.exclude(kind=MessageKind.NOTE)
    return messages.order_by("seq")


def get_file(actor: Actor, chat: Chat, file_id: object) -> ChatFile:
    try:
        pk = int(str(file_id))
    except (TypeError, ValueError):
        raise NotFound("File not found.") from None
    files = ChatFile.objects.filter(chat=chat, pk=pk)
    if actor.is_customer:
        files = files.exclude(message__kind=MessageKind.NOTE)
    found = files.first()
    if found is None:
        raise NotFound("File not found.")
    return found


def queue_group_allowed(actor: Actor, partner_id: int) -> bool:
    """Whether the actor may watch the waiting chats of this organisation."""
    return answers_chats(actor) and actor.org_id == partner_id
