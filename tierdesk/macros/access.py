"""Who uses and who manages which macro — the one place the macros app decides it.

| actor | uses | manages |
|---|---|---|
| vendor staff | the vendor's macros, their own | the vendor's macros, their own |
| partner admin | their partner's macros, their own | their partner's macros, their own |
| L1 agent of a partner | their partner's macros, their own | their own |
| customer, system | none | none |

A personal macro is its owner's alone; one organisation's macros never reach another's
people. `get_macro` answers NotFound for "missing" and "not yours" alike. Applying a macro
also fetches the ticket through `tickets.access`, so a macro never reveals a ticket.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tierdesk.accounts.models import Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import NotFound
from tierdesk.macros.models import Macro, Scope


def is_staff(actor: Actor) -> bool:
    return actor.user_id is not None and actor.org_id is not None and not actor.is_customer


def visible_macros(actor: Actor) -> QuerySet[Macro]:
    if not is_staff(actor):
        return Macro.objects.none()
    own = Q(owner_id=actor.user_id)
    organisation = Q(owner__isnull=True, organisation_id=actor.org_id)
    return Macro.objects.filter(own | organisation).select_related("owner")


def get_macro(actor: Actor, macro_id: int, *, for_update: bool = False) -> Macro:
    rows = visible_macros(actor)
    if for_update:
        rows = rows.select_for_update(of=("self",))
    try:
        return rows.get(pk=macro_id)
    except (Macro.DoesNotExist, ValueError, TypeError):
        raise NotFound("Macro not found.") from None


def manages_organisation_macros(actor: Actor) -> bool:
    """Vendor staff manage the vendor's macros; a partner admin their partner's."""
    if not is_staff(actor):
        return False
    return actor.is_vendor or actor.role == Role.PARTNER_ADMIN


def may_manage(actor: Actor, macro: Macro | None = None, *, scope: str = "") -> bool:
    """Whether the actor may write `macro` (or create one of `scope`)."""
    if not is_staff(actor):
        return False
    scope = macro.scope if macro is not None else scope
    if scope == Scope.PERSONAL:
        return macro is None or macro.owner_id == actor.user_id
    if scope == Scope.ORGANISATION:
        same_org = macro is None or macro.organisation_id == actor.org_id
        return same_org and manages_organisation_macros(actor)
    return False
