"""Who sees which connector: a partner admin their own partner's, the vendor's admin
every one. Nobody else; another partner's connector is 404, like a missing one."""

from __future__ import annotations

from django.db.models import QuerySet

from tierdesk.accounts.models import Role
from tierdesk.connectors.models import Connector
from tierdesk.core.actor import Actor
from tierdesk.core.errors import NotFound


def manages_connectors(actor: Actor | None) -> bool:
    return actor is not None and (
        (actor.role == Role.ADMIN and actor.is_vendor) or actor.role == Role.PARTNER_ADMIN
    )


def visible_connectors(actor: Actor) -> QuerySet[Connector]:
    if actor.role == Role.ADMIN and actor.is_vendor:
        return Connector.objects.all()
    if actor.role == Role.PARTNER_ADMIN and actor.org_id is not None:
        return Connector.objects.filter(partner_id=actor.org_id)
    return Connector.objects.none()


def get_connector(actor: Actor, connector_id: int, *, for_update: bool = False) -> Connector:
    rows = visible_connectors(actor)
    if for_update:
        rows = rows.select_for_update()
    connector = rows.filter(pk=connector_id).first()
    if connector is None:
        raise NotFound("Connector not found.")
    return connector
