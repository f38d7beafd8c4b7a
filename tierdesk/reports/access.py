"""Who sees which figures: every report, drill-down list and export starts here.

| role | sees |
|---|---|
| support_lead, admin, l2_agent | every partner (optionally narrowed to one) |
| partner_admin | their own partner only; asking for another partner is "not found" |
| l1_agent, l3_engineer, customer | no reports (their own work is in their queues) |

The figures are computed over `tickets.access.visible_tickets(actor)` narrowed to the
partner, so a report can never count a ticket its reader could not open.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from tierdesk.accounts.models import Organisation, OrgKind, Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, NotFound
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.models import Ticket

ALL_PARTNER_ROLES = frozenset({Role.SUPPORT_LEAD, Role.ADMIN, Role.L2_AGENT})
OWN_PARTNER_ROLES = frozenset({Role.PARTNER_ADMIN})


@dataclass(frozen=True)
class Scope:
    """The tickets a report counts: the reader's visible tickets, of one partner or all."""

    actor: Actor
    partner_id: int | None

    @property
    def all_partners(self) -> bool:
        return self.partner_id is None

    def tickets(self) -> QuerySet[Ticket]:
        tickets = visible_tickets(self.actor)
        if self.partner_id is not None:
            tickets = tickets.filter(partner_id=self.partner_id)
        return tickets


def partner_choices(actor: Actor) -> list[tuple[int, str]]:
    """The partners this actor may pick (none for a partner admin: theirs is implied)."""
    if actor.role not in ALL_PARTNER_ROLES:
        return []
    partners = Organisation.objects.filter(kind=OrgKind.PARTNER).order_by("name")
    return list(partners.values_list("pk", "name"))


def may_see_reports(actor: Actor | None) -> bool:
    return actor is not None and actor.role in ALL_PARTNER_ROLES | OWN_PARTNER_ROLES


def report_scope(actor: Actor, partner_id: int | None = None) -> Scope:
    """The scope this actor may read. Raises Forbidden for roles without reports and
    NotFound when a partner admin names another partner (one answer for "not yours")."""
    if not may_see_reports(actor):
        raise Forbidden("Reports are for support leads, admins, L2 and partner admins.")
    if actor.role in OWN_PARTNER_ROLES:
        if partner_id is not None and partner_id != actor.org_id:
            raise NotFound("No such partner.")
        return Scope(actor=actor, partner_id=actor.org_id)
    return Scope(actor=actor, partner_id=partner_id)
