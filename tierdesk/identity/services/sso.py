"""Single sign-on's writes: an organisation's configuration (an admin of the vendor, or a
partner admin for their own organisation), and the person a validated ID token signs in
— matched by verified email within the organisation, or created there just in time with
the role its claim maps to. Every change, sign-in and refusal is an audit entry; the
client secret never reaches one."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from tierdesk.accounts import services as accounts
from tierdesk.accounts.models import Role, User
from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput
from tierdesk.identity.audit import audit
from tierdesk.identity.models import AuditKind, SsoConfig, SsoDomain
from tierdesk.identity.services.people import _organisation_for
from tierdesk.identity.sso.client import SsoFailed
from tierdesk.identity.sso.roles import RoleRefused, grantable_roles, role_from_claim

DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$")
# /login/<slug>/ must not shadow the sign-in's own addresses.
RESERVED_SLUGS = frozenset({"sso", "verify", "start", "callback", "admin"})
LOOPBACK = re.compile(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)")


def _check_issuer(issuer: str) -> str:
    issuer = (issuer or "").strip()
    if not (issuer.startswith("https://") or LOOPBACK.match(issuer)):
        raise InvalidInput({"issuer": "must be an https:// URL (http only on this machine)"})
    if "?" in issuer or "#" in issuer or len(issuer) > 300:
        raise InvalidInput({"issuer": "must be an issuer URL without query or fragment"})
    return issuer


def _check_domains(config_pk: int | None, domains: list[str]) -> list[str]:
    clean = sorted({d.strip().lower().lstrip("@") for d in domains if d and d.strip()})
    for domain in clean:
        if not DOMAIN.match(domain):
            raise InvalidInput({"domains": f"{domain} is not a domain name"})
    taken = SsoDomain.objects.filter(domain__in=clean).exclude(config_id=config_pk)
    if taken.exists():
        raise InvalidInput(
            {"domains": f"{taken.first().domain} signs in through another organisation"}
        )
    return clean


def _check_roles(
    kind: str, allowed_roles: list[str], role_map: dict[str, str], default_role: str
) -> None:
    grantable = grantable_roles(kind)
    beyond = [r for r in allowed_roles if r not in grantable]
    if beyond:
        raise InvalidInput({"allowed_roles": f"this organisation cannot grant {', '.join(beyond)}"})
    for value, role in role_map.items():
        if not str(value).strip():
            raise InvalidInput({"role_map": "a claim value is empty"})
        if role not in allowed_roles:
            raise InvalidInput(
                {"role_map": f"“{value}” maps to {role}, which is not an allowed role"}
            )
    if default_role and default_role not in allowed_roles:
        raise InvalidInput({"default_role": "must be one of the allowed roles, or empty"})


@transaction.atomic
def sso_config_save(
    *,
    actor: Actor,
    organisation_id: int | None = None,
    enabled: bool,
    slug: str,
    issuer: str,
    client_id: str,
    client_secret: str | None = None,
    domains: list[str],
    allowed_roles: list[str],
    role_claim: str = "roles",
    role_map: dict[str, str] | None = None,
    default_role: str = "",
    passwords_enabled: bool = True,
) -> SsoConfig:
    """Create or change an organisation's single sign-on (the actor's own; the vendor's
    admin any). `client_secret` None or empty keeps the stored one. Refusals are
    InvalidInput naming the field; a partner admin naming another organisation gets 404."""
    org = _organisation_for(actor, organisation_id)
    config = SsoConfig.objects.select_for_update().filter(organisation=org).first()
    slug = (slug or "").strip().lower()
    if not SLUG.match(slug) or slug in RESERVED_SLUGS:
        raise InvalidInput({"slug": "must be lower-case letters, digits and dashes"})
    if SsoConfig.objects.filter(slug=slug).exclude(organisation=org).exists():
        raise InvalidInput({"slug": "is the sign-in address of another organisation"})
    issuer = _check_issuer(issuer)
    client_id = (client_id or "").strip()
    if not client_id:
        raise InvalidInput({"client_id": "is required"})
    role_claim = (role_claim or "").strip()
    if not role_claim or len(role_claim) > 100:
        raise InvalidInput({"role_claim": "must name the claim (up to 100 characters)"})
    role_map = {str(k).strip(): str(v) for k, v in (role_map or {}).items()}
    allowed_roles = [r for r in Role.values if r in set(allowed_roles)]
    _check_roles(org.kind, allowed_roles, role_map, default_role)
    clean_domains = _check_domains(config.pk if config else None, domains)
    if enabled and not clean_domains:
        raise InvalidInput({"domains": "name at least one email domain the provider vouches for"})
    if not passwords_enabled and not enabled:
        raise InvalidInput(
            {"passwords_enabled": "passwords can be switched off only with single sign-on on"}
        )
    values: dict[str, Any] = {
        "enabled": enabled,
        "slug": slug,
        "issuer": issuer,
        "client_id": client_id,
        "allowed_roles": allowed_roles,
        "role_claim": role_claim,
        "role_map": role_map,
        "default_role": default_role,
        "passwords_enabled": passwords_enabled,
    }
    if config is None:
        config = SsoConfig(organisation=org)
        changed = sorted(values)
    else:
        changed = sorted(k for k, v in values.items() if getattr(config, k) != v)
    for name, value in values.items():
        setattr(config, name, value)
    if client_secret:
        config.client_secret = client_secret
        changed.append("client_secret")
    config.updated_at, config.updated_by = clock.now(), actor.user
    config.save()
    old = sorted(config.domains.values_list("domain", flat=True))
    if old != clean_domains:
        config.domains.exclude(domain__in=clean_domains).delete()
        SsoDomain.objects.bulk_create(
            [SsoDomain(config=config, domain=d) for d in clean_domains if d not in old]
        )
        changed.append("domains")
    audit(
        AuditKind.SSO_CONFIGURED,
        actor=actor,
        subject=None,
        organisation=org.pk,
        changed=changed,  # names only: never the secret
        enabled=enabled,
        passwords_enabled=passwords_enabled,
    )
    return config


def sso_refusal_record(*, config: SsoConfig | None, code: str, email: str = "", **detail) -> None:
    """The audit entry of a refused single sign-on (its own write, kept although the
    sign-in fails)."""
    audit(
        AuditKind.SSO_REFUSED,
        actor=None,
        subject=User.objects.filter(email__iexact=email).first() if email else None,
        organisation=config.organisation_id if config else None,
        reason=code,
        email=email,
        **detail,
    )


def _refuse(config: SsoConfig, code: str, message: str, email: str = "", **detail) -> None:
    sso_refusal_record(config=config, code=code, email=email, **detail)
    raise SsoFailed(code, message, audited=True)


def _full_name(claims: dict[str, Any]) -> str:
    name = claims.get("name") or " ".join(
        str(claims.get(k) or "") for k in ("given_name", "family_name")
    )
    return accounts.CONTROL.sub(" ", str(name or "")).strip()[:150]


def _verified(claims: dict[str, Any]) -> bool:
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def sso_sign_in(*, config: SsoConfig, claims: dict[str, Any]) -> User:
    """The person validated claims sign in as. Refused (SsoFailed, audited) when the
    address is unverified or outside the organisation's domains, belongs to a person of
    another organisation or a deactivated one, or the role claim names a role beyond
    the organisation's. A known person's role follows the claim; a new one is created."""
    org = config.organisation
    email = str(claims.get("email") or "").strip().lower()
    if not email or not _verified(claims):
        _refuse(
            config,
            "email_unverified",
            "The identity provider did not vouch for your email address (email_verified).",
            email,
        )
    domain = email.rpartition("@")[2]
    if not config.domains.filter(domain=domain).exists():
        _refuse(
            config,
            "email_domain",
            f"{org.brand_name} does not sign in people of {domain} through this identity provider.",
            email,
        )
    try:
        role = role_from_claim(
            claims.get(config.role_claim),
            role_map=config.role_map or {},
            allowed_roles=config.allowed_roles or [],
            org_kind=org.kind,
            default_role=config.default_role,
            org_name=org.brand_name,
        )
    except RoleRefused as refused:
        _refuse(config, refused.code, refused.message, email, claim=refused.values[:10])
    person = User.objects.select_related("membership").filter(email__iexact=email).first()
    membership = getattr(person, "membership", None) if person else None
    if person is not None and (membership is None or membership.organisation_id != org.pk):
        _refuse(
            config,
            "other_organisation",
            "This address belongs to an account of another organisation: sign in there.",
            email,
        )
    if person is not None and not person.is_active:
        _refuse(config, "inactive", "This account is deactivated.", email)
    with transaction.atomic():
        if person is None:
            person = accounts.user_create(
                email=email, organisation=org, role=role, full_name=_full_name(claims)
            )
            audit(
                AuditKind.SSO_PROVISIONED,
                actor=None,
                subject=person,
                role=role,
                organisation=org.pk,
            )
        elif membership.role != role:
            before = membership.role
            membership.role = role
            membership.save(update_fields=["role", "updated_at"])
            if role != Role.CUSTOMER:
                membership.contracts.clear()
            person.is_staff = person.is_superuser = role == Role.ADMIN
            person.save(update_fields=["is_staff", "is_superuser"])
            audit(
                AuditKind.PERSON_UPDATED,
                actor=None,
                subject=person,
                role=role,
                previous_role=before,
                via="sso",
            )
        audit(AuditKind.SSO_SIGNED_IN, actor=person, subject=person, organisation=org.pk, role=role)
    return person
