"""Chat endpoints for the reports and a partner's own dashboards: the chats a person may
see, and their measures (time to answer, chats per agent, outcomes)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from tierdesk.chat import access, selectors
from tierdesk.chat.models import Chat, ChatOutcome, ChatStatus
from tierdesk.core.api_support import Instant, api_enum, errors, request_actor

router = Router(tags=["chats"])

ChatStatusEnum = api_enum("ChatStatus", ChatStatus, doc="Where a chat stands.")
ChatOutcomeEnum = api_enum("ChatOutcome", ChatOutcome, doc="How an ended chat ended.")
LIMIT = 200


class ChatOut(Schema):
    id: int
    status: ChatStatusEnum
    outcome: ChatOutcomeEnum | None = Field(None, description="Set once the chat has ended.")
    customer: str
    agent: str | None
    created_at: datetime
    accepted_at: datetime | None
    ended_at: datetime | None
    wait_seconds: int | None = Field(None, description="From the start to an agent's answer.")
    ticket_number: int | None = Field(None, description="The ticket the chat became.")


class ChatFilters(Schema):
    status: ChatStatusEnum | None = None
    since: Instant | None = Field(None, description="Chats started at or after this moment.")
    until: Instant | None = Field(None, description="Chats started before this moment.")


class AgentCountOut(Schema):
    agent: str
    chats: int


class ChatMeasuresOut(Schema):
    chats: int
    average_wait_seconds: float | None
    per_agent: list[AgentCountOut]
    resolved_without_ticket: int
    turned_into_tickets: int
    handed_over: int


def _chats(request: HttpRequest, filters: ChatFilters):
    chats = access.visible_chats(request_actor(request))
    if filters.status is not None:
        chats = chats.filter(status=filters.status.value)
    if filters.since is not None:
        chats = chats.filter(created_at__gte=filters.since)
    if filters.until is not None:
        chats = chats.filter(created_at__lt=filters.until)
    return chats


def _chat_out(chat: Chat) -> dict:
    return {
        "id": chat.pk,
        "status": chat.status,
        "outcome": chat.outcome or None,
        "customer": chat.customer.email,
        "agent": chat.agent.email if chat.agent_id else None,
        "created_at": chat.created_at,
        "accepted_at": chat.accepted_at,
        "ended_at": chat.ended_at,
        "wait_seconds": chat.wait_seconds,
        "ticket_number": chat.ticket.number if chat.ticket_id else None,
    }


@router.get(
    "/chats",
    response={200: list[ChatOut], **errors(401, 403, 422)},
    summary=f"The chats you may see, newest first (at most {LIMIT})",
    operation_id="chat_list",
)
def list_chats(request: HttpRequest, filters: Query[ChatFilters]):
    chats = _chats(request, filters).select_related("customer", "agent", "ticket")
    return [_chat_out(chat) for chat in chats.order_by("-created_at", "-pk")[:LIMIT]]


@router.get(
    "/chats/measures",
    response={200: ChatMeasuresOut, **errors(401, 403, 422)},
    summary="Time to answer, chats per agent and outcomes of the chats you may see",
    operation_id="chat_measures_get",
)
def chat_measures(request: HttpRequest, filters: Query[ChatFilters]):
    figures = selectors.measures(_chats(request, filters))
    emails = selectors.agent_emails(figures["per_agent"])
    figures["per_agent"] = [
        {"agent": emails.get(agent_id, ""), "chats": n}
        for agent_id, n in sorted(figures["per_agent"].items())
    ]
    return figures
