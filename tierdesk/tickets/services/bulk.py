"""Bulk work: one action on many tickets, each through its own service.

Not one transaction: every ticket goes through the service a single change would use
(`ticket_take`, `ticket_assign`, `ticket_update`, `message_add`, `ticket_close`), in that
service's own transaction, so each gate, permission and version check applies to it
alone. A refused ticket is reported with its reason while the others go through. A
ticket the actor may not see gets the same `not_found` outcome as one that does not
exist, and nothing of it (no number, no title) is echoed back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models

from tierdesk.core.actor import Actor
from tierdesk.core.errors import DomainError, InvalidInput, NotFound, TransitionRefused
from tierdesk.tickets import worklog
from tierdesk.tickets.access import get_ticket, visible_tickets
from tierdesk.tickets.models import Priority
from tierdesk.tickets.services._moves import check_version
from tierdesk.tickets.services.assign import ticket_assign
from tierdesk.tickets.services.conversation import message_add
from tierdesk.tickets.services.create import ticket_update
from tierdesk.tickets.services.transitions import ticket_close, ticket_take

BULK_MAX = 50
NOT_FOUND = "Ticket not found."


class BulkAction(models.TextChoices):
    TAKE = "take", "Take"
    ASSIGN = "assign", "Assign"
    PRIORITY = "priority", "Change priority"
    NOTE = "note", "Add an internal note"
    CLOSE = "close", "Close"


@dataclass(frozen=True)
class BulkItem:
    """One selected ticket: its id and, optionally, the version the person saw."""

    ticket_id: int
    version: int | None = None


@dataclass(frozen=True)
class BulkOutcome:
    ticket_id: int
    ok: bool
    number: int | None = None  # only for a ticket the actor may see
    version: int | None = None  # the ticket's version after the change
    error: DomainError | None = None

    @property
    def reason(self) -> str:
        return describe(self.error) if self.error else ""


def describe(exc: DomainError) -> str:
    """One line saying why: the message, with what was missing or invalid."""
    if isinstance(exc, NotFound):
        return NOT_FOUND
    if isinstance(exc, TransitionRefused) and exc.missing:
        return f"{exc.message} " + "; ".join(m.message for m in exc.missing)
    if isinstance(exc, InvalidInput) and exc.fields:
        return "; ".join(f"{name}: {reason}" for name, reason in exc.fields.items())
    return exc.message


def _check(action: str, items: Sequence[BulkItem], priority: str, body: str) -> None:
    errors: dict[str, str] = {}
    if action not in BulkAction.values:
        errors["action"] = f"must be one of {', '.join(BulkAction.values)}"
    if not items:
        errors["tickets"] = "choose at least one ticket"
    elif len(items) > BULK_MAX:
        errors["tickets"] = f"at most {BULK_MAX} tickets at once"
    elif len({i.ticket_id for i in items}) != len(items):
        errors["tickets"] = "names a ticket twice"
    if action == BulkAction.PRIORITY and priority not in Priority.values:
        errors["priority"] = f"must be one of {', '.join(Priority.values)}"
    if action == BulkAction.NOTE and not (body or "").strip():
        errors["body"] = "must not be empty"
    if errors:
        raise InvalidInput(errors)


def tickets_bulk(
    *,
    actor: Actor,
    action: str,
    items: Sequence[BulkItem],
    assignee_id: int | None = None,
    priority: str = "",
    body: str = "",
    reason: str = "",
    minutes: int | None = None,
) -> list[BulkOutcome]:
    """Apply `action` to each ticket of `items` (1–`BULK_MAX`, no repeats), in order, each
    in its own transaction; the outcome of each, in the same order. `assign` takes
    `assignee_id` (None: unassign) and `reason`; `priority` a priority; `note` a `body`;
    `minutes` is reported with the work on each ticket (`tickets.worklog`). Raises
    InvalidInput for the request as a whole (naming `action`, `tickets`, `priority` or
    `body`); never for one ticket."""
    _check(action, items, priority, body)
    ids = [i.ticket_id for i in items]
    numbers = dict(visible_tickets(actor).filter(pk__in=ids).values_list("pk", "number"))
    outcomes = []
    for item in items:
        number = numbers.get(item.ticket_id)
        try:
            with worklog.reporting(minutes):
                version = _one(actor, action, item, assignee_id, priority, body, reason)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                number = None
            outcomes.append(BulkOutcome(item.ticket_id, ok=False, number=number, error=exc))
        else:
            outcomes.append(BulkOutcome(item.ticket_id, ok=True, number=number, version=version))
    return outcomes


def _one(actor, action, item: BulkItem, assignee_id, priority, body, reason) -> int:
    tid, version = item.ticket_id, item.version
    if action == BulkAction.TAKE:
        return ticket_take(actor=actor, ticket_id=tid, version=version).version
    if action == BulkAction.ASSIGN:
        return ticket_assign(
            actor=actor, ticket_id=tid, assignee_id=assignee_id, reason=reason, version=version
        ).version
    if action == BulkAction.PRIORITY:
        changes = {"priority": priority}
        return ticket_update(actor=actor, ticket_id=tid, changes=changes, version=version).version
    if action == BulkAction.CLOSE:
        return ticket_close(actor=actor, ticket_id=tid, version=version).version
    # An internal note does not bump the version; a stale one is refused all the same.
    if version is not None:
        check_version(get_ticket(actor, tid), version)
    return message_add(actor=actor, ticket_id=tid, body=body, internal=True).ticket.version

