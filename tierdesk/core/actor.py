"""Who is acting: a person with one role in one organisation, or the system itself.

Built once per request (or per job) and passed to every service and access function.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tierdesk.accounts.models import LEVEL_OF_ROLE, Membership, OrgKind, Role, User
from tierdesk.core.errors import Forbidden

SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Actor:
    user: User | None
    role: str
    org_id: int | None
    org_kind: str | None
    contract_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.user else None

    @property
    def level(self) -> int | None:
        """The support level this actor works at (1, 2, 3), or None."""
        return LEVEL_OF_ROLE.get(self.role)

    @property
    def is_system(self) -> bool:
        return self.role == SYSTEM_ROLE

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_vendor(self) -> bool:
        return self.org_kind == OrgKind.VENDOR

    @property
    def is_partner_staff(self) -> bool:
        """L1 agents and partner admins: they work their own organisation's customers."""
        return self.role in (Role.L1_AGENT, Role.PARTNER_ADMIN)

    @property
    def sees_all_partners(self) -> bool:
        return self.is_system or self.role in (Role.L2_AGENT, Role.SUPPORT_LEAD, Role.ADMIN)

    @property
    def is_lead(self) -> bool:
        return self.role == Role.SUPPORT_LEAD

    def __str__(self) -> str:
        return "system" if self.is_system else f"{self.user} ({self.role})"


SYSTEM = Actor(user=None, role=SYSTEM_ROLE, org_id=None, org_kind=OrgKind.VENDOR)


def actor_for(user: User) -> Actor:
    """The actor of a signed-in person. Raises Forbidden for a person without a
    membership or an inactive account (they may not act at all)."""
    if user is None or not user.is_authenticated or not user.is_active:
        raise Forbidden("Sign in first.", code="not_authenticated")
    membership = Membership.objects.select_related("organisation").filter(user=user).first()
    if membership is None:
        raise Forbidden("This account has no role in any organisation.", code="no_role")
    contract_ids: frozenset[int] = frozenset()
    if membership.role == Role.CUSTOMER:
        contract_ids = frozenset(membership.contracts.values_list("pk", flat=True))
    return Actor(
        user=user,
        role=membership.role,
        org_id=membership.organisation_id,
        org_kind=membership.organisation.kind,
        contract_ids=contract_ids,
    )
