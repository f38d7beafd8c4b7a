"""Partners, managed by the vendor's admin: create one (through the accounts service),
change its name and brand basics. An organisation has no active flag: a partner is not
deactivated; its people are (`people.person_deactivate`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from tierdesk.accounts import services as accounts
from tierdesk.accounts.models import Organisation, OrgKind, hex_colour
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tierdesk.identity import access
from tierdesk.identity.audit import audit
from tierdesk.identity.models import AuditKind


def may_manage_partners(actor: Actor) -> bool:
    """Only the vendor's admins manage partners."""
    return access.may_administer(actor) and actor.is_vendor


def require_partner_manager(actor: Actor) -> None:
    if not may_manage_partners(actor):
        raise Forbidden("Only the vendor's admin manages partners.")


def get_partner(actor: Actor, partner_id: int) -> Organisation:
    require_partner_manager(actor)
    org = Organisation.objects.filter(pk=partner_id, kind=OrgKind.PARTNER).first()
    if org is None:
        raise NotFound("No such partner.")
    return org


@transaction.atomic
def partner_create(
    *,
    actor: Actor,
    name: str,
    display_name: str = "",
    sender_name: str = "",
    primary_colour: str = "",
    accent_colour: str = "",
    ticket_tag: str = "",
) -> Organisation:
    """A new partner with its brand basics; its first partner admin is then invited
    (`people.person_invite` with its `organisation_id`)."""
    require_partner_manager(actor)
    org = accounts.organisation_create(
        name=name,
        kind=OrgKind.PARTNER,
        display_name=(display_name or "").strip(),
        sender_name=(sender_name or "").strip(),
        primary_colour=primary_colour,
        accent_colour=accent_colour,
        ticket_tag=(ticket_tag or "").strip(),
    )
    audit(AuditKind.BRAND_UPDATED, actor=actor, subject=None, organisation=org.pk, created=True)
    return org


@transaction.atomic
def partner_update(
    *,
    actor: Actor,
    partner_id: int,
    name: str,
    display_name: str = "",
    sender_name: str = "",
    primary_colour: str,
    accent_colour: str,
    ticket_tag: str = "",
) -> Organisation:
    """Rename a partner and change its brand basics (the logo and sender address stay
    with the partner's own admin: the brand page)."""
    org = get_partner(actor, partner_id)
    org = Organisation.objects.select_for_update().get(pk=org.pk)
    name = (name or "").strip()
    problems: dict[str, str] = {}
    texts = {"name": name, "display_name": display_name, "sender_name": sender_name}
    for field, value in texts.items():
        if accounts.CONTROL.search(value or "") or len(value or "") > 120:
            problems[field] = "must be one line of at most 120 characters"
    if not name:
        problems["name"] = "must not be empty"
    for field, value in (("primary_colour", primary_colour), ("accent_colour", accent_colour)):
        try:
            hex_colour(value)
        except ValidationError:
            problems[field] = "must be a colour like #1a2b3c"
    if len(ticket_tag or "") > 12 or accounts.CONTROL.search(ticket_tag or ""):
        problems["ticket_tag"] = "must be one line of at most 12 characters"
    if problems:
        raise InvalidInput(problems)
    if Organisation.objects.filter(name__iexact=name).exclude(pk=org.pk).exists():
        raise Conflict(f"An organisation named {name!r} exists already.", code="exists")
    org.name, org.display_name = name, (display_name or "").strip()
    org.sender_name, org.ticket_tag = (sender_name or "").strip(), (ticket_tag or "").strip()
    org.primary_colour, org.accent_colour = primary_colour, accent_colour
    org.save()
    audit(AuditKind.BRAND_UPDATED, actor=actor, subject=None, organisation=org.pk)
    return org
