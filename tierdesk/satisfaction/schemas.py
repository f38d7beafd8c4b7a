"""The `satisfaction` block of a ticket's API detail: the customer's ratings of its
resolutions, newest first (a customer sees their own; staff see all)."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

from tierdesk.core.api_support import Level


class RatingOut(Schema):
    score: int = Field(ge=1, le=5, description="1 (bad) to 5 (very good).")
    comment: str
    level: Level | None = Field(description="The level that resolved the ticket.")  # type: ignore[valid-type]
    created_at: datetime
