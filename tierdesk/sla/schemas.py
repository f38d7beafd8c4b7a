"""The API's shape of a ticket's SLA clocks (the `sla` block of a ticket)."""

from __future__ import annotations

from datetime import datetime

from ninja import Schema
from pydantic import Field

from tierdesk.core.api_support import api_enum
from tierdesk.sla.models import ClockKind as ClockKindChoices
from tierdesk.tickets.api_enums import TicketLevel

ClockKind = api_enum("ClockKind", ClockKindChoices, doc="What a deadline is for.")


class ClockOut(Schema):
    kind: ClockKind = Field(description="What the deadline is for.")  # type: ignore[valid-type]
    level: TicketLevel | None = Field(  # type: ignore[valid-type]
        description="The level a response clock belongs to."
    )
    due_at: datetime | None = Field(description="None while paused with time left.")
    used_seconds: int = Field(description="Working time used, on the clock's calendar.")
    remaining_seconds: int = Field(description="Working time left; negative once overdue.")
    paused: bool
    stopped: bool = Field(description="The clock has stopped (answered, resolved…).")
    met: bool | None = Field(description="A stopped clock met its deadline; None while it runs.")
    calendar: str
    policy: str | None = Field(description="plan/priority (incident); None for needed_by.")


class SlaOut(Schema):
    next_deadline: datetime | None = Field(description="The earliest running deadline.")
    at_risk: bool
    breached: bool
    clocks: list[ClockOut]
