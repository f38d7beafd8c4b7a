"""Keeping search documents and error signatures current. Every write of
`SearchDocument` and `ErrorSignature` is here."""

from __future__ import annotations

import io
from collections import Counter
from typing import Any

from django.conf import settings
from django.db.models import Max

from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM
from tierdesk.logs import parsing
from tierdesk.logs.models import LogFile, LogLine
from tierdesk.search.models import ErrorSignature, SearchDocument
from tierdesk.search.signatures import signature
from tierdesk.tickets.access import get_ticket, visible_messages
from tierdesk.tickets.models import Ticket, TicketEvent

MAX_ERROR_LINES = 2000
MAX_BODY = 200_000  # characters per column: far below PostgreSQL's 1 MB tsvector limit


def on_ticket_event(event: TicketEvent) -> None:
    document_refresh(ticket_id=event.ticket_id)


def on_log_parsed(sender: Any, *, log_file: LogFile, **kwargs: Any) -> None:
    document_refresh(ticket_id=log_file.ticket_id)


def _join(parts) -> str:
    return "\n".join(p for p in parts if p)[:MAX_BODY]


def references(ticket: Ticket) -> list[str]:
    """The ticket's number in every prefix it is written with."""
    n = ticket.number
    tags = {settings.TIERDESK_TICKET_TAG}
    tag = getattr(ticket.partner, "ticket_tag", "")
    if tag:
        tags.add(tag)
    out = [str(n), f"#{n}"]
    for t in sorted(tags):
        out += [f"{t}-{n}", f"{t}#{n}"]
    return out


def _pasted_errors(ticket: Ticket) -> list[str]:
    if not ticket.pasted_log:
        return []
    handle = io.BytesIO(ticket.pasted_log.encode("utf-8", "replace"))
    return [
        line.error_text
        for line in parsing.parse(handle, default_zone="UTC")
        if line.is_error and line.error_text
    ][:MAX_ERROR_LINES]


def document_refresh(*, ticket_id: int) -> SearchDocument:
    """Rebuild one ticket's search document and error signatures from what it holds now:
    its fields, messages (internal notes apart), the error lines of its logs (internal
    logs apart), its customer and organisation, its references and platform IDs."""
    ticket = get_ticket(SYSTEM, ticket_id)
    partner, customer = ticket.partner, ticket.customer
    messages = list(visible_messages(SYSTEM, ticket).values_list("internal", "body"))
    errors = list(
        LogLine.objects.filter(ticket=ticket, is_error=True)
        .exclude(error_text="")
        .order_by("attachment_id", "number")
        .values_list("attachment__internal", "error_text")[:MAX_ERROR_LINES]
    )
    pasted = _pasted_errors(ticket)
    max_level = LogLine.objects.filter(ticket=ticket).aggregate(m=Max("level"))["m"] or 0
    people = [customer.full_name, customer.email] if customer else []
    orgs = [partner.name, partner.display_name]
    public_errors = sorted({text for internal, text in errors if not internal} | set(pasted))
    internal_errors = sorted({text for internal, text in errors if internal})
    public_body = _join(
        [
            ticket.description,
            ticket.expected_behaviour,
            ticket.actual_behaviour,
            ticket.steps_to_reproduce,
            ticket.context,
            ticket.blocker_impact,
            ticket.resolution,
            *[body for internal, body in messages if not internal],
            *public_errors,
            *people,
            *orgs,
        ]
    )
    staff_body = _join(
        [
            ticket.check_connectivity,
            ticket.check_credentials,
            ticket.no_logs_reason,
            ticket.no_flow_reason,
            *[body for internal, body in messages if internal],
            *internal_errors,
        ]
    )
    ids = " ".join(
        [
            *references(ticket),
            ticket.contract_id,
            ticket.workspace_id,
            ticket.flow_id,
            *people,
            *orgs,
        ]
    )
    document, _ = SearchDocument.objects.update_or_create(
        ticket=ticket,
        defaults={
            "partner_id": ticket.partner_id,
            "customer_id": ticket.customer_id,
            "status": ticket.status,
            "level": ticket.level,
            "flow_id": ticket.flow_id,
            "max_log_level": max_level,
            "title": ticket.title,
            "public_body": public_body,
            "staff_body": staff_body,
            "ids": ids,
            "updated_at": clock.now(),
        },
    )
    _signatures_refresh(ticket, errors, pasted)
    return document


def _signatures_refresh(ticket: Ticket, errors: list[tuple[bool, str]], pasted: list[str]):
    counts: Counter[tuple[str, bool]] = Counter()
    texts: dict[str, str] = {}
    for internal, text in [*errors, *((False, p) for p in pasted)]:
        digest, normalised = signature(text)
        if not normalised:
            continue
        counts[(digest, not internal)] += 1
        texts.setdefault(digest, normalised)
    ErrorSignature.objects.filter(ticket=ticket).delete()
    ErrorSignature.objects.bulk_create(
        ErrorSignature(
            ticket=ticket, signature=digest, text=texts[digest], occurrences=n, public=public
        )
        for (digest, public), n in counts.items()
    )
