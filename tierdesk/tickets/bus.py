"""Ticket events are published here; the outer apps listen.

The core (`tickets/`) knows nothing of mail, webhooks, SLA clocks or in-app notifications:
it publishes what happened, and each app subscribes at start-up, in its
`AppConfig.ready()`. What is published:

* `TicketEvent` — the audit row, once `events.record()` wrote it (`.ticket`, `.kind`…);
* `Moved(ticket, from_state, now)` — `_moves.move()` assigned a status or level and
  saved, before the move's event;
* `Changed(ticket, fields, now)` — `ticket_update()` saved changed fields, before its event;
* `MessageWritten(ticket, message, now)` — a reply or note was saved, before its event;
* `Worked(ticket, actor, kind, action, minutes, now)` — a staff member's reply, note or
  move, made while a surface reported time (`tickets.worklog`), before its event.

A listener runs in one of two phases:

* `IN_TRANSACTION` — at once, inside the publisher's transaction: for listeners that write
  rows (an outbox row, a mail row, a notification, a clock). A rollback takes their rows
  with it; an exception aborts the change it listens to.
* `AFTER_COMMIT` — through `transaction.on_commit` once the change is durable: for
  listeners that send or wake something (never for writes the change depends on). A
  rolled-back change calls nobody; a failing listener is logged and does not affect others.

Listeners run in ascending `order`, then by their qualified name, so the order never
depends on which app was loaded first. The house's orders are the constants below
(the SLA clocks first, so anything that shows a deadline reads the re-planned one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from django.db import transaction

if TYPE_CHECKING:
    from tierdesk.tickets.models import Message, Ticket

log = logging.getLogger(__name__)

IN_TRANSACTION: Literal["in_transaction"] = "in_transaction"
AFTER_COMMIT: Literal["after_commit"] = "after_commit"
Phase = Literal["in_transaction", "after_commit"]

# The orders of the house's listeners (lower runs first).
ORDER_CLOCKS = 10
ORDER_OUTBOX = 20
ORDER_MAIL = 30
ORDER_NOTIFICATIONS = 40
ORDER_ROTA = 50  # in the transaction it only looks; it assigns after commit
ORDER_INDEX = 60  # logs to read and search documents: after everything else has written


@dataclass(frozen=True)
class Moved:
    ticket: Ticket
    from_state: tuple[int | None, str]
    now: datetime


@dataclass(frozen=True)
class Changed:
    ticket: Ticket
    fields: frozenset[str]
    now: datetime


@dataclass(frozen=True)
class MessageWritten:
    ticket: Ticket
    message: Message
    now: datetime


@dataclass(frozen=True)
class Worked:
    ticket: Ticket
    actor: Any  # core.actor.Actor
    kind: str  # "reply", "note" or "action"
    action: str  # the workflow action of a move, "" for a message
    minutes: int | None
    now: datetime


Handler = Callable[[Any], Any]


@dataclass(frozen=True)
class Listener:
    handler: Handler
    topic: type
    phase: Phase
    order: int
    kinds: frozenset[str] | None = None

    @property
    def name(self) -> str:
        handler = self.handler
        return f"{getattr(handler, '__module__', '')}.{getattr(handler, '__qualname__', handler)}"


_listeners: list[Listener] = []


def _topic(to: type | None) -> type:
    if to is None:
        from tierdesk.tickets.models import TicketEvent

        return TicketEvent
    return to


def subscribe(
    handler: Handler,
    *,
    to: type | None = None,
    phase: Phase = IN_TRANSACTION,
    order: int = 100,
    kinds: frozenset[str] | set[str] | None = None,
) -> Handler:
    """Call `handler(published)` for everything of type `to` (default: every `TicketEvent`
    row) in `phase`; with `kinds`, only for published things whose `kind` is one of them
    (nothing is scheduled for the others). Subscribing the same handler to the same topic
    twice is a no-op (so a `ready()` run twice registers once). Returns the handler."""
    if phase not in (IN_TRANSACTION, AFTER_COMMIT):
        raise ValueError(f"Unknown phase {phase!r}")
    topic = _topic(to)
    if any(x.handler is handler and x.topic is topic for x in _listeners):
        return handler
    wanted = frozenset(kinds) if kinds is not None else None
    _listeners.append(
        Listener(handler=handler, topic=topic, phase=phase, order=order, kinds=wanted)
    )
    _listeners.sort(key=lambda x: (x.order, x.name))
    return handler


def unsubscribe(handler: Handler, *, to: type | None = None) -> None:
    """Remove a listener (tests use it to stand one in for a while)."""
    topic = _topic(to)
    _listeners[:] = [x for x in _listeners if not (x.handler is handler and x.topic is topic)]


def listeners(to: type | None = None) -> list[Listener]:
    """The listeners of a topic, in the order they run."""
    topic = _topic(to)
    return [x for x in _listeners if x.topic is topic]


def _after_commit(listener: Listener, published: Any) -> None:
    try:
        listener.handler(published)
    except Exception:  # one failing sender must not stop the others
        log.exception("after-commit listener %s failed", listener.name)


def publish(published: Any) -> None:
    """Run the in-transaction listeners of `type(published)` now, in order, and schedule
    the after-commit ones. Call it inside the change's transaction."""
    for listener in listeners(type(published)):
        if listener.kinds is not None and getattr(published, "kind", None) not in listener.kinds:
            continue
        if listener.phase == IN_TRANSACTION:
            listener.handler(published)
        else:
            transaction.on_commit(partial(_after_commit, listener, published))
