"""The real-time transport: WebSockets through Django Channels.

`/ws/chat/<id>/?after=<seq>` — one conversation. The connection is authorised before it
joins anything: the person (from the session cookie, or the widget's signed chat token)
must see the chat through `access.get_chat`; otherwise it is closed with 4404 and no event
of that chat ever reaches it. On connect the stored messages after `after` are replayed;
live events carry their `seq`; a gap (an event lost or overtaken) is filled from the
database, and a repeat is dropped: every message arrives once and in order.

`/ws/chat/queue/` — an L1 agent's waiting chats (their own organisation's only).

Clients send `{"type": "typing"}` and `{"type": "message", "body": …, "internal": bool}`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tierdesk.chat import access, realtime, selectors, services
from tierdesk.core.actor import Actor, actor_for
from tierdesk.core.errors import DomainError

NOT_FOUND = 4404
REFUSED = 4403


@database_sync_to_async
def _actor(scope: dict[str, Any]) -> Actor | None:
    user = scope.get("chat_user") or scope.get("user")
    try:
        return actor_for(user)
    except DomainError:
        return None


class ChatConsumer(AsyncJsonWebsocketConsumer):
    actor: Actor | None = None
    chat_id: int = 0
    last_sent: int = 0

    async def connect(self) -> None:
        self.actor = await _actor(self.scope)
        self.chat_id = int(self.scope["url_route"]["kwargs"]["chat_id"])
        token_chat = self.scope.get("chat_token_chat")
        allowed = self.actor is not None and token_chat in (None, self.chat_id)
        if allowed:
            allowed = await database_sync_to_async(self._visible)()
        if not allowed:
            await self.close(code=NOT_FOUND)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode())
        try:
            self.last_sent = max(0, int(query.get("after", ["0"])[0]))
        except ValueError:
            self.last_sent = 0
        # Join first, then replay: an event that races the replay is dropped as a repeat.
        await self.channel_layer.group_add(realtime.chat_group(self.chat_id), self.channel_name)
        await self.accept()
        await self._catch_up(None)

    def _visible(self) -> bool:
        try:
            access.get_chat(self.actor, self.chat_id)
        except DomainError:
            return False
        return True

    async def disconnect(self, code: int) -> None:
        if self.chat_id and self.actor is not None:
            await self.channel_layer.group_discard(
                realtime.chat_group(self.chat_id), self.channel_name
            )

    async def _catch_up(self, before: int | None) -> None:
        rows = await database_sync_to_async(selectors.messages_after)(
            self.actor, self.chat_id, self.last_sent, before
        )
        for payload in rows:
            await self._deliver(payload)

    async def _deliver(self, payload: dict[str, Any]) -> None:
        if payload["seq"] <= self.last_sent:
            return
        self.last_sent = payload["seq"]
        if payload["internal"] and self.actor.is_customer:
            return
        await self.send_json({"type": "message", "message": payload})

    async def chat_message(self, event: dict[str, Any]) -> None:
        payload = event["message"]
        if payload["seq"] > self.last_sent + 1:
            await self._catch_up(payload["seq"])
        await self._deliver(payload)

    async def chat_state(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "state", "state": event["state"]})

    async def chat_line(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "line", "place": event["place"]})

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if event["channel"] != self.channel_name:
            await self.send_json({"type": "typing", "who": event["who"]})

    async def receive_json(self, content: Any, **kwargs) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "typing":
            who = "customer" if self.actor.is_customer else "agent"
            await self.channel_layer.group_send(
                realtime.chat_group(self.chat_id),
                {"type": "chat.typing", "who": who, "channel": self.channel_name},
            )
        elif kind == "message":
            try:
                await database_sync_to_async(services.chat_post)(
                    actor=self.actor,
                    chat_id=self.chat_id,
                    body=content.get("body"),
                    internal=bool(content.get("internal")),
                )
            except DomainError as exc:
                await self.send_json({"type": "error", "code": exc.code, "message": str(exc)})
        else:
            await self.send_json({"type": "error", "code": "invalid", "message": "Unknown type."})


class QueueConsumer(AsyncJsonWebsocketConsumer):
    """An L1 agent's live list of waiting chats (refreshed by `queue.changed` events)."""

    org_id: int | None = None

    async def connect(self) -> None:
        actor = await _actor(self.scope)
        if actor is None or self.scope.get("chat_token_chat") is not None:
            await self.close(code=REFUSED)
            return
        if not access.queue_group_allowed(actor, actor.org_id):
            await self.close(code=REFUSED)
            return
        self.org_id = actor.org_id
        await self.channel_layer.group_add(realtime.queue_group(self.org_id), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.org_id is not None:
            await self.channel_layer.group_discard(
                realtime.queue_group(self.org_id), self.channel_name
            )

    async def queue_changed(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "queue", "chat": event["chat"]})
