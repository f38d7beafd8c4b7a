"""Extension points of the core for the apps above it, so `tickets/` needs to know none
of them: an outer app registers a function in its `AppConfig.ready()`.

`register_ticket_section(name, fn)`: `fn(actor, ticket)` returns a JSON-able value the
ticket API adds under `name` to `GET /api/v1/tickets/{id}`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TicketSection = Callable[[Any, Any], Any]
_ticket_sections: dict[str, TicketSection] = {}


def register_ticket_section(name: str, fn: TicketSection) -> None:
    _ticket_sections[name] = fn


def ticket_sections(actor: Any, ticket: Any) -> dict[str, Any]:
    return {name: fn(actor, ticket) for name, fn in _ticket_sections.items()}
