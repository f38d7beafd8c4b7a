"""`/api/v1/people`: the people an administrator administers (admin scope)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router
from ninja.decorators import decorate_view
from ninja.responses import Status

from tierdesk.accounts.models import User
from tierdesk.core.api_support import accepts, errors, header, openapi_extra, request_actor
from tierdesk.core.preconditions import RECORD_ETAG, RECORD_IF_MATCH, tagged, write_record
from tierdesk.identity import access
from tierdesk.identity.schemas import InvitationIn, InvitationOut, PersonOut, PersonUpdateIn
from tierdesk.identity.services import people

router = Router(tags=["people"])
JSON = accepts("application/json")


def person_out(user: User) -> dict:
    membership = user.membership
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.full_name,
        "role": membership.role,
        "organisation_id": membership.organisation_id,
        "active": user.is_active,
        "contract_ids": [c.platform_id for c in membership.contracts.all()],
    }


@router.get(
    "/people",
    response={200: list[PersonOut], **errors(401, 403)},
    summary="The people you administer",
    operation_id="person_list",
)
def list_people(request: HttpRequest):
    rows = access.administered_people(request_actor(request)).select_related("membership")
    return [person_out(u) for u in rows.prefetch_related("membership__contracts")]


# Before /people/{user_id}: Django would route `invitations` there.
@router.post(
    "/people/invitations",
    response={201: InvitationOut, **errors(400, 401, 403, 404, 409, 413, 415, 422)},
    summary="Invite someone (a mail with a signed link that expires)",
    operation_id="person_invite",
)
@decorate_view(JSON)
def invite(request: HttpRequest, payload: InvitationIn):
    invitation = people.person_invite(
        actor=request_actor(request),
        email=payload.email,
        role=payload.role.value,
        full_name=payload.full_name,
        contract_ids=payload.contract_ids,
        organisation_id=payload.organisation_id,
    )
    return Status(
        201,
        {
            "id": invitation.pk,
            "email": invitation.email,
            "role": invitation.role,
            "organisation_id": invitation.organisation_id,
            "expires_at": invitation.expires_at,
        },
    )


@router.get(
    "/people/{user_id}",
    response={200: PersonOut, **errors(401, 403, 404, 422)},
    summary="One person you administer, with their `ETag`",
    operation_id="person_get",
    openapi_extra=openapi_extra(headers={200: {"ETag": RECORD_ETAG}}),
)
def get_person(request: HttpRequest, response: HttpResponse, user_id: int):
    actor = request_actor(request)
    access.administered_people(actor)  # 403 for a role that administers nobody
    return tagged(response, person_out(access.get_person(actor, user_id)))


@router.get(
    "/people/{user_id}/export",
    response={200: None, **errors(401, 403, 404, 422)},
    summary="Everything held about a person, as a zip (person.json and attachments/)",
    operation_id="person_export",
    openapi_extra={
        "responses": {
            200: {
                "description": "A zip archive.",
                "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
                "headers": {
                    "Content-Disposition": header(
                        'Always `attachment; filename="tierdesk-person-<id>-<yyyymmdd>.zip"`.'
                    ),
                },
            }
        }
    },
)
def export(request: HttpRequest, user_id: int):
    from tierdesk.identity.privacy import person_export

    name, data = person_export(actor=request_actor(request), user_id=user_id)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.patch(
    "/people/{user_id}",
    response={200: PersonOut, **errors(400, 401, 403, 404, 409, 412, 413, 415, 422)},
    summary="Change a person's name, role or contracts "
    "(`If-Match`: 412 when they changed since you read them)",
    operation_id="person_update",
    openapi_extra=openapi_extra(headers={200: {"ETag": RECORD_ETAG}}, parameters=[RECORD_IF_MATCH]),
)
@decorate_view(JSON)
def update(request: HttpRequest, response: HttpResponse, user_id: int, payload: PersonUpdateIn):
    actor = request_actor(request)
    return write_record(
        request,
        response,
        read=lambda lock: person_out(access.get_person(actor, user_id, for_update=lock)),
        write=lambda: people.person_update(
            actor=actor,
            user_id=user_id,
            full_name=payload.full_name,
            role=payload.role.value if payload.role is not None else None,
            contract_ids=payload.contract_ids,
        ),
    )


@router.post(
    "/people/{user_id}/deactivate",
    response={200: PersonOut, **errors(401, 403, 404, 409, 422)},
    summary="Deactivate: sessions and tokens end, tickets go back to the queue (no body)",
    operation_id="person_deactivate",
)
def deactivate(request: HttpRequest, user_id: int):
    return person_out(people.person_deactivate(actor=request_actor(request), user_id=user_id))
