from __future__ import annotations

from ninja import Field, Schema

from tierdesk.core.api_support import Level, Text, api_enum

TimeKind = api_enum(
    "TimeKind", ("reply", "note", "action", "other"), doc="What the minutes were spent on."
)


class LevelMinutes(Schema):
    level: Level  # type: ignore[valid-type]
    minutes: int


class PersonMinutes(Schema):
    person: str = Field(description="The person's email.")
    level: Level  # type: ignore[valid-type]
    minutes: int


class TimeOut(Schema):
    total_minutes: int
    by_level: list[LevelMinutes]
    by_person: list[PersonMinutes]


class TimeIn(Schema):
    model_config = {
        "extra": "forbid",
        "json_schema_extra": {
            "examples": [{"minutes": 25, "kind": "reply", "note": "Checked the step log."}]
        },
    }

    minutes: int = Field(ge=1, le=1440)
    kind: TimeKind  # type: ignore[valid-type]
    note: Text = Field("", max_length=200)


class TimeEntryOut(Schema):
    id: int
    person: str
    level: Level  # type: ignore[valid-type]
    minutes: int
    kind: TimeKind  # type: ignore[valid-type]
    note: str
