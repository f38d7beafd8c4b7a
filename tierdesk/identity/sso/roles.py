"""From an ID token's role claim to one role, never beyond what the organisation may
grant through single sign-on. Pure: no database, no clock."""

from __future__ import annotations

from collections.abc import Iterable

from tierdesk.accounts.models import PARTNER_ROLES, OrgKind, Role

# When the claim names several roles, the first of these wins.
PRECEDENCE = [
    Role.ADMIN,
    Role.SUPPORT_LEAD,
    Role.L2_AGENT,
    Role.L3_ENGINEER,
    Role.PARTNER_ADMIN,
    Role.L1_AGENT,
    Role.CUSTOMER,
]


class RoleRefused(Exception):
    """No role may be given: `code` is `role_beyond` (the claim names a role beyond the
    organisation's) or `no_role` (nothing maps and there is no default role)."""

    def __init__(self, code: str, message: str, values: list[str]):
        super().__init__(message)
        self.code, self.message, self.values = code, message, values


def grantable_roles(org_kind: str) -> list[str]:
    """The roles an organisation of this kind may hold at all."""
    if org_kind == OrgKind.PARTNER:
        return [r for r in PRECEDENCE[::-1] if r in PARTNER_ROLES]
    return [str(r) for r in PRECEDENCE[::-1]]


def default_allowed_roles(org_kind: str) -> list[str]:
    """What a new configuration lets single sign-on give: every role of the kind but the
    administering ones (an admin turns those on deliberately)."""
    return [r for r in grantable_roles(org_kind) if r not in (Role.ADMIN, Role.PARTNER_ADMIN)]


def claim_values(raw: object) -> list[str]:
    """A claim as a list of strings: a string (space- or comma-separated), or a list."""
    if raw is None:
        return []
    if isinstance(raw, str):
        return [v for v in raw.replace(",", " ").split() if v]
    if isinstance(raw, Iterable) and not isinstance(raw, (bytes, dict)):
        return [str(v) for v in raw if isinstance(v, (str, int)) and str(v)]
    return []


def role_from_claim(
    raw: object,
    *,
    role_map: dict[str, str],
    allowed_roles: Iterable[str],
    org_kind: str,
    default_role: str = "",
    org_name: str = "this organisation",
) -> str:
    """The role the claim gives. A value maps through `role_map`, or names a role itself;
    values that do neither are ignored. Any mapped role beyond `allowed_roles` (and the
    organisation's kind) refuses the sign-in outright rather than giving a lesser role."""
    allowed = set(allowed_roles) & set(grantable_roles(org_kind))
    values = claim_values(raw)
    roles = []
    for value in values:
        role = role_map.get(value) or (value if value in Role.values else None)
        if role is None:
            continue
        if role not in allowed:
            raise RoleRefused(
                "role_beyond",
                f"The identity provider gives the role “{role}”, which {org_name} may not "
                "grant through single sign-on. Ask your administrator.",
                values,
            )
        roles.append(role)
    if roles:
        return min(roles, key=PRECEDENCE.index)
    if default_role and default_role in allowed:
        return default_role
    raise RoleRefused(
        "no_role",
        f"The identity provider gives no role that {org_name} maps to one of its roles. "
        "Ask your administrator.",
        values,
    )
