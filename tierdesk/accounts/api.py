from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from tierdesk.accounts.models import OrgKind
from tierdesk.accounts.models import Role as RoleChoices
from tierdesk.core.api_support import Level, api_enum, errors, request_actor

router = Router(tags=["me"])
Role = api_enum("Role", RoleChoices, doc="A person's role.")
OrganisationKind = api_enum("OrganisationKind", OrgKind)


class OrganisationOut(Schema):
    id: int
    name: str
    kind: OrganisationKind  # type: ignore[valid-type]
    brand_name: str


class MeOut(Schema):
    id: int
    email: str
    name: str
    role: Role  # type: ignore[valid-type]
    level: Level | None = Field(  # type: ignore[valid-type]
        description="The level an agent works at; null for others."
    )
    organisation: OrganisationOut


@router.get(
    "/me",
    response={200: MeOut, **errors(401, 403)},
    summary="Who the token acts as",
    operation_id="me_get",
)
def me(request: HttpRequest):
    actor = request_actor(request)
    user = actor.user
    org = user.membership.organisation
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.full_name,
        "role": actor.role,
        "level": actor.level,
        "organisation": {
            "id": org.pk,
            "name": org.name,
            "kind": org.kind,
            "brand_name": org.brand_name,
        },
    }
