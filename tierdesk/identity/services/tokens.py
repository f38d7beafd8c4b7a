"""API tokens made and revoked by people (the console and `/api/v1/tokens`), and the
mail to their people before they expire (`identity.token_expiry` in `core.periodic`)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from tierdesk.accounts import services as accounts
from tierdesk.accounts.models import ApiToken
from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput
from tierdesk.identity import access
from tierdesk.identity.audit import audit
from tierdesk.identity.models import AuditKind
from tierdesk.identity.notices import Change, tell_factor_change, tell_token_expiring


@transaction.atomic
def api_token_create(
    *,
    actor: Actor,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    allowed_networks: list[str] | None = None,
    user_id: int | None = None,
    address: str = "",
) -> tuple[ApiToken, str]:
    """A token for the actor, or (for an administrator) for a person they administer.
    Returns the record and the secret, shown this once. The admin scope only for people
    who administer; a name is required. The person is told by mail (never the secret);
    `address` is the client address of the request, when there is one."""
    person = access.get_person(actor, user_id) if user_id is not None else actor.user
    if not (name or "").strip():
        raise InvalidInput({"name": "must not be empty"})
    allowed = access.token_scopes_allowed(person.membership.role)
    if any(scope not in allowed for scope in scopes or []):
        raise InvalidInput({"scopes": "may name only " + ", ".join(allowed)})
    record, secret = accounts.token_create(
        email=person.email,
        name=name,
        scopes=scopes,
        expires_at=expires_at,
        allowed_networks=allowed_networks,
        created_by=actor.user,
    )
    audit(
        AuditKind.TOKEN_CREATED,
        actor=actor,
        subject=person,
        token=record.pk,
        prefix=record.prefix,
        scopes=record.scopes,
    )
    tell_factor_change(person, Change.TOKEN_CREATED, address=address, by=actor.user, token=record)
    return record, secret


@transaction.atomic
def api_token_revoke(*, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's tokens or of a person they administer (404 otherwise).
    Revoking a revoked token changes nothing."""
    record = access.get_token(actor, token_id)
    if record.revoked_at is None:
        record = accounts.token_revoke(token_id=record.pk)
        audit(
            AuditKind.TOKEN_REVOKED,
            actor=actor,
            subject=record.user,
            token=record.pk,
            prefix=record.prefix,
        )
    return record


logger = logging.getLogger(__name__)
EXPIRY_BATCH = 500


def tokens_expiry_remind(*, now: datetime | None = None, batch: int = EXPIRY_BATCH) -> list[int]:
    """Mail the person of every live token that expires within
    TIERDESK_TOKEN_EXPIRY_NOTICE_DAYS (0: never) how to renew it, once per token: the
    token is claimed by a conditional UPDATE of `expiry_notice_at` in the mail's own
    transaction, so concurrent runs and reruns write one mail. Returns the token ids told."""
    now = now or clock.now()
    days = settings.TIERDESK_TOKEN_EXPIRY_NOTICE_DAYS
    if days <= 0:
        return []
    due = ApiToken.objects.filter(
        revoked_at__isnull=True,
        expiry_notice_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + timedelta(days=days),
        user__is_active=True,
    ).order_by("expires_at", "pk")
    told = []
    for token_id in list(due.values_list("pk", flat=True)[:batch]):
        try:
            with transaction.atomic():
                claimed = ApiToken.objects.filter(
                    pk=token_id, expiry_notice_at__isnull=True
                ).update(expiry_notice_at=now)
                if not claimed:
                    continue
                token = ApiToken.objects.select_related("user").get(pk=token_id)
                tell_token_expiring(token, now=now)
        except Exception:
            # Rolled back, claim and all: the next run tries again; the others go on.
            logger.exception("expiry notice of API token %s failed", token_id)
            continue
        told.append(token_id)
    return told
