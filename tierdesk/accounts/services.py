"""Writes for organisations, people and API tokens."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import secrets
from datetime import datetime

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from tierdesk.accounts import throttle
from tierdesk.accounts.models import (
    PARTNER_ROLES,
    ApiToken,
    Membership,
    Organisation,
    OrgKind,
    Role,
    TokenScope,
    User,
)
from tierdesk.core import clock
from tierdesk.core.errors import Conflict, InvalidInput, NotFound
from tierdesk.directory.models import Contract

TOKEN_PREFIX = "td_"
# A name is one line: it may end up in a mail (no C0/C1 controls, no line separators).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@transaction.atomic
def organisation_create(
    *,
    name: str,
    kind: str,
    display_name: str = "",
    sender_email: str = "",
    sender_name: str = "",
    primary_colour: str = "",
    accent_colour: str = "",
    logo: str = "",
    ticket_tag: str = "",
) -> Organisation:
    """Add the vendor or a partner with its brand. There is exactly one vendor."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput({"name": "must not be empty"})
    if kind not in OrgKind.values:
        raise InvalidInput({"kind": "must be vendor or partner"})
    names = {"name": name, "display_name": display_name, "sender_name": sender_name}
    broken = [field for field, value in names.items() if CONTROL.search(value or "")]
    if broken:
        raise InvalidInput({f: "must be one line, without control characters" for f in broken})
    if Organisation.objects.filter(name__iexact=name).exists():
        raise Conflict(f"An organisation named {name!r} exists already.", code="exists")
    if kind == OrgKind.VENDOR and Organisation.objects.filter(kind=OrgKind.VENDOR).exists():
        raise Conflict("There is a vendor organisation already.", code="exists")
    org = Organisation(
        name=name,
        kind=kind,
        display_name=display_name,
        sender_email=sender_email,
        sender_name=sender_name,
        logo=logo,
        ticket_tag=ticket_tag,
    )
    if logo and not (logo.lstrip().startswith("<svg") or logo.startswith("data:image/")):
        raise InvalidInput({"logo": "must be an inline SVG document or a data:image/ URL"})
    if primary_colour:
        org.primary_colour = primary_colour
    if accent_colour:
        org.accent_colour = accent_colour
    try:
        org.full_clean()
    except ValidationError as exc:
        raise InvalidInput({k: " ".join(v) for k, v in exc.message_dict.items()}) from None
    org.save()
    return org


def _organisation(name: str) -> Organisation:
    try:
        return Organisation.objects.get(name__iexact=(name or "").strip())
    except Organisation.DoesNotExist:
        raise NotFound(f"No organisation named {name!r}.") from None


