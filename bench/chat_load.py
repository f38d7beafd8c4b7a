"""Load test of the chat's real-time path: many simultaneous chats, every message delivered
once and in order to both sides.

    # against a running server (tierdesk serve --asgi), on the server's database:
    .venv/bin/python bench/chat_load.py --url ws://127.0.0.1:8000 --chats 100 --agents 20 \\
        --lines 20 --duration 300

It creates (in the database `DATABASE_URL` names, like the server's) a partner "Chat load",
`--agents` available L1 agents (cap `--chats / --agents`, rounded up) and one customer per
chat, starts and accepts the chats, signs everyone in (database sessions), then opens two
WebSockets per chat (customer and agent). In rounds until `--duration` seconds have passed,
both sides of every chat write `--lines` lines each at once; each side checks that it
received every message of the chat exactly once, in `seq` order, with the bodies written.
Problems are printed; the exit status is 1 if there was any. The CI test
(`tests/test_chat_realtime.py`) runs the same driver in process for one round.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Pair:
    chat_id: int
    customer_session: str
    agent_session: str
    seen: int = 0  # seq of the last message both sides have seen


def prepare(*, chats: int, agents: int, label: str = "") -> list[Pair]:
    """Organisation, people, presences, chats (started and accepted) and sessions."""
    from django.contrib.sessions.backends.db import SessionStore

    from tierdesk.accounts.models import Organisation
    from tierdesk.accounts.services import organisation_create, user_create
    from tierdesk.chat import services
    from tierdesk.core.actor import actor_for

    label = label or uuid.uuid4().hex[:8]
    org = Organisation.objects.filter(name="Chat load").first() or organisation_create(
        name="Chat load", kind="partner", display_name="Chat load"
    )

    def person(kind: str, n: int, role: str):
        user = user_create(
            email=f"load-{label}-{kind}{n}@example.test", organisation=org, role=role
        )
        session = SessionStore()
        session["_auth_user_id"] = str(user.pk)
        session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        return user, session.session_key

    cap = math.ceil(chats / agents)
    staff = [person("agent", n, "l1_agent") for n in range(agents)]
    for user, _ in staff:
        services.presence_set(actor=actor_for(user), available=True, max_chats=cap)
    pairs = []
    for n in range(chats):
        customer, session = person("customer", n, "customer")
        chat = services.chat_start(actor=actor_for(customer), body=f"load {n}")
        agent, agent_session = staff[n % agents]
        services.chat_accept(actor=actor_for(agent), chat_id=chat.pk)
        pairs.append(Pair(chat.pk, session, agent_session, seen=2))
    return pairs


Connect = Callable[[str, str], Awaitable[Any]]  # (path, session key) → socket


async def _collect(socket, chat_id: int, after: int, count: int, problems: list[str], who: str):
    got = []
    while len(got) < count:
        event = await socket.receive_json()
        if event.get("type") == "message":
            got.append(event["message"])
    seqs = [m["seq"] for m in got]
    if seqs != list(range(after + 1, after + count + 1)):
        problems.append(f"chat {chat_id} {who}: seq {seqs}")
    return got


async def _round(pair: Pair, sockets, lines: int, problems: list[str], tag: str) -> None:
    customer, agent = sockets
    written = {
        "c": [f"{tag} c{i}" for i in range(lines)],
        "a": [f"{tag} a{i}" for i in range(lines)],
    }
    count = 2 * lines
    listeners = [
        asyncio.ensure_future(_collect(s, pair.chat_id, pair.seen, count, problems, who))
        for s, who in ((customer, "customer"), (agent, "agent"))
    ]
    for i in range(lines):
        await customer.send_json({"type": "message", "body": written["c"][i]})
        await agent.send_json({"type": "message", "body": written["a"][i]})
    results = await asyncio.gather(*listeners)
    for got in results:
        bodies = [m["body"] for m in got]
        for side in ("c", "a"):
            if [b for b in bodies if b in written[side]] != written[side]:
                problems.append(f"chat {pair.chat_id}: lines of {side} out of order or lost")
    pair.seen += count


async def drive(
    pairs: list[Pair], *, lines: int, connect: Connect, duration: float = 0
) -> dict[str, Any]:
    """Open both sides of every chat, run rounds (at least one, until `duration`), close."""
    problems: list[str] = []
    sockets = []
    for pair in pairs:
        path = f"/ws/chat/{pair.chat_id}/?after={pair.seen}"
        sockets.append(
            (await connect(path, pair.customer_session), await connect(path, pair.agent_session))
        )
    started, rounds = time.monotonic(), 0
    while True:
        rounds += 1
        await asyncio.gather(
            *(
                _round(pair, both, lines, problems, f"r{rounds}")
                for pair, both in zip(pairs, sockets, strict=True)
            )
        )
        if time.monotonic() - started >= duration:
            break
    for both in sockets:
        for socket in both:
            await socket.close()
    return {
        "chats": len(pairs),
        "rounds": rounds,
        "messages": rounds * len(pairs) * 2 * lines,
        "seconds": round(time.monotonic() - started, 1),
        "problems": problems,
    }


class _WebSocket:
    def __init__(self, connection):
        self.connection = connection

    async def send_json(self, data) -> None:
        import json

        await self.connection.send(json.dumps(data))

    async def receive_json(self):
        import json

        return json.loads(await asyncio.wait_for(self.connection.recv(), timeout=60))

    async def close(self) -> None:
        await self.connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="ws://127.0.0.1:8000")
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--duration", type=float, default=180)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tierdesk.settings")
    import django
    import websockets

    django.setup()
    pairs = prepare(chats=args.chats, agents=args.agents)
    host = args.url.split("://", 1)[1]
    origin = "http://" + host

    async def connect(path: str, session: str):
        connection = await websockets.connect(
            args.url + path,
            additional_headers={"Cookie": f"sessionid={session}"},
            origin=origin,
            max_queue=None,
        )
        return _WebSocket(connection)

    result = asyncio.run(drive(pairs, lines=args.lines, connect=connect, duration=args.duration))
    for problem in result["problems"][:50]:
        print(problem)
    print({k: v for k, v in result.items() if k != "problems"}, len(result["problems"]), "problems")
    return 1 if result["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
