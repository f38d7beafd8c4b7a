from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from tierdesk.core.api_support import errors, request_actor

router = Router(tags=["me"])


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    brand_name: str


class MeOut(Schema):
    id: int
    email: str
    name: str
    role: str
    level: int | None
    organisation: OrganisationOut


@router.get("/me", response={200: MeOut, **errors(401, 403)}, summary="Who the token acts as")
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
