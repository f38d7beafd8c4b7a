"""The chat's real-time channel (Django Channels WebSockets, in-process channel layer):
authorised per conversation and per person, replayed by seq after a reconnect."""

from __future__ import annotations

import functools
import sys
import threading
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client

from tierdesk.asgi import websocket_application
from tierdesk.chat import services
from tierdesk.chat.routing import widget_token

pytestmark = pytest.mark.django_db(transaction=True)


def in_own_thread(test):
    """Run the test in a thread of its own: async_to_sync refuses a thread with a running
    event loop, and a browser test earlier in the session leaves Playwright's loop in the
    main thread."""

    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        outcome: dict = {}

        def target():
            try:
                test(*args, **kwargs)
            except BaseException as exc:
                outcome["error"] = exc
            finally:
                connections.close_all()

        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
        if "error" in outcome:
            raise outcome["error"]

    return wrapper


QUIET = 0.3  # seconds a connection must stay silent to show that nothing was delivered


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def _open(path: str, session: str | None = None):
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if session:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    communicator = WebsocketCommunicator(websocket_application, path, headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def _messages(communicator, count: int) -> list[dict]:
    got = []
    while len(got) < count:
        event = await communicator.receive_json_from(timeout=5)
        if event["type"] == "message":
            got.append(event["message"])
    return got


_post = database_sync_to_async(services.chat_post)


def _chat(world, customer="acme_customer", agent="acme_l1"):
    services.presence_set(actor=world.actor(agent), available=True)
    chat = services.chat_start(actor=world.actor(customer), body="first")
    services.chat_accept(actor=world.actor(agent), chat_id=chat.pk)
    return chat


@in_own_thread
def test_strangers_cannot_subscribe_and_receive_nothing(world):
    # given an Acme chat, and a Globex customer with a chat of their own
    chat = _chat(world)
    own = _chat(world, "globex_customer", "globex_l1")
    sessions = {key: _session(world.user(key)) for key in ("globex_customer", "globex_l1", "l2")}
    customer_token_for_own = widget_token(user_id=world.user("globex_customer").pk, chat_id=own.pk)

    async def scenario():
        # when strangers subscribe to the Acme chat (session or another chat's token)
        for key in ("globex_customer", "globex_l1", "l2"):
            _c, connected, code = await _open(f"/ws/chat/{chat.pk}/", sessions[key])
            # then the subscription is refused
            assert (connected, code) == (False, 4404), key
        _c, connected, code = await _open(f"/ws/chat/{chat.pk}/?token={customer_token_for_own}")
        assert (connected, code) == (False, 4404)
        _c, connected, code = await _open(f"/ws/chat/{chat.pk}/?token=forged")
        assert not connected
        # and an L2 agent may not watch any queue; nobody unauthenticated either
        _c, connected, code = await _open("/ws/chat/queue/", sessions["l2"])
        assert (connected, code) == (False, 4403)
        _c, connected, code = await _open("/ws/chat/queue/")
        assert not connected
        # when the Globex people hold their own chat and queue open
        mine, connected, _ = await _open(f"/ws/chat/{own.pk}/", sessions["globex_customer"])
        assert connected
        await _messages(mine, 2)  # its replay: "first", "joined"
        queue, connected, _ = await _open("/ws/chat/queue/", sessions["globex_l1"])
        assert connected
        # and the Acme chat is busy, and a new Acme chat waits
        await _post(actor=world.actor("acme_customer"), chat_id=chat.pk, body="secret")
        await database_sync_to_async(services.chat_start)(
            actor=world.actor("acme_customer"), body="another"
        )
        # then no event of Acme reaches them
        assert await mine.receive_nothing(timeout=QUIET)
        assert await queue.receive_nothing(timeout=QUIET)
        await mine.disconnect()
        await queue.disconnect()

    async_to_sync(scenario)()


@in_own_thread
def test_the_queue_shows_waiting_chats_of_the_agents_own_organisation(world):
    services.presence_set(actor=world.actor("acme_l1"), available=True)
    session = _session(world.user("acme_l1"))

    async def scenario():
        queue, connected, _ = await _open("/ws/chat/queue/", session)
        assert connected
        chat = await database_sync_to_async(services.chat_start)(
            actor=world.actor("acme_customer"), body="help"
        )
        event = await queue.receive_json_from(timeout=5)
        assert event == {
            "type": "queue",
            "chat": {
                "id": chat.pk,
                "status": "waiting",
                "outcome": "",
                "agent_id": None,
                "ticket_id": None,
            },
        }
        await queue.disconnect()

    async_to_sync(scenario)()


@in_own_thread
def test_a_reconnect_loses_nothing_and_repeats_nothing(world):
    # given a live chat the customer follows
    chat = _chat(world)
    session = _session(world.user("acme_customer"))
    agent = world.actor("acme_l1")

    async def scenario():
        first, connected, _ = await _open(f"/ws/chat/{chat.pk}/", session)
        assert connected
        seen = await _messages(first, 2)
        await _post(actor=agent, chat_id=chat.pk, body="one")
        seen += await _messages(first, 1)
        # when the connection drops and the agent writes meanwhile (and a note)
        await first.disconnect()
        await _post(actor=agent, chat_id=chat.pk, body="two")
        await _post(actor=agent, chat_id=chat.pk, body="note", internal=True)
        await _post(actor=agent, chat_id=chat.pk, body="three")
        # and the customer reconnects after the last message they saw
        again, connected, _ = await _open(f"/ws/chat/{chat.pk}/?after={seen[-1]['seq']}", session)
        assert connected
        seen += await _messages(again, 2)
        await _post(actor=agent, chat_id=chat.pk, body="four")
        seen += await _messages(again, 1)
        # then every public message arrived once, in order, and the note never
        assert [m["body"] for m in seen][2:] == ["one", "two", "three", "four"]
        assert [m["seq"] for m in seen] == [1, 2, 3, 4, 6, 7]
        assert await again.receive_nothing(timeout=QUIET)
        await again.disconnect()

    async_to_sync(scenario)()


@in_own_thread
def test_typing_and_messages_over_the_socket(world):
    chat = _chat(world)
    sessions = {key: _session(world.user(key)) for key in ("acme_customer", "acme_l1")}

    async def scenario():
        customer, _, _ = await _open(f"/ws/chat/{chat.pk}/?after=2", sessions["acme_customer"])
        agent, _, _ = await _open(f"/ws/chat/{chat.pk}/?after=2", sessions["acme_l1"])
        # when the agent types, then the customer sees it (and the agent does not)
        await agent.send_json_to({"type": "typing"})
        assert await customer.receive_json_from(timeout=5) == {"type": "typing", "who": "agent"}
        # when the customer writes over the socket, then both receive it, stored as seq 3
        await customer.send_json_to({"type": "message", "body": "hello"})
        for side in (agent, customer):
            (message,) = await _messages(side, 1)
            assert (message["seq"], message["body"]) == (3, "hello")
        # and a bad message is answered with an error naming the field, storing nothing
        await customer.send_json_to({"type": "message", "body": ""})
        error = await customer.receive_json_from(timeout=5)
        assert error["type"] == "error" and "body" in error["message"]
        # and a customer cannot slip a note in
        await customer.send_json_to({"type": "message", "body": "x", "internal": True})
        assert (await customer.receive_json_from(timeout=5))["type"] == "error"
        assert await agent.receive_nothing(timeout=QUIET)
        await customer.disconnect()
        await agent.disconnect()

    async_to_sync(scenario)()


@in_own_thread
def test_the_widget_token_opens_only_its_own_chat(world):
    chat = _chat(world)
    token = widget_token(user_id=world.user("acme_customer").pk, chat_id=chat.pk)

    async def scenario():
        mine, connected, _ = await _open(f"/ws/chat/{chat.pk}/?token={token}")
        assert connected
        assert [m["seq"] for m in await _messages(mine, 2)] == [1, 2]
        await mine.disconnect()
        # a token of the chat does not open the queue
        _q, connected, _ = await _open(f"/ws/chat/queue/?token={token}")
        assert not connected

    async_to_sync(scenario)()


class _Communicator:
    """bench/chat_load.py's socket, in process."""

    def __init__(self, communicator):
        self.communicator = communicator

    async def send_json(self, data):
        await self.communicator.send_json_to(data)

    async def receive_json(self):
        return await self.communicator.receive_json_from(timeout=30)

    async def close(self):
        await self.communicator.disconnect()


@in_own_thread
def test_load_100_chats_20_agents_every_message_once_in_order(world):
    """Bounded for CI: 100 simultaneous chats, 20 agents (5 chats each), one round of
    3 lines per side per chat over the in-process channel layer. The longer run against a
    served instance is `bench/chat_load.py` (docs/chat.md)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    import chat_load

    # given 100 accepted chats and both sides of each signed in
    pairs = chat_load.prepare(chats=100, agents=20)

    async def connect(path, session):
        communicator, connected, code = await _open(path, session)
        assert connected, code
        return _Communicator(communicator)

    # when both sides of every chat write at once
    result = async_to_sync(chat_load.drive)(pairs, lines=3, connect=connect)
    # then every side received every message once, in seq order, with the bodies written
    assert (result["chats"], result["messages"]) == (100, 600)
    assert result["problems"] == []


@in_own_thread
def test_the_redis_channel_layer_carries_the_chat(world, settings):
    """Production's layer (TIERDESK_CHANNEL_LAYER=redis://…): the same path through Redis."""
    import uuid

    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": ["redis://127.0.0.1:6379/0"],
                "prefix": f"tierdesk-test-{uuid.uuid4().hex[:8]}",
            },
        }
    }
    chat = _chat(world)
    sessions = {key: _session(world.user(key)) for key in ("acme_customer", "acme_l1")}

    async def scenario():
        customer, connected, _ = await _open(
            f"/ws/chat/{chat.pk}/?after=2", sessions["acme_customer"]
        )
        assert connected
        agent, _, _ = await _open(f"/ws/chat/{chat.pk}/?after=2", sessions["acme_l1"])
        await agent.send_json_to({"type": "message", "body": "through Redis"})
        (message,) = await _messages(customer, 1)
        assert (message["seq"], message["body"]) == (3, "through Redis")
        await customer.disconnect()
        await agent.disconnect()

    async_to_sync(scenario)()


@in_own_thread
def test_a_waiting_customer_learns_their_new_place_in_line(world):
    # given two waiting chats of Acme, the second customer following theirs
    services.presence_set(actor=world.actor("acme_l1"), available=True)
    first = services.chat_start(actor=world.actor("acme_customer"), body="one")
    second = services.chat_start(actor=world.actor("acme_customer"), body="two")
    session = _session(world.user("acme_customer"))

    async def scenario():
        follower, connected, _ = await _open(f"/ws/chat/{second.pk}/?after=1", session)
        assert connected
        # when the first chat is accepted
        await database_sync_to_async(services.chat_accept)(
            actor=world.actor("acme_l1"), chat_id=first.pk
        )
        # then the second learns it is now first in line
        assert await follower.receive_json_from(timeout=5) == {"type": "line", "place": 1}
        await follower.disconnect()

    async_to_sync(scenario)()
