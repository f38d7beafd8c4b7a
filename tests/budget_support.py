"""What the query-budget tests share: counting a request's statements, and the check that a
list (or a create) costs the same with few rows as with many.

A surface is measured twice, after `grow(FEW)` and after `grow(MANY - FEW)` more rows;
the two counts must be equal (no statement per row: no N+1) and within the surface's fixed
budget. Endpoints that take a page size are measured at `limit=10` and `limit=50` too."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import World
from tierdesk.accounts.services import token_create

API = "/api/v1"
FEW, MANY = 2, 12


@dataclass
class Ctx:
    """What a surface's setup made, for its URL and its growth (a ticket, a hook…)."""

    world: World
    ids: dict[str, Any] = field(default_factory=dict)
    made: int = 0  # how many rows grow() has made so far

    def actor(self, key: str):
        return self.world.actor(key)


@dataclass
class Surface:
    role: str
    url: str | Callable[[Ctx], str]
    grow: Callable[[Ctx, int], None]
    budget: int
    prepare: Callable[[Ctx], None] | None = None
    paged: bool = False  # takes ?limit=
    rows: Callable[[Any], int] | None = None  # how many rows an answer lists
    many: int = MANY  # fewer where the product caps the rows (20 webhooks an organisation)

    def path(self, ctx: Ctx) -> str:
        return self.url(ctx) if callable(self.url) else self.url


def api_client(world: World, key: str) -> Client:
    _, token = token_create(email=world.user(key).email)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def web_client(world: World, key: str) -> Client:
    client = Client()
    client.force_login(world.user(key))
    return client


def counted(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as ctx:
        response = call()
    return response, [q["sql"] for q in ctx.captured_queries]


def json_rows(body: Any) -> int:
    """How many rows a JSON list answer holds: a list, or a page's `items`."""
    if isinstance(body, list):
        return len(body)
    for key in ("items", "rows", "lines", "results", "chats", "tickets"):
        if isinstance(body.get(key), list):
            return len(body[key])
    raise AssertionError(f"no list in {sorted(body)}")


def send_json(client: Client, method: str, path: str, body: Any):
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


def check_flat(name: str, few: list[str], many: list[str], budget: int) -> None:
    def shown(statements: list[str]) -> list[str]:
        return [sql[:160] for sql in statements]

    assert len(many) == len(few), (name, len(few), len(many), shown(many))
    assert len(many) <= budget, (name, len(many), shown(many))


def measure_list(name: str, ctx: Ctx, case: Surface, client: Client, *, api: bool) -> None:
    """Few rows, then many: the same statements, within the budget."""
    if case.prepare:
        case.prepare(ctx)
    case.grow(ctx, FEW)
    url, _, query = ((API if api else "") + case.path(ctx)).partition("?")
    params = dict(parse_qsl(query))

    def get(extra: dict | None = None):
        response = client.get(url, {**params, **(extra or {})})
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        return response

    get()  # per-process caches (calendars, brand, settings) warm on the first request
    first, few = counted(get)
    case.grow(ctx, case.many - FEW)
    second, many = counted(get)
    if case.rows:
        assert case.rows(second) > case.rows(first), "the larger data set lists more rows"
    check_flat(name, few, many, case.budget)
    if case.paged:
        small, ten = counted(lambda: get({"limit": 10}))
        large, fifty = counted(lambda: get({"limit": 50}))
        if case.rows:
            assert case.rows(small) == 10 and case.rows(large) == case.many
        check_flat(f"{name} limit", ten, fifty, case.budget)
