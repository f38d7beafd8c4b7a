"""Every write to webhooks and deliveries. The API, tasks and the sweep call these."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q

from tierdesk.accounts.models import OrgKind
from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Conflict, InvalidInput, WrongState
from tierdesk.notify.access import get_delivery, get_webhook, visible_webhooks
from tierdesk.notify.models import (
    Delivery,
    DeliveryStatus,
    OutboxEvent,
    Webhook,
    WebhookEvent,
)
from tierdesk.notify.tasks import schedule_delivery
from tierdesk.notify.webhooks import TargetRefused, check_target

MAX_WEBHOOKS_PER_ORGANISATION = 20
SECRET_PREFIX_LENGTH = 12


def _clean_events(events: Iterable[Any] | None, errors: dict[str, str]) -> list[str]:
    if events is None:
        return list(WebhookEvent.values)
    if isinstance(events, str):
        errors["events"] = "must be a list of event names"
        return []
    chosen = list(dict.fromkeys(events))
    unknown = [str(name) for name in chosen if name not in WebhookEvent.values]
    if unknown:
        errors["events"] = (
            f"unknown event {', '.join(unknown)}; choose from {', '.join(WebhookEvent.values)}"
        )
    elif not chosen:
        errors["events"] = "must name at least one event (leave it out for all events)"
    return chosen


def _storable(text: str) -> bool:
    """One line of text a database stores as given: no NUL or other control characters,
    no lone surrogates (both can arrive through JSON escapes)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return text.isprintable()


@transaction.atomic
def webhook_create(
    *, actor: Actor, url: str, events: Iterable[str] | None = None, description: str = ""
) -> tuple[Webhook, str]:
    """A hook for the actor's organisation (a partner admin: the partner's tickets; the
    vendor's admin: every ticket). Returns the hook and its secret — the only time the
    secret is shown.

    Raises Forbidden for any other role; InvalidInput naming `url` (not http(s), does not
    resolve, resolves to a refused address), `events` or `description`; Conflict when
    the organisation already has `MAX_WEBHOOKS_PER_ORGANISATION` hooks."""
    hooks = visible_webhooks(actor)
    errors: dict[str, str] = {}
    chosen = _clean_events(events, errors)
    if not isinstance(description, str) or len(description) > 200:
        errors["description"] = "must be text of at most 200 characters"
    elif not _storable(description):
        errors["description"] = "must not contain control characters or invalid Unicode"
    try:
        check_target(url)
    except TargetRefused as refused:
        errors["url"] = refused.reason
    if errors:
        raise InvalidInput(errors)
    if hooks.count() >= MAX_WEBHOOKS_PER_ORGANISATION:
        raise Conflict(
            f"An organisation has at most {MAX_WEBHOOKS_PER_ORGANISATION} webhooks; "
            "delete one first.",
            code="too_many_webhooks",
        )
    secret = "whsec_" + secrets.token_urlsafe(32)
    webhook = Webhook.objects.create(
        organisation_id=actor.org_id,
        url=url.strip(),
        description=description.strip(),
        secret=secret,
        secret_prefix=secret[:SECRET_PREFIX_LENGTH],
        events=chosen,
        created_by=actor.user,
    )
    return webhook, secret


_UNSET: Any = object()


@transaction.atomic
def webhook_update(
    *,
    actor: Actor,
    webhook_id: int,
    url: str = _UNSET,
    events: Iterable[str] | None = _UNSET,
    description: str = _UNSET,
    active: bool = _UNSET,
) -> Webhook:
    """Change a hook of the actor's organisation: what is passed changes, the rest stays.
    `active=False` pauses it (no new deliveries; a pending one fails when due and can be
    redelivered after resuming),
    `active=True` resumes it. The same checks as `webhook_create`; NotFound for another
    organisation's hook."""
    webhook = get_webhook(actor, webhook_id, for_update=True)
    errors: dict[str, str] = {}
    if events is not _UNSET:
        webhook.events = _clean_events(events, errors)
    if description is not _UNSET:
        if not isinstance(description, str) or len(description) > 200:
            errors["description"] = "must be text of at most 200 characters"
        elif not _storable(description):
            errors["description"] = "must not contain control characters or invalid Unicode"
        else:
            webhook.description = description.strip()
    if url is not _UNSET:
        try:
            check_target(url)
        except TargetRefused as refused:
            errors["url"] = refused.reason
        else:
            webhook.url = url.strip()
    if active is not _UNSET:
        webhook.active = bool(active)
    if errors:
        raise InvalidInput(errors)
    webhook.save()
    return webhook


