"""What the rota page shows: the people an actor manages, with their availability and
open tickets, and the queue rules an actor may set."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from tierdesk.accounts.models import Organisation, OrgKind, Role, User
from tierdesk.core.actor import Actor
from tierdesk.rota.models import QueueRule
from tierdesk.tickets.models import OPEN_STATUSES

VENDOR_LEVEL_ROLES = (Role.L2_AGENT, Role.SUPPORT_LEAD, Role.L3_ENGINEER)
L1_ROLES = (Role.L1_AGENT, Role.PARTNER_ADMIN)


def team(actor: Actor) -> QuerySet[User]:
    """The people whose availability `actor` manages (besides themselves), with
    `open_tickets` counted: one query."""
    people = User.objects.filter(is_active=True)
    if actor.is_lead:
        scope = Q(membership__role__in=VENDOR_LEVEL_ROLES) | Q(
            membership__role__in=L1_ROLES, membership__organisation_id=actor.org_id
        )
    elif actor.role == Role.PARTNER_ADMIN:
        scope = Q(membership__role__in=L1_ROLES, membership__organisation_id=actor.org_id)
    else:
        scope = Q(pk=actor.user_id)
    open_count = Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES))
    return (
        people.filter(scope)
        .select_related("membership", "availability")
        .annotate(open_tickets=open_count)
        .order_by("membership__role", "full_name", "email")
    )


@dataclass(frozen=True)
class RuleRow:
    level: int
    organisation: Organisation | None
    rule: QueueRule | None

    @property
    def auto_assign(self) -> bool:
        return bool(self.rule and self.rule.auto_assign)

    @property
    def cap(self) -> int:
        return self.rule.cap if self.rule else QueueRule._meta.get_field("cap").default


def rules(actor: Actor) -> list[RuleRow]:
    """The queue rules `actor` may set: a lead L2, L3 and the vendor's own L1; a partner
    admin their partner's L1."""
    if actor.is_lead:
        places: list[tuple[int, Organisation | None]] = [(2, None), (3, None)]
        vendor = Organisation.objects.filter(kind=OrgKind.VENDOR, pk=actor.org_id).first()
        if vendor is not None:
            places.insert(0, (1, vendor))
    elif actor.role == Role.PARTNER_ADMIN:
        places = [(1, Organisation.objects.get(pk=actor.org_id))]
    else:
        return []
    existing = {
        (r.level, r.organisation_id): r
        for r in QueueRule.objects.filter(level__in={lvl for lvl, _ in places})
    }
    return [
        RuleRow(level, org, existing.get((level, org.pk if org else None))) for level, org in places
    ]
