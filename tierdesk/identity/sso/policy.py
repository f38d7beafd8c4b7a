"""Who signs in where: the organisation an email address routes to, and whether a
password sign-in is refused for it. Reads only."""

from __future__ import annotations

from tierdesk.accounts.models import Membership
from tierdesk.identity.models import SsoConfig, SsoDomain

# One answer for every password refused by the switch, whether the password was right,
# wrong, or the account exists at all.
PASSWORDS_OFF_MESSAGE = (
    "Your organisation signs in through its identity provider: use “Continue with single sign-on”."
)


def email_domain(email: str) -> str:
    return (email or "").strip().lower().rpartition("@")[2]


def config_for_email(email: str) -> SsoConfig | None:
    """The enabled configuration whose domains hold this address (one at most: a domain
    belongs to one organisation)."""
    domain = email_domain(email)
    if not domain:
        return None
    row = (
        SsoDomain.objects.select_related("config__organisation")
        .filter(domain=domain, config__enabled=True)
        .first()
    )
    return row.config if row else None


def passwords_refused(email: str) -> bool:
    """Whether a password sign-in for this address is refused: its domain routes to an
    organisation that switched passwords off, or its person belongs to one."""
    email = (email or "").strip().lower()
    if not email:
        return False
    routed = config_for_email(email)
    if routed is not None and not routed.passwords_enabled:
        return True
    return Membership.objects.filter(
        user__email__iexact=email,
        organisation__sso__enabled=True,
        organisation__sso__passwords_enabled=False,
    ).exists()
