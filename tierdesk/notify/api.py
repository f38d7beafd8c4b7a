"""Webhook endpoints: parse → call a service or a selector → shape the answer."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.decorators import decorate_view
from ninja.responses import Status

from tierdesk.core.api_support import RETRY_AFTER, accepts, errors, openapi_extra, request_actor
from tierdesk.core.preconditions import RECORD_ETAG, RECORD_IF_MATCH, tagged, write_record
from tierdesk.notify import access, selectors, services
from tierdesk.notify.models import Delivery, Webhook
from tierdesk.notify.schemas import (
    DeliveryFilters,
    DeliveryOut,
    DeliveryPage,
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
)

router = Router(tags=["webhooks"])
JSON = accepts("application/json")


def webhook_out(hook: Webhook) -> dict:
    return {
        "id": hook.pk,
        "url": hook.url,
        "events": list(hook.events or []),
        "description": hook.description,
        "active": hook.active,
        "secret_prefix": hook.secret_prefix,
        "created_by": hook.created_by.email if hook.created_by_id else None,
        "created_at": hook.created_at,
    }


def delivery_out(delivery: Delivery) -> dict:
    return {
        "id": delivery.delivery_id,
        "event": delivery.outbox.event,
        "occurred_at": delivery.outbox.occurred_at,
        "ticket_id": delivery.outbox.ticket_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at,
        "last_attempt_at": delivery.last_attempt_at,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": delivery.delivered_at,
        "created_at": delivery.created_at,
    }


@router.get(
    "/webhooks",
    response={200: list[WebhookOut], **errors(401, 403)},
    summary="Your organisation's webhooks",
    operation_id="webhook_list",
)
def list_webhooks(request: HttpRequest):
    hooks = access.visible_webhooks(request_actor(request)).select_related("created_by")
    return [webhook_out(hook) for hook in hooks]


@router.post(
    "/webhooks",
    response={201: WebhookCreatedOut, **errors(400, 401, 403, 409, 413, 415, 422)},
    summary="Add a webhook (the secret is shown only in this answer)",
    operation_id="webhook_create",
)
@decorate_view(JSON)
def create_webhook(request: HttpRequest, payload: WebhookIn):
    hook, secret = services.webhook_create(
        actor=request_actor(request),
        url=payload.url,
        events=payload.events,
        description=payload.description,
    )
    return Status(201, {**webhook_out(hook), "secret": secret})


@router.get(
    "/webhooks/{webhook_id}",
    response={200: WebhookOut, **errors(401, 403, 404, 422)},
    summary="One webhook, with its `ETag`",
    operation_id="webhook_get",
    openapi_extra=openapi_extra(headers={200: {"ETag": RECORD_ETAG}}),
)
def get_webhook(request: HttpRequest, response: HttpResponse, webhook_id: int):
    return tagged(response, webhook_out(access.get_webhook(request_actor(request), webhook_id)))


@router.patch(
    "/webhooks/{webhook_id}",
    response={200: WebhookOut, **errors(400, 401, 403, 404, 412, 413, 415, 422)},
    summary="Change a webhook: its URL, events, description; pause or resume it "
    "(`If-Match`: 412 when it changed since you read it)",
    operation_id="webhook_update",
    openapi_extra=openapi_extra(headers={200: {"ETag": RECORD_ETAG}}, parameters=[RECORD_IF_MATCH]),
)
@decorate_view(JSON)
def update_webhook(
    request: HttpRequest, response: HttpResponse, webhook_id: int, payload: WebhookPatch
):
    changes = payload.model_dump(exclude_unset=True)
    for name in ("url", "description", "active"):  # null: unchanged, like left out
        if changes.get(name, "") is None:
            del changes[name]
    if changes.get("events") is not None:
        changes["events"] = [str(getattr(e, "value", e)) for e in changes["events"]]
    actor = request_actor(request)
    return write_record(
        request,
        response,
        read=lambda lock: webhook_out(access.get_webhook(actor, webhook_id, for_update=lock)),
        write=lambda: services.webhook_update(actor=actor, webhook_id=webhook_id, **changes),
    )


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response={200: WebhookCreatedOut, **errors(401, 403, 404, 422)},
    summary="A new signing secret, in force at once (shown only in this answer; no body)",
    operation_id="webhook_rotate_secret",
)
def rotate_webhook_secret(request: HttpRequest, webhook_id: int):
    hook, secret = services.webhook_rotate_secret(
        actor=request_actor(request), webhook_id=webhook_id
    )
    return {**webhook_out(hook), "secret": secret}


@router.delete(
    "/webhooks/{webhook_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    summary="Delete a webhook and its deliveries",
    operation_id="webhook_delete",
)
def delete_webhook(request: HttpRequest, webhook_id: int):
    services.webhook_delete(actor=request_actor(request), webhook_id=webhook_id)
    return Status(204, None)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: DeliveryPage, **errors(401, 403, 404, 422)},
    summary="A webhook's deliveries, newest first",
    operation_id="delivery_list",
)
def list_deliveries(request: HttpRequest, webhook_id: int, filters: Query[DeliveryFilters]):
    hook = access.get_webhook(request_actor(request), webhook_id)
    rows, next_cursor = selectors.deliveries_page(
        hook, status=filters.status, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": [delivery_out(d) for d in rows], "next_cursor": next_cursor}


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut, **errors(401, 403, 404, 409, 422)},
    summary="Deliver again: same delivery id, a fresh retry schedule (no body)",
    operation_id="delivery_redeliver",
    openapi_extra=openapi_extra(headers={409: {"Retry-After": RETRY_AFTER}}),
)
def redeliver(request: HttpRequest, webhook_id: int, delivery_id: str):
    delivery = services.delivery_redeliver(
        actor=request_actor(request), webhook_id=webhook_id, delivery_id=delivery_id
    )
    return Status(202, delivery_out(delivery))
