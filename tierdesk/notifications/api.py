"""The notifications API: one's own notifications, read marks, following a ticket."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from tierdesk.core.api_support import ERRORS, READ_ERRORS, accepts, errors, request_actor
from tierdesk.core.errors import Forbidden
from tierdesk.notifications import selectors, services
from tierdesk.notifications.models import NotificationKind

router = Router(tags=["notifications"])
Kind = Literal[tuple(NotificationKind.values)]  # type: ignore[valid-type]


class NotificationOut(Schema):
    id: int
    kind: Kind = Field(description="What it tells of.")
    ticket_id: int
    ticket_reference: str
    text: str
    created_at: datetime
    read_at: datetime | None


class NotificationFilters(Schema):
    unread: bool = Field(False, description="Only unread ones.")
    limit: int = Field(selectors.PAGE_SIZE, ge=1, le=selectors.PAGE_SIZE)


class ReadAllOut(Schema):
    marked: int


class FollowIn(Schema):
    model_config = {"extra": "forbid", "json_schema_extra": {"examples": [{"following": True}]}}

    following: bool


class FollowOut(Schema):
    following: bool


def _staff(request: HttpRequest):
    actor = request_actor(request)
    if actor.is_customer:
        raise Forbidden("Notifications are for support staff.")
    return actor


def _out(n) -> dict:
    return {
        "id": n.pk,
        "kind": n.kind,
        "ticket_id": n.ticket_id,
        "ticket_reference": n.ticket.reference,
        "text": n.text,
        "created_at": n.created_at,
        "read_at": n.read_at,
    }


@router.get(
    "/notifications",
    response={200: list[NotificationOut], **errors(401, 403, 422)},
    operation_id="notification_list",
    summary="My notifications, newest first",
)
def notification_list(request: HttpRequest, filters: Query[NotificationFilters]):
    rows = selectors.latest(_staff(request), unread_only=filters.unread, limit=filters.limit)
    return [_out(n) for n in rows]


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **READ_ERRORS},
    operation_id="notification_read",
    summary="Mark one of my notifications read",
)
def notification_read(request: HttpRequest, notification_id: int):
    row = services.notification_read(actor=_staff(request), notification_id=notification_id)
    return _out(row)


@router.post(
    "/notifications/read-all",
    response={200: ReadAllOut, **errors(401, 403)},
    operation_id="notification_read_all",
    summary="Mark all my notifications read",
)
def notification_read_all(request: HttpRequest):
    return {"marked": services.notifications_read_all(actor=_staff(request))}


@router.put(
    "/tickets/{ticket_id}/following",
    response={200: FollowOut, **ERRORS},
    operation_id="ticket_follow",
    summary="Follow a ticket, or stop",
)
@decorate_view(accepts("application/json"))
def ticket_follow(request: HttpRequest, ticket_id: int, payload: FollowIn):
    following = services.follow_set(
        actor=request_actor(request), ticket_id=ticket_id, following=payload.following
    )
    return {"following": following}
