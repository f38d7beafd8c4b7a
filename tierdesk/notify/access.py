"""Who manages which webhooks — the one place it is decided.

| role | manages |
|---|---|
| partner_admin (of a partner) | the partner's hooks: they hear only that partner's tickets |
| admin (of the vendor) | the vendor's hooks: they hear every ticket |
| everyone else | nothing (403) |

Another organisation's hook, or a delivery of it, answers 404 exactly like a missing one.
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from tierdesk.accounts.models import OrgKind, Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, NotFound
from tierdesk.notify.models import Delivery, Webhook


def may_manage_webhooks(actor: Actor) -> bool:
    if actor.org_id is None:
        return False
    if actor.role == Role.PARTNER_ADMIN:
        return actor.org_kind == OrgKind.PARTNER
    return actor.role == Role.ADMIN and actor.is_vendor


def visible_webhooks(actor: Actor) -> QuerySet[Webhook]:
    """The actor's organisation's hooks. Raises Forbidden for a role that manages none."""
    if not may_manage_webhooks(actor):
        raise Forbidden(
            "Only a partner admin or the vendor's admin manages webhooks.", code="forbidden"
        )
    return Webhook.objects.filter(organisation_id=actor.org_id)


def get_webhook(actor: Actor, webhook_id: int, *, for_update: bool = False) -> Webhook:
    hooks = visible_webhooks(actor)
    if for_update:
        hooks = hooks.select_for_update(of=("self",))
    try:
        return hooks.get(pk=webhook_id)
    except (Webhook.DoesNotExist, ValueError, TypeError):
        raise NotFound("Webhook not found.") from None


def get_delivery(webhook: Webhook, delivery_id: str, *, for_update: bool = False) -> Delivery:
    """A delivery of a hook already obtained through `get_webhook`, by its public id."""
    try:
        public_id = uuid.UUID(str(delivery_id))
    except ValueError:
        raise NotFound("Delivery not found.") from None
    deliveries = Delivery.objects.filter(webhook=webhook)
    if for_update:
        deliveries = deliveries.select_for_update(of=("self",))
    try:
        return deliveries.select_related("outbox").get(delivery_id=public_id)
    except Delivery.DoesNotExist:
        raise NotFound("Delivery not found.") from None
