"""API tokens made and revoked by people (the console and `/api/v1/tokens`)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from tierdesk.accounts import services as accounts
from tierdesk.accounts.models import ApiToken
from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput
from tierdesk.identity import access
from tierdesk.identity.audit import audit
from tierdesk.identity.models import AuditKind


@transaction.atomic
def api_token_create(
    *,
    actor: Actor,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    allowed_networks: list[str] | None = None,
    user_id: int | None = None,
) -> tuple[ApiToken, str]:
    """A token for the actor, or (for an administrator) for a person they administer.
    Returns the record and the secret, shown this once. The admin scope only for people
    who administer; a name is required."""
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