@transaction.atomic
def user_create(
    *,
    email: str,
    organisation: str | Organisation,
    role: str,
    password: str | None = None,
    full_name: str = "",
    contract_ids: list[str] | None = None,
    time_zone: str = "Europe/Berlin",
    check_password: bool = True,
) -> User:
    """Add a person with one role in one organisation. Partners hold only customers, L1
    agents and partner admins; the vendor holds every role. A customer may be tied to
    contracts of their own organisation (by platform ID)."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput({"email": "is not an email address"}) from None
    full_name = (full_name or "").strip()
    if CONTROL.search(full_name):
        raise InvalidInput({"full_name": "must be one line, without control characters"})
    org = organisation if isinstance(organisation, Organisation) else _organisation(organisation)
    if role not in Role.values:
        raise InvalidInput({"role": "must be one of " + ", ".join(Role.values)})
    if org.kind == OrgKind.PARTNER and role not in PARTNER_ROLES:
        raise InvalidInput({"role": f"a partner cannot hold the role {role}"})
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(f"A person with {email} exists already.", code="exists")
    contracts: list[Contract] = []
    if contract_ids:
        if role != Role.CUSTOMER:
            raise InvalidInput({"contract": "only customers are tied to contracts"})
        contracts = list(Contract.objects.filter(platform_id__in=contract_ids, partner=org))
        if len(contracts) != len(set(contract_ids)):
            raise InvalidInput({"contract": f"must name contracts of {org.name}"})
    if password and check_password:
        try:
            # The person-to-be: a password built from their address or name is refused.
            validate_password(password, User(email=email, full_name=full_name))
        except ValidationError as exc:
            raise InvalidInput({"password": " ".join(exc.messages)}) from None
    user = User.objects.create_user(
        email,
        password,
        full_name=full_name,
        time_zone=time_zone,
        is_staff=role == Role.ADMIN,
        is_superuser=role == Role.ADMIN,
    )
    membership = Membership.objects.create(user=user, organisation=org, role=role)
    if contracts:
        membership.contracts.set(contracts)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_networks_check(networks: list[str] | None) -> list[str]:
    """Normalised CIDR networks (`10.0.0.0/8`, `2001:db8::/32`; a bare address is one
    host), or InvalidInput naming `allowed_networks`."""
    out = []
    for value in networks or []:
        try:
            out.append(str(ipaddress.ip_network(str(value).strip(), strict=False)))
        except ValueError:
            raise InvalidInput({"allowed_networks": f"{value!r} is not a network"}) from None
    return out


@transaction.atomic
def token_create(
    *,
    email: str,
    name: str = "",
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
    allowed_networks: list[str] | None = None,
    created_by: User | None = None,
) -> tuple[ApiToken, str]:
    """A new API token for a person. Returns the record and the token itself, which is
    never stored and cannot be shown again. Without `scopes` it may read, write and
    administer (what its person may); `expires_at` must lie ahead."""
    user = User.objects.filter(email__iexact=(email or "").strip()).first()
    if user is None or not hasattr(user, "membership"):
        raise NotFound(f"No person with a role has the address {email!r}.")
    scopes = list(dict.fromkeys(scopes)) if scopes is not None else list(TokenScope.values)
    problems = {}
    if not scopes or any(s not in TokenScope.values for s in scopes):
        problems["scopes"] = "must name one or more of " + ", ".join(TokenScope.values)
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= clock.now()):
        problems["expires_at"] = "must be an aware time in the future"
    if CONTROL.search(name or "") or len(name or "") > 100:
        problems["name"] = "must be one line of at most 100 characters"
    if problems:
        raise InvalidInput(problems)
    networks = token_networks_check(allowed_networks)
    secret = secrets.token_urlsafe(32)
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secret}"
    record = ApiToken.objects.create(
        user=user,
        name=(name or "").strip(),
        prefix=prefix,
        digest=_digest(token),
        scopes=scopes,
        expires_at=expires_at,
        allowed_networks=networks,
        created_by=created_by,
    )
    return record, token


def token_revoke(*, token_id: int) -> ApiToken:
    record = ApiToken.objects.filter(pk=token_id).first()
    if record is None:
        raise NotFound("No such token.")
    if record.revoked_at is None:
        record.revoked_at = clock.now()
        record.save(update_fields=["revoked_at", "updated_at"])
    return record


def _address_allowed(record: ApiToken, address: str | None) -> bool:
    if not record.allowed_networks:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(n, strict=False) for n in record.allowed_networks)


def token_lookup(token: str, *, address: str | None = None) -> ApiToken | None:
    """The active token record (with its person) behind a bearer token, or None: unknown,
    revoked, expired, its person deactivated, or used from outside its allowed networks.
    Records when and from where it was last used (at most once a minute, so a busy
    integration does not write on every call).

    With the client `address`, failures are counted per address and, past the limit,
    every token from it is refused with `Throttled` (429, Retry-After) before it is
    looked up (accounts/throttle.py)."""
    if address is not None:
        throttle.token_address_check(address)
    now = clock.now()
    record = None
    if token and token.startswith(TOKEN_PREFIX):
        record = (
            ApiToken.objects.select_related("user")
            .filter(digest=_digest(token), revoked_at__isnull=True, user__is_active=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .first()
        )
    if record is not None and not _address_allowed(record, address):
        record = None
    if record is None:
        if address is not None:
            throttle.token_failure_record(address=address)
        return None
    if record.last_used_at is None or (now - record.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=record.pk).update(
            last_used_at=now, last_used_address=(address or "")[:64]
        )
    return record


def token_authenticate(token: str, *, address: str | None = None) -> User | None:
    """The active person behind a token, or None (see `token_lookup`)."""
    record = token_lookup(token, address=address)
    return record.user if record is not None else None


def user_preferences_update(*, user: User, time_zone: str, language: str) -> User:
    """A person's own display settings: the time zone times are shown in and the language
    of the pages (one of settings.LANGUAGES)."""
    import zoneinfo

    from django.conf import settings

    errors = {}
    if time_zone not in zoneinfo.available_timezones():
        errors["time_zone"] = "is not a time zone"
    if language not in {code for code, _name in settings.LANGUAGES}:
        errors["language"] = "is not a language Tierdesk speaks"
    if errors:
        raise InvalidInput(errors)
    user.time_zone, user.language = time_zone, language
    user.save(update_fields=["time_zone", "language"])
    return user