@transaction.atomic
def webhook_rotate_secret(*, actor: Actor, webhook_id: int) -> tuple[Webhook, str]:
    """A new signing secret for the hook, in force at once (every attempt from now on,
    redeliveries included, is signed with it). Returns the hook and the secret — the only
    time it is shown."""
    webhook = get_webhook(actor, webhook_id, for_update=True)
    secret = "whsec_" + secrets.token_urlsafe(32)
    webhook.secret = secret
    webhook.secret_prefix = secret[:SECRET_PREFIX_LENGTH]
    webhook.save(update_fields=["secret", "secret_prefix", "updated_at"])
    return webhook, secret


@transaction.atomic
def webhook_delete(*, actor: Actor, webhook_id: int) -> None:
    """Delete a hook of the actor's organisation with its deliveries; attempts not made
    yet are not made. NotFound for another organisation's hook."""
    webhook = get_webhook(actor, webhook_id, for_update=True)
    webhook.delete()


@transaction.atomic
def delivery_redeliver(*, actor: Actor, webhook_id: int, delivery_id: str) -> Delivery:
    """Start the delivery over: pending, due now, a fresh retry schedule, the same
    delivery id (the receiver's idempotency key). Conflict while an attempt is in
    flight; WrongState when the hook is inactive."""
    now = clock.now()
    webhook = get_webhook(actor, webhook_id)
    delivery = get_delivery(webhook, delivery_id, for_update=True)
    if not webhook.active:
        raise WrongState("The webhook is inactive.")
    if delivery.locked_until is not None and delivery.locked_until > now:
        raise Conflict(
            "An attempt of this delivery is in flight; try again in a minute.",
            code="in_flight",
            retry_after=max(1, int((delivery.locked_until - now).total_seconds()) + 1),
        )
    delivery.status = DeliveryStatus.PENDING
    delivery.round_attempts = 0
    delivery.next_attempt_at = now
    delivery.delivered_at = None
    delivery.enqueued_at = schedule_delivery(delivery.pk, now=now)
    delivery.save()
    return delivery


def _listeners(row: OutboxEvent) -> list[Webhook]:
    hooks = Webhook.objects.filter(active=True, created_at__lte=row.occurred_at).filter(
        Q(organisation_id=row.partner_id) | Q(organisation__kind=OrgKind.VENDOR)
    )
    return [hook for hook in hooks.order_by("pk") if hook.listens_to(row.event)]


def outbox_fan_out(*, outbox_id: int) -> list[int] | None:
    """One pending delivery per active hook that hears the event: the vendor's hooks and
    the hooks of the ticket's partner, created no later than the event. Queues each
    first attempt on commit. Idempotent: None when the row is fanned out already or
    another worker is fanning it out right now (its lock is skipped)."""
    now = clock.now()
    with transaction.atomic():
        row = (
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=outbox_id, fanned_out_at__isnull=True)
            .first()
        )
        if row is None:
            return None
        created = Delivery.objects.bulk_create(
            [
                Delivery(webhook=hook, outbox=row, next_attempt_at=now, enqueued_at=now)
                for hook in _listeners(row)
            ]
        )
        for delivery in created:
            schedule_delivery(delivery.pk, now=now)
        row.fanned_out_at = now
        row.save(update_fields=["fanned_out_at"])
        return [delivery.pk for delivery in created]
