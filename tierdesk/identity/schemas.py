"""API input and output shapes of identity."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict

from tierdesk.accounts.models import TokenScope as TokenScopeChoices
from tierdesk.core.api_support import api_enum

TokenScope = api_enum(
    "TokenScope",
    TokenScopeChoices,
    doc="What a token may do: read (GET), write (other methods), admin (tokens, webhooks, people).",
)


class TokenIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "helpdesk sync",
                    "scopes": ["read", "write"],
                    "expires_at": "2027-06-30T00:00:00+00:00",
                    "allowed_networks": ["203.0.113.0/24"],
                }
            ]
        },
    )

    name: str = Field(..., min_length=1, max_length=100, description="What the token is for.")
    scopes: list[TokenScope] = Field(..., min_length=1)  # type: ignore[valid-type]
    expires_at: AwareDatetime | None = Field(None, description="Refused from this time on.")
    allowed_networks: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="CIDR networks it may be used from (`10.0.0.0/8`); empty: any.",
    )
    user_id: int | None = Field(
        None, description="A person you administer; leave it out for yourself."
    )


class TokenPersonOut(Schema):
    id: int
    email: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="The first characters after `td_`, to recognise it.")
    person: TokenPersonOut
    scopes: list[TokenScope]  # type: ignore[valid-type]
    expires_at: datetime | None
    allowed_networks: list[str]
    created_at: datetime
    last_used_at: datetime | None
    last_used_address: str | None
    revoked_at: datetime | None
    active: bool = Field(description="Neither revoked nor expired.")


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret: shown only in this answer.")
