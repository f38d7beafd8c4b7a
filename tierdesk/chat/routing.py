"""WebSocket routes and the widget's signed chat token (no cookie of ours needed)."""

from __future__ import annotations

from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.core import signing
from django.urls import path

from tierdesk.chat.consumers import ChatConsumer, QueueConsumer

TOKEN_SALT = "tierdesk.chat.widget"
TOKEN_MAX_AGE = 12 * 3600


def widget_token(*, user_id: int, chat_id: int | None) -> str:
    """A signed, expiring token naming one customer (and, once started, one chat)."""
    return signing.dumps({"u": user_id, "c": chat_id}, salt=TOKEN_SALT)


def read_widget_token(token: str) -> tuple[int, int | None] | None:
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    return int(data["u"]), (int(data["c"]) if data.get("c") is not None else None)


@database_sync_to_async
def _user(user_id: int):
    from tierdesk.accounts.models import User

    return User.objects.filter(pk=user_id, is_active=True).first()


class WidgetTokenMiddleware:
    """`?token=` on a WebSocket URL: the widget's person and chat, in place of a session."""

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode())
        token = query.get("token", [""])[0]
        if token:
            found = read_widget_token(token)
            scope = dict(scope, chat_user=None, chat_token_chat=-1)
            if found is not None:
                user = await _user(found[0])
                scope.update(chat_user=user, chat_token_chat=found[1] if found[1] else -1)
        return await self.inner(scope, receive, send)


websocket_urlpatterns = [
    path("ws/chat/queue/", QueueConsumer.as_asgi()),
    path("ws/chat/<int:chat_id>/", ChatConsumer.as_asgi()),
]
