"""Reads with meaning for the console's administration pages."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from tierdesk.accounts.models import Membership, Organisation, OrgKind
from tierdesk.core.actor import Actor
from tierdesk.directory.models import Contract
from tierdesk.identity.services.partners import require_partner_manager
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.models import OPEN_STATUSES


def _count(queryset, field: str) -> Coalesce:
    counted = (
        queryset.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def partners_overview(actor: Actor) -> list[Organisation]:
    """Every partner with `people_count`, `contract_count` and `open_ticket_count`: two queries,
    however many partners there are."""
    require_partner_manager(actor)
    partners = list(
        Organisation.objects.filter(kind=OrgKind.PARTNER)
        .annotate(
            people_count=_count(Membership.objects.filter(user__is_active=True), "organisation"),
            contract_count=_count(Contract.objects.all(), "partner"),
        )
        .order_by("name")
    )
    open_by_partner = dict(
        visible_tickets(actor)
        .filter(status__in=OPEN_STATUSES)
        .order_by()
        .values_list("partner_id")
        .annotate(n=Count("pk"))
    )
    for org in partners:
        org.open_ticket_count = open_by_partner.get(org.pk, 0)
    return partners
