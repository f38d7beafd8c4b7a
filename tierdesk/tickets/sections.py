"""Blocks that outer apps add to a ticket's detail: the API's ticket detail and the
console's ticket page. The core shows them without knowing the apps.

An app contributes in its `AppConfig.ready()`:

    sections.contribute_api("sla", schema=SlaOut, resolve=lambda actor, ticket: …)
    sections.contribute_page("sla", resolve=lambda actor, ticket: …)
    sections.contribute_page("follow", resolve=…, template="notifications/_ticket_block.html")

A page section with `slot="reply"` is drawn inside the reply box instead (the macros
app's picker). `contribute_reply_finisher(finish)` lets an app complete a public reply
a staff member sends from the console's reply box before it is stored
(`finish(actor, ticket, body, posted) -> body`: the personal signature).

`resolve(actor, ticket)` reads through the app's own selectors; the ticket was already
fetched through `access`, so a section never decides who sees the ticket, only what it
adds. An API section is a required key of `TicketDetailOut` typed by its schema; a page
section is a template variable of the ticket page (`None` hides it) and, with a
`template`, a block of the page's side column rendered with `block` set to its value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Resolve = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Section:
    name: str
    resolve: Resolve
    schema: Any = None
    order: int = 100
    template: str = ""
    slot: str = "side"


_api: dict[str, Section] = {}
_page: dict[str, Section] = {}
_reply_finishers: dict[str, Callable[..., str]] = {}


def contribute_api(name: str, *, schema: Any, resolve: Resolve, order: int = 100) -> None:
    """A key of the API's ticket detail, of type `schema`. Register before the API's
    modules are imported (in `ready()`), since the schema is built once."""
    _api[name] = Section(name=name, resolve=resolve, schema=schema, order=order)


def contribute_page(
    name: str, *, resolve: Resolve, order: int = 100, template: str = "", slot: str = "side"
) -> None:
    """A template variable of the console's ticket page; with `template`, also a block of
    the side column (`slot="side"`) or of the reply box (`slot="reply"`)."""
    if slot not in ("side", "reply"):
        raise ValueError(f"unknown slot {slot!r}")
    _page[name] = Section(name=name, resolve=resolve, order=order, template=template, slot=slot)


def contribute_reply_finisher(name: str, finish: Callable[..., str]) -> None:
    """`finish(actor, ticket, body, posted)` returns the public reply's text as stored."""
    _reply_finishers[name] = finish


def finish_reply(actor: Any, ticket: Any, body: str, posted: Any) -> str:
    """A staff member's public reply from the console, completed by each finisher (by name)."""
    for name in sorted(_reply_finishers):
        body = _reply_finishers[name](actor, ticket, body, posted)
    return body


def _ordered(registry: dict[str, Section]) -> list[Section]:
    return sorted(registry.values(), key=lambda s: (s.order, s.name))


def api_values(actor: Any, ticket: Any) -> dict[str, Any]:
    return {s.name: s.resolve(actor, ticket) for s in _ordered(_api)}


def page_values(actor: Any, ticket: Any) -> dict[str, Any]:
    """The page's variables, `page_blocks` and `reply_blocks`: [{"template", "value"}]
    for each section of that slot with a template whose value is not None."""
    values = {s.name: s.resolve(actor, ticket) for s in _ordered(_page)}
    blocks: dict[str, list[dict[str, Any]]] = {"side": [], "reply": []}
    for s in _ordered(_page):
        if s.template and values[s.name] is not None:
            blocks[s.slot].append({"template": s.template, "value": values[s.name]})
    return {**values, "page_blocks": blocks["side"], "reply_blocks": blocks["reply"]}


def with_api_sections(base: type) -> type:
    """`base` extended by one required field per contributed API section (same name, so
    the OpenAPI component keeps its name)."""
    from pydantic import create_model

    fields = {s.name: (s.schema, ...) for s in _ordered(_api)}
    if not fields:
        return base
    return create_model(base.__name__, __base__=base, __module__=base.__module__, **fields)
