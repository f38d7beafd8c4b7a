from __future__ import annotations

from typing import Literal

from ninja import Field, Schema

from tierdesk.core.api_support import Text


class LevelMinutes(Schema):
    level: Literal[1, 2, 3]
    minutes: int


class PersonMinutes(Schema):
    person: str = Field(description="The person's email.")
    level: Literal[1, 2, 3]
    minutes: int


class TimeOut(Schema):
    total_minutes: int
    by_level: list[LevelMinutes]
    by_person: list[PersonMinutes]


class TimeIn(Schema):
    model_config = {"extra": "forbid"}

    minutes: int = Field(ge=1, le=1440)
    kind: Literal["reply", "note", "action", "other"]
    note: Text = Field("", max_length=200)


class TimeEntryOut(Schema):
    id: int
    person: str
    level: Literal[1, 2, 3]
    minutes: int
    kind: Literal["reply", "note", "action", "other"]
    note: str
