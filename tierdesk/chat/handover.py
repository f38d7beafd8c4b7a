"""The handover draft that writes itself from the chat, its live checklist (the same gate
as the L1 form: `tickets.workflow.handover_missing`), and the ticket a chat becomes.

The ticket is made through the ticket services only: created at L1 for the chat's
customer, taken by the agent, the transcript added as its first conversation (public lines
in one public message, agent-only notes in one internal note), the chat's files attached,
and — when asked and the checklist is complete — handed over to L2.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from django.utils import timezone

from tierdesk.chat.assist import findings, findings_context
from tierdesk.chat.extract import Line, extract
from tierdesk.chat.models import Chat, ChatMessage, MessageKind
from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput, Missing, TransitionRefused
from tierdesk.sla import services as sla_services
from tierdesk.tickets import selectors as ticket_selectors
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets import workflow
from tierdesk.tickets.fields import clean_ticket_fields
from tierdesk.tickets.models import AttachmentKind, Ticket
from tierdesk.tickets.sniff import is_image_type, is_text_type

DRAFT_KEYS = (
    "title",
    "contract_id",
    "workspace_id",
    "flow_id",
    "no_flow_reason",
    "occurred_at",
    "description",
    "expected_behaviour",
    "actual_behaviour",
    "pasted_log",
    "steps_to_reproduce",
    "context",
    "is_blocker",
    "blocker_impact",
    "needed_by",
    "check_connectivity",
    "check_credentials",
)
_BOOLEAN = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}


def _lines(chat: Chat) -> list[Line]:
    rows = ChatMessage.objects.filter(chat=chat, kind=MessageKind.TEXT).order_by("seq")
    return [Line(from_customer=m.author_id == chat.customer_id, body=m.body) for m in rows]


def draft_values(
    chat: Chat,
    now: datetime,
    fields: dict[str, Any] | None = None,
    found: list[dict] | None = None,
) -> dict[str, Any]:
    """Found in the transcript (and the triage findings `found`, as the context), overlaid
    with what the agent typed (which wins)."""
    values: dict[str, Any] = extract(_lines(chat), now=now, tz=timezone.get_current_timezone())
    if found:
        values["context"] = findings_context(found)
    values.update(chat.draft or {})
    values.update(fields or {})
    if isinstance(values.get("is_blocker"), str):
        values["is_blocker"] = _BOOLEAN.get(values["is_blocker"].strip().lower())
    return {key: values[key] for key in DRAFT_KEYS if key in values}


def _file_counts(chat: Chat) -> tuple[int, int]:
    logs = shots = 0
    for kind, content_type in chat.files.values_list("kind", "content_type"):
        if kind == AttachmentKind.LOG and is_text_type(content_type):
            logs += 1
        elif kind == AttachmentKind.SCREENSHOT and is_image_type(content_type):
            shots += 1
    return logs, shots


def _cleaned(values: dict[str, Any], now: datetime) -> tuple[dict[str, Any], dict[str, str]]:
    return clean_ticket_fields(values, now=now, creating=True)


def checklist(chat: Chat, now: datetime, found: list[dict] | None = None) -> dict[str, Any]:
    """The draft and its live checklist: which handover items are still missing, with the
    fields the agent should check (a value that does not parse is named)."""
    values = draft_values(chat, now, found=found)
    cleaned, errors = _cleaned(values, now)
    ticket = Ticket(partner_id=chat.partner_id, **cleaned)
    draft = ticket_selectors.handover_draft(ticket)
    logs, shots = _file_counts(chat)
    # The draft is written by the chat's agent, an L1 person: their L1 checks count (the
    # ticket made from it records them as noted by that agent).
    draft = dataclasses.replace(
        draft, text_logs=logs, screenshots=shots, checks_by_l1=chat.agent_id is not None
    )
    missing = workflow.handover_missing(draft, now)
    codes = {m.code for m in missing}
    return {
        "values": values,
        "errors": errors,
        "complete": not missing and not errors,
        "missing": [m.as_dict() for m in missing],
        "items": [
            {"code": item.code, "title": str(item.title), "ok": item.code not in codes}
            for item in workflow.HANDOVER_ITEMS
        ],
    }


def _transcript(chat: Chat, *, internal: bool) -> str:
    rows = ChatMessage.objects.filter(chat=chat).select_related("author").order_by("seq")
    wanted = (
        (MessageKind.NOTE,)
        if internal
        else (MessageKind.TEXT, MessageKind.FILE, MessageKind.ARTICLE)
    )
    lines = []
    for message in rows:
        if message.kind not in wanted:
            continue
        author = message.author
        who = (author.get_full_name() or author.email) if author else "Tierdesk"
        at = timezone.localtime(message.created_at).strftime("%Y-%m-%d %H:%M")
        body = message.body
        if message.kind == MessageKind.FILE:
            body = f"[file] {body}"
        elif message.kind == MessageKind.ARTICLE:
            title, _, link = body.partition("\n")
            body = f"[article] {title} ({link})"
        lines.append(f"[{at}] {who}: {body}")
    return "\n\n".join(lines)


def _customer_ticket(actor: Actor, chat: Chat, now: datetime) -> Ticket:
    """Nobody answered (nobody available, or the wait ran out): the customer's own lines
    become their ticket, their files its attachments, and the L1 first-response clock
    counts from when they started waiting."""
    lines = [line.body for line in _lines(chat) if line.from_customer]
    first = lines[0]
    data = {
        "title": (chat.topic or first.splitlines()[0])[:120],
        "description": "\n\n".join(lines),
    }
    ticket = ticket_services.ticket_create(actor=actor, data=data)
    sla_services.clocks_first_response_from(
        ticket=ticket, started_at=chat.created_at, answered_at=None, now=now
    )
    for stored in chat.files.all():
        with stored.file.open("rb") as handle:
            ticket_services.attachment_add(
                actor=actor,
                ticket_id=ticket.pk,
                file=handle.read(),
                filename=stored.filename,
                kind=stored.kind,
            )
    return ticket


def ticket_from_chat(
    *, actor: Actor, chat: Chat, fields: dict[str, Any], now: datetime, hand_over: bool = False
) -> Ticket:
    """Make the ticket (see the module's docstring). Raises InvalidInput naming a draft
    field that does not parse, TransitionRefused when `hand_over` is asked with items
    missing; nothing is written then (the caller's transaction)."""
    if actor.is_customer:
        return _customer_ticket(actor, chat, now)
    values = draft_values(chat, now, fields, found=findings(actor, chat))
    values.setdefault("title", chat.topic or f"Chat {chat.pk}")
    values.setdefault("description", values["title"])
    _, errors = _cleaned(values, now)
    if errors:
        raise InvalidInput(errors)
    if hand_over:
        state = checklist(chat, now, found=findings(actor, chat))
        if not state["complete"]:
            raise TransitionRefused(
                "The handover is incomplete.",
                missing=[Missing(m["code"], m["message"]) for m in state["missing"]],
            )
    ticket = ticket_services.ticket_create(actor=actor, data=values, customer=chat.customer)
    # The customer has been waiting since the chat began: that wait is L1's first response.
    sla_services.clocks_first_response_from(
        ticket=ticket, started_at=chat.created_at, answered_at=chat.accepted_at, now=now
    )
    ticket = ticket_services.ticket_take(actor=actor, ticket_id=ticket.pk)
    public = _transcript(chat, internal=False)
    if public:
        ticket_services.message_add(actor=actor, ticket_id=ticket.pk, body=public)
    notes = _transcript(chat, internal=True)
    if notes:
        ticket_services.message_add(actor=actor, ticket_id=ticket.pk, body=notes, internal=True)
    for stored in chat.files.all():
        with stored.file.open("rb") as handle:
            ticket_services.attachment_add(
                actor=actor,
                ticket_id=ticket.pk,
                file=handle.read(),
                filename=stored.filename,
                kind=stored.kind,
                internal=False,
            )
    if hand_over:
        ticket = ticket_services.ticket_hand_over(actor=actor, ticket_id=ticket.pk)
    return ticket
