"""Shapes of the macros API."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict

from tierdesk.core.api_support import Text, api_enum
from tierdesk.macros import models
from tierdesk.tickets.api_enums import Priority, ResolutionCause, TicketStatus

MacroScope = api_enum(
    "MacroScope", models.Scope, doc="organisation: shared with your organisation; personal: yours."
)
MacroActionName = api_enum(
    "MacroAction",
    ("ask_customer", "resolve"),
    doc="The action a macro runs after its reply (through the ticket's action).",
)


class MacroOut(Schema):
    id: int
    name: str
    scope: MacroScope  # type: ignore[valid-type]
    owner: str | None = Field(description="The owner's email for a personal macro.")
    body: str = Field(description="The reply template (Markdown with placeholders).")
    set_priority: Priority | None = Field(description="The priority it sets, if any.")  # type: ignore[valid-type]
    action: MacroActionName | None  # type: ignore[valid-type]
    resolution: str = Field(description="Internal resolution notes (resolve only).")
    cause: ResolutionCause | None = Field(description="The resolution's cause (resolve only).")  # type: ignore[valid-type]
    may_manage: bool
    version: int
    updated_at: datetime


class MacroPage(Schema):
    items: list[MacroOut]


class MacroIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Ask for the execution log",
                    "scope": "organisation",
                    "body": "Hello {{ customer.first_name }}, please attach the execution "
                    "log of the failed run to {{ ticket.number }}: {{ kb:3 }}",
                    "action": "ask_customer",
                }
            ]
        },
    )

    name: Text = Field(..., max_length=100)
    scope: MacroScope = MacroScope.PERSONAL  # type: ignore[valid-type, attr-defined]
    body: Text = Field("", max_length=20000)
    set_priority: Priority | None = None  # type: ignore[valid-type]
    action: MacroActionName | None = None  # type: ignore[valid-type]
    resolution: Text = Field("", max_length=20000)
    cause: ResolutionCause | None = None  # type: ignore[valid-type]


class MacroPut(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Ask for the execution log",
                    "body": "Hello {{ customer.first_name }}, please attach the log.",
                    "action": "ask_customer",
                    "version": 1,
                }
            ]
        },
    )

    name: Text = Field(..., max_length=100)
    body: Text = Field("", max_length=20000)
    set_priority: Priority | None = None  # type: ignore[valid-type]
    action: MacroActionName | None = None  # type: ignore[valid-type]
    resolution: Text = Field("", max_length=20000)
    cause: ResolutionCause | None = None  # type: ignore[valid-type]
    version: int | None = Field(None, description="The version you read (409 when stale).")


class MacroApplyIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"ticket_id": 42, "version": 7, "sign": True}]},
    )

    ticket_id: int
    version: int | None = Field(None, description="The ticket's version you read.")
    body: Text | None = Field(
        None, max_length=20000, description="The reply as edited; default: the macro rendered."
    )
    sign: bool = Field(True, description="Append your signature to the reply.")


class MacroPreviewOut(Schema):
    ticket_id: int
    text: str = Field(description="The macro's reply rendered for the ticket.")


class MacroAppliedOut(Schema):
    ticket_id: int
    version: int = Field(description="The ticket's version after the macro.")
    status: TicketStatus  # type: ignore[valid-type]
    text: str = Field(description="The public reply as posted (empty when none).")
