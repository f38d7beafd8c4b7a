"""Reads with meaning for webhooks: a hook's deliveries, newest first, a page at a time."""

from __future__ import annotations

import base64
import binascii

from tierdesk.core.errors import InvalidInput
from tierdesk.notify.models import Delivery, DeliveryStatus, Webhook

MAX_PAGE = 100


def _decode_cursor(cursor: str) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode() + b"==").decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInput({"cursor": "is not a cursor this API gave out"}) from None


def _encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(str(pk).encode()).decode().rstrip("=")


def deliveries_page(
    webhook: Webhook, *, status: str | None = None, cursor: str | None = None, limit: int = 25
) -> tuple[list[Delivery], str | None]:
    """A page of a hook's deliveries (newest first) and the cursor of the next page."""
    errors: dict[str, str] = {}
    if not 1 <= limit <= MAX_PAGE:
        errors["limit"] = f"must be between 1 and {MAX_PAGE}"
    if status and status not in DeliveryStatus.values:
        errors["status"] = "must be one of " + ", ".join(DeliveryStatus.values)
    if errors:
        raise InvalidInput(errors)
    deliveries = Delivery.objects.filter(webhook=webhook).select_related("outbox")
    if status:
        deliveries = deliveries.filter(status=status)
    if cursor:
        deliveries = deliveries.filter(pk__lt=_decode_cursor(cursor))
    rows = list(deliveries.order_by("-pk")[: limit + 1])
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, _encode_cursor(rows[-1].pk)
    return rows, None
