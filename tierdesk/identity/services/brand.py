"""An organisation's brand, changed by its own administrator: name, colours, logo, and
a sender address that takes effect only once a link mailed to it is followed."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from tierdesk.accounts import services as accounts
from tierdesk.accounts.models import Organisation, hex_colour
from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import InvalidInput, NotFound
from tierdesk.identity import access
from tierdesk.identity.audit import audit
from tierdesk.identity.models import AuditKind, SenderVerification

SALT = "tierdesk.identity.sender"
SENDER_MAIL_KIND = "sender_verification"


def _own_organisation(actor: Actor) -> Organisation:
    return access.own_organisation(actor)


@transaction.atomic
def brand_update(
    *,
    actor: Actor,
    display_name: str,
    sender_name: str,
    primary_colour: str,
    accent_colour: str,
    logo: str,
    customers_share_contract_tickets: bool | None = None,
) -> Organisation:
    """Change the actor's organisation's brand. Colours `#rrggbb`; the logo an inline SVG
    document or a data:image/ URL (shown in an <img>, where no script runs). With
    `customers_share_contract_tickets` (None: unchanged) its customers also see colleagues'
    tickets on their contracts (`tickets.access`)."""
    org = _own_organisation(actor)
    problems = {}
    for field, value in (("display_name", display_name), ("sender_name", sender_name)):
        if accounts.CONTROL.search(value or "") or len(value or "") > 120:
            problems[field] = "must be one line of at most 120 characters"
    for field, value in (("primary_colour", primary_colour), ("accent_colour", accent_colour)):
        try:
            hex_colour(value)
        except ValidationError:
            problems[field] = "must be a colour like #1a2b3c"
    logo = (logo or "").strip()
    if logo and not (logo.startswith("<svg") or logo.startswith("data:image/")):
        problems["logo"] = "must be an inline SVG document or a data:image/ URL"
    if problems:
        raise InvalidInput(problems)
    org.display_name, org.sender_name = display_name.strip(), sender_name.strip()
    org.primary_colour, org.accent_colour, org.logo = primary_colour, accent_colour, logo
    fields = ["display_name", "sender_name", "primary_colour", "accent_colour", "logo"]
    if customers_share_contract_tickets is not None:
        org.customers_share_contract_tickets = bool(customers_share_contract_tickets)
        fields.append("customers_share_contract_tickets")
    org.save(update_fields=[*fields, "updated_at"])
    audit(AuditKind.BRAND_UPDATED, actor=actor, subject=None, organisation=org.pk)
    return org


@transaction.atomic
def sender_address_request(*, actor: Actor, email: str) -> SenderVerification:
    """Mail a verification link to the new sender address (through the outbox). The
    brand keeps its current sender until the link is followed."""
    org = _own_organisation(actor)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput({"sender_email": "is not an email address"}) from None
    now = clock.now()
    pending = SenderVerification.objects.create(
        organisation=org, email=email, requested_by=actor.user, created_at=now
    )
    from tierdesk.mail import outbound

    token = signing.dumps({"v": pending.pk, "e": email}, salt=SALT)
    link = settings.TIERDESK_MAIL_BASE_URL.rstrip("/") + reverse("sender-verify", args=[token])
    draft = outbound.Draft(
        kind=SENDER_MAIL_KIND,
        to_email=email,
        sender=outbound.sender_for(org),
        title="Confirm this address as your support sender",
        greeting="Hello,",
        lines=[
            f"{actor.user} asked to send {org.brand_name}'s support mail from this address.",
            "If that is right, confirm it with the link below; otherwise ignore this mail.",
        ],
        link=link,
        link_label="Confirm the sender address",
        reply_hint=False,
    )
    outbound.write(draft, key=outbound.dedup_key("sender", pending.pk), now=now)
    audit(AuditKind.SENDER_REQUESTED, actor=actor, subject=None, email=email)
    return pending


@transaction.atomic
def sender_address_confirm(*, token: str) -> Organisation:
    """Follow the mailed link: the address becomes the organisation's sender."""
    max_age = settings.TIERDESK_INVITATION_TTL.total_seconds()
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature:
        raise NotFound("This link is not valid (any more).") from None
    pending = (
        SenderVerification.objects.select_for_update()
        .filter(pk=data.get("v"), email=data.get("e"), verified_at__isnull=True)
        .select_related("organisation")
        .first()
    )
    if pending is None:
        raise NotFound("This link is not valid (any more).")
    pending.verified_at = clock.now()
    pending.save(update_fields=["verified_at"])
    org = pending.organisation
    org.sender_email = pending.email
    org.save(update_fields=["sender_email", "updated_at"])
    audit(AuditKind.SENDER_VERIFIED, actor=None, subject=None, email=pending.email)
    return org
