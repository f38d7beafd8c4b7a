"""Saved views in the API: `GET/POST /saved-views`, `GET/PATCH/DELETE /saved-views/{id}`.
Each view comes with `count`, the number of its tickets the caller may see now (null
when its queue is not one of the caller's); its `ETag` leaves `count` and `manage` out,
which change without the view."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.decorators import decorate_view
from ninja.responses import Status
from pydantic import ConfigDict

from tierdesk.core.api_support import (
    Level,
    Text,
    accepts,
    api_enum,
    errors,
    openapi_extra,
    request_actor,
)
from tierdesk.core.preconditions import RECORD_ETAG, RECORD_IF_MATCH, tagged, write_record
from tierdesk.savedviews import access, selectors, services
from tierdesk.savedviews.models import SavedView
from tierdesk.tickets.api_enums import Priority, TicketStatus
from tierdesk.tickets.ordering import ORDERS
from tierdesk.tickets.schemas import Strict
from tierdesk.tickets.selectors import QUEUES

router = Router(tags=["saved views"])
JSON = accepts("application/json")

QueueKey = api_enum("QueueKey", tuple(QUEUES), doc="A console queue.")
ViewOrder = api_enum("ViewOrder", tuple(ORDERS), doc="How a queue is ordered.")


class ViewFilters(Strict):
    q: Text = Field("", max_length=200, description="Number, title, description or ID.")
    partner: int | None = Field(None, description="A partner's id (L2, leads, L3).")
    contract: Text = Field("", max_length=24)
    flow: Text = Field("", max_length=24)
    blocker: bool | None = None
    priority: Priority | None = None  # type: ignore[valid-type]
    status: TicketStatus | None = None  # type: ignore[valid-type]
    level: Level | None = None  # type: ignore[valid-type]
    order: ViewOrder | None = None  # type: ignore[valid-type]


class SavedViewIn(Strict):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Urgent blockers",
                    "queue": "l2_intake",
                    "filters": {"priority": "urgent", "blocker": True, "order": "oldest"},
                    "shared": True,
                }
            ]
        },
    )

    name: Text = Field(..., min_length=1, max_length=80)
    queue: QueueKey  # type: ignore[valid-type]
    filters: ViewFilters = Field(default_factory=ViewFilters)
    shared: bool = Field(False, description="Shared with your team (organisation and level).")


class SavedViewPatch(Strict):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Blockers", "shared": False}]}
    )

    name: Text | None = Field(None, min_length=1, max_length=80)
    queue: QueueKey | None = None  # type: ignore[valid-type]
    filters: ViewFilters | None = None
    shared: bool | None = None


class SavedViewOut(Schema):
    id: int
    name: str
    queue: QueueKey  # type: ignore[valid-type]
    filters: ViewFilters
    shared: bool
    owner: str = Field(description="The owner's email.")
    manage: bool = Field(description="Whether you may change or delete it.")
    count: int | None = Field(description="Its tickets you may see now.")


def _stored(filters: ViewFilters) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in filters.model_dump(mode="json").items():
        if value in (None, ""):
            continue
        if key == "blocker":
            out[key] = "yes" if value else "no"
        else:
            out[key] = str(value)
    return out


def _typed(stored: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = dict(stored)
    if "blocker" in out:
        out["blocker"] = out["blocker"] == "yes"
    for key in ("partner", "level"):
        if key in out:
            out[key] = int(out[key])
    return out


def _out(row: dict[str, Any]) -> dict[str, Any]:
    view: SavedView = row["view"]
    return {
        "id": view.pk,
        "name": view.name,
        "queue": view.queue,
        "filters": _typed(view.filters),
        "shared": view.shared,
        "owner": view.owner.email,
        "manage": row["manage"],
        "count": row["count"],
    }


# What changes without the view: left out of its ETag.
VOLATILE = ("count", "manage")


def _one(request: HttpRequest, view_id: int) -> dict[str, Any]:
    actor = request_actor(request)
    row = next(r for r in selectors.sidebar(actor) if r["view"].pk == view_id)
    return _out(row)


@router.get(
    "/saved-views",
    response={200: list[SavedViewOut], **errors(401, 403)},
    summary="Your saved views and your team's, each with its count",
    operation_id="saved_view_list",
)
def list_views(request: HttpRequest):
    return [_out(row) for row in selectors.sidebar(request_actor(request))]


@router.post(
    "/saved-views",
    response={201: SavedViewOut, **errors(400, 401, 403, 409, 413, 415, 422)},
    summary="Save a queue with its filters and order",
    operation_id="saved_view_create",
)
@decorate_view(JSON)
def create_view(request: HttpRequest, payload: SavedViewIn):
    view = services.view_create(
        actor=request_actor(request),
        name=payload.name,
        queue=payload.queue.value,
        filters=_stored(payload.filters),
        shared=payload.shared,
    )
    return Status(201, _one(request, view.pk))


@router.get(
    "/saved-views/{view_id}",
    response={200: SavedViewOut, **errors(401, 403, 404, 422)},
    summary="One saved view you see, with its count and its `ETag`",
    operation_id="saved_view_get",
    openapi_extra=openapi_extra(headers={200: {"ETag": RECORD_ETAG}}),
)
def get_view(request: HttpRequest, response: HttpResponse, view_id: int):
    access.get_view(request_actor(request), view_id)  # 404 for a view you do not see
    return tagged(response, _one(request, view_id), volatile=VOLATILE)


@router.patch(
    "/saved-views/{view_id}",
    response={200: SavedViewOut, **errors(400, 401, 403, 404, 412, 413, 415, 422)},
    summary="Rename, refilter or (un)share a view (its owner; shared, the team's lead; "
    "`If-Match`: 412 when it changed since you read it)",
    operation_id="saved_view_update",
    openapi_extra=openapi_extra(headers={200: {"ETag": RECORD_ETAG}}, parameters=[RECORD_IF_MATCH]),
)
@decorate_view(JSON)
def update_view(
    request: HttpRequest, response: HttpResponse, view_id: int, payload: SavedViewPatch
):
    changes: dict[str, Any] = {}
    data = payload.model_dump(exclude_unset=True)
    if "name" in data and payload.name is not None:
        changes["name"] = payload.name
    if payload.queue is not None:
        changes["queue"] = payload.queue.value
    if payload.filters is not None:
        changes["filters"] = _stored(payload.filters)
    if payload.shared is not None:
        changes["shared"] = payload.shared
    actor = request_actor(request)

    def read(lock: bool) -> dict[str, Any]:
        if lock:
            access.get_view(actor, view_id, for_update=True)
        return _one(request, view_id)

    return write_record(
        request,
        response,
        read=read,
        write=lambda: services.view_update(actor=actor, view_id=view_id, changes=changes),
        volatile=VOLATILE,
    )


@router.delete(
    "/saved-views/{view_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    summary="Delete a view (its owner; shared, the team's lead)",
    operation_id="saved_view_delete",
)
def delete_view(request: HttpRequest, view_id: int):
    services.view_delete(actor=request_actor(request), view_id=view_id)
    return Status(204, None)
