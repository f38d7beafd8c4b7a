"""API input and output shapes of identity."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema
from pydantic import AwareDatetime, ConfigDict

from tierdesk.accounts.models import Role as RoleChoices
from tierdesk.accounts.models import TokenScope as TokenScopeChoices
from tierdesk.core.api_support import api_enum

TokenScope = api_enum(
    "TokenScope",
    TokenScopeChoices,
    doc="What a token may do: read (GET), write (other methods), admin (tokens, webhooks, people).",
)

# The same closed set as `Role` of `/me` (one enum of roles in the document).
PersonRole = api_enum("Role", RoleChoices, doc="A person's role.")


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


class PersonOut(Schema):
    id: int
    email: str
    name: str
    role: PersonRole  # type: ignore[valid-type]
    organisation_id: int
    active: bool
    contract_ids: list[str]


class InvitationIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"email": "kim@customer.example", "full_name": "Kim Lee", "role": "customer"}
            ]
        },
    )

    email: str = Field(..., min_length=3, max_length=254)
    full_name: str = Field("", max_length=150)
    role: PersonRole  # type: ignore[valid-type]
    contract_ids: list[str] = Field(default_factory=list, description="Customers only.")
    organisation_id: int | None = Field(
        None, description="The vendor's admin only: invite into this organisation."
    )


class InvitationOut(Schema):
    id: int
    email: str
    role: PersonRole  # type: ignore[valid-type]
    organisation_id: int
    expires_at: datetime


class PersonUpdateIn(Schema):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"role": "l1_agent"}, {"full_name": "Kim Lee-Park"}]},
    )

    full_name: str | None = Field(None, max_length=150)
    role: PersonRole | None = None  # type: ignore[valid-type]
    contract_ids: list[str] | None = None
