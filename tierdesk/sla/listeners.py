"""How the SLA app hears the tickets: the clocks follow moves, edits and messages
(`tickets.bus`, in the change's transaction, before anything that shows a deadline), and
the `sla` block joins the ticket's API detail and page (`tickets.sections`)."""

from __future__ import annotations

from typing import Any

from tierdesk.tickets import bus, sections


def on_moved(moved: bus.Moved) -> None:
    from tierdesk.sla.services import clocks_on_move

    clocks_on_move(ticket=moved.ticket, from_state=moved.from_state, now=moved.now)


def on_changed(changed: bus.Changed) -> None:
    from tierdesk.sla.services import clocks_on_change

    clocks_on_change(ticket=changed.ticket, fields=changed.fields, now=changed.now)


def on_message(written: bus.MessageWritten) -> None:
    from tierdesk.sla.services import clocks_on_message

    clocks_on_message(ticket=written.ticket, message=written.message, now=written.now)


# The SLA clocks are support's commitments to the partner; a customer's view has none.
NO_SLA = {"next_deadline": None, "at_risk": False, "breached": False, "clocks": []}


def api_block(actor: Any, ticket: Any) -> dict[str, Any]:
    if actor.is_customer:
        return NO_SLA
    from tierdesk.sla.selectors import ticket_sla

    return ticket_sla(ticket)


def page_block(actor: Any, ticket: Any) -> dict[str, Any] | None:
    """Staff see the clocks on the ticket page; the portal and customers do not."""
    if actor.is_customer:
        return None
    from tierdesk.sla.selectors import ticket_sla

    return ticket_sla(ticket)


def register() -> None:
    from tierdesk.sla.schemas import SlaOut

    bus.subscribe(on_moved, to=bus.Moved, order=bus.ORDER_CLOCKS)
    bus.subscribe(on_changed, to=bus.Changed, order=bus.ORDER_CLOCKS)
    bus.subscribe(on_message, to=bus.MessageWritten, order=bus.ORDER_CLOCKS)
    sections.contribute_api("sla", schema=SlaOut, resolve=api_block)
    sections.contribute_page("sla", resolve=page_block)
