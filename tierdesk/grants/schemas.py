from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema


class GrantOut(Schema):
    id: int
    workspace_id: str = Field(description="The platform workspace the customer opened to support.")
    until: datetime = Field(description="When the customer's grant ends on the platform.")
    granted_at: datetime
    revoked_at: datetime | None = Field(None, description="Set once revoked (or recorded so).")
    active: bool = Field(description="Not revoked and not yet ended.")


class GrantIn(Schema):
    model_config = {
        "json_schema_extra": {
            "examples": [
                {"workspace_id": "5f7c1e2a9b3d4c5e6f708192", "until": "2026-12-14T17:00:00+01:00"}
            ]
        }
    }

    workspace_id: str = Field(
        description="24 hex characters: one of the ticket's partner's workspaces.",
        examples=["5f7c1e2a9b3d4c5e6f708192"],
    )
    until: datetime = Field(
        description="When the grant ends on the platform: in the future, at most 90 days ahead.",
        examples=["2026-12-14T17:00:00+01:00"],
    )
