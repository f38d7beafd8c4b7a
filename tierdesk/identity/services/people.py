"""Administering people: invite (a signed link that expires, sent through the mail
outbox), accept, change name, role and contracts, deactivate. An administrator acts on
their own organisation only (a partner admin) or on every organisation (the vendor's
admin); `identity/access.py` decides. Every change is an audit entry."""

from __future__ import annotations

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from tierdesk.accounts import services as accounts
from tierdesk.accounts.models import PARTNER_ROLES, ApiToken, Organisation, OrgKind, Role, User
from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tierdesk.directory.models import Contract
from tierdesk.identity import access
from tierdesk.identity.audit import audit
from tierdesk.identity.models import AuditKind, Invitation
from tierdesk.identity.services.handback import tickets_hand_back

SALT = "tierdesk.identity.invitation"
INVITATION_MAIL_KIND = "invitation"


def _organisation_for(actor: Actor, organisation_id: int | None) -> Organisation:
    if not access.may_administer(actor):
        raise Forbidden("Only an admin or a partner admin administers people.")
    if organisation_id is None or organisation_id == actor.org_id:
        return Organisation.objects.get(pk=actor.org_id)
    if actor.role != Role.ADMIN:
        raise NotFound("No such organisation.")
    org = Organisation.objects.filter(pk=organisation_id).first()
    if org is None:
        raise NotFound("No such organisation.")
    return org


def _check_role(org: Organisation, role: str) -> None:
    if role not in Role.values:
        raise InvalidInput({"role": "must be one of " + ", ".join(Role.values)})
    if org.kind == OrgKind.PARTNER and role not in PARTNER_ROLES:
        raise InvalidInput({"role": f"a partner cannot hold the role {role}"})


def _contracts(org: Organisation, role: str, contract_ids: list[str]) -> list[Contract]:
    if not contract_ids:
        return []
    if role != Role.CUSTOMER:
        raise InvalidInput({"contract_ids": "only customers are tied to contracts"})
    wanted = {c.strip().lower() for c in contract_ids}
    found = list(Contract.objects.filter(platform_id__in=wanted, partner=org))
    if len(found) != len(wanted):
        raise InvalidInput({"contract_ids": f"must name contracts of {org.name}"})
    return found


def invitation_link(invitation: Invitation) -> str:
    token = signing.dumps({"i": invitation.pk, "e": invitation.email}, salt=SALT)
    base = settings.TIERDESK_MAIL_BASE_URL.rstrip("/")
    return base + reverse("invitation-accept", args=[token])


@transaction.atomic
def person_invite(
    *,
    actor: Actor,
    email: str,
    role: str,
    full_name: str = "",
    contract_ids: list[str] | None = None,
    organisation_id: int | None = None,
) -> Invitation:
    """Invite someone into the actor's organisation (the vendor's admin: any). The mail
    with the link is written to the outbox in this transaction."""
    org = _organisation_for(actor, organisation_id)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput({"email": "is not an email address"}) from None
    _check_role(org, role)
    _contracts(org, role, contract_ids or [])
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict(f"A person with {email} exists already.", code="exists")
    now = clock.now()
    invitation = Invitation.objects.create(
        organisation=org,
        email=email,
        full_name=(full_name or "").strip(),
        role=role,
        contract_ids=list(contract_ids or []),
        invited_by=actor.user,
        created_at=now,
        expires_at=now + settings.TIERDESK_INVITATION_TTL,
    )
    _mail_invitation(invitation, now=now)
    audit(AuditKind.PERSON_INVITED, actor=actor, subject=None, email=email, role=role)
    return invitation


def _mail_invitation(invitation: Invitation, *, now) -> None:
    from tierdesk.mail import outbound

    org = invitation.organisation
    draft = outbound.Draft(
        kind=INVITATION_MAIL_KIND,
        to_email=invitation.email,
        sender=outbound.sender_for(org),
        title=f"You are invited to {org.brand_name}",
        greeting=f"Hello {invitation.full_name or invitation.email},",
        lines=[
            f"{invitation.invited_by} invites you to {org.brand_name}'s support desk.",
            "Choose your password with the link below. It works once and expires on "
            f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC.",
        ],
        link=invitation_link(invitation),
        link_label="Accept the invitation",
        reply_hint=False,
    )
    outbound.write(draft, key=outbound.dedup_key("invitation", invitation.pk), now=now)


def invitation_for_token(token: str) -> Invitation:
    """The open invitation a link names; NotFound when it is forged, expired or used."""
    max_age = settings.TIERDESK_INVITATION_TTL.total_seconds()
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature:
        raise NotFound("This invitation link is not valid (any more).") from None
    invitation = Invitation.objects.filter(
        pk=data.get("i"), email=data.get("e"), accepted_at__isnull=True
    ).first()
    if invitation is None or invitation.expires_at <= clock.now():
        raise NotFound("This invitation link is not valid (any more).")
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str, full_name: str = "") -> User:
    """Create the invited person with the chosen password (validated) and use up the
    invitation."""
    invitation = invitation_for_token(token)
    Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    user = accounts.user_create(
        email=invitation.email,
        organisation=invitation.organisation,
        role=invitation.role,
        password=password,
        full_name=(full_name or invitation.full_name).strip(),
        contract_ids=invitation.contract_ids or None,
    )
    invitation.accepted_at = clock.now()
    invitation.save(update_fields=["accepted_at"])
    audit(AuditKind.PERSON_JOINED, actor=user, subject=user, invitation=invitation.pk)
    return user


@transaction.atomic
def person_update(
    *,
    actor: Actor,
    user_id: int,
    full_name: str | None = None,
    role: str | None = None,
    contract_ids: list[str] | None = None,
) -> User:
    """Change a person's name, role (within what their organisation may hold) and, for
    customers, their contracts. Administrators cannot change their own role."""
    person = access.get_person(actor, user_id)
    if not access.may_administer(actor):
        raise Forbidden("Only an admin or a partner admin administers people.")
    membership = person.membership
    org = membership.organisation
    changed: dict[str, object] = {}
    if role is not None and role != membership.role:
        if person.pk == actor.user_id:
            raise Conflict("You cannot change your own role.", code="conflict")
        _check_role(org, role)
        membership.role = role
        membership.save(update_fields=["role", "updated_at"])
        person.is_staff = person.is_superuser = role == Role.ADMIN
        person.save(update_fields=["is_staff", "is_superuser"])
        changed["role"] = role
    if full_name is not None and full_name.strip() != person.full_name:
        if accounts.CONTROL.search(full_name):
            raise InvalidInput({"full_name": "must be one line, without control characters"})
        person.full_name = full_name.strip()
        person.save(update_fields=["full_name"])
        changed["full_name"] = True
    if contract_ids is not None:
        membership.contracts.set(_contracts(org, membership.role, contract_ids))
        changed["contract_ids"] = sorted(contract_ids)
    if changed:
        audit(AuditKind.PERSON_UPDATED, actor=actor, subject=person, **changed)
    return person


@transaction.atomic
def person_deactivate(*, actor: Actor, user_id: int) -> User:
    """End a person at once: no sign-in, every session deleted, every token revoked,
    their open tickets back to the queue. Nobody deactivates themselves."""
    if not access.may_administer(actor):
        raise Forbidden("Only an admin or a partner admin administers people.")
    person = access.get_person(actor, user_id)
    if person.pk == actor.user_id:
        raise Conflict("You cannot deactivate yourself.", code="conflict")
    now = clock.now()
    if person.is_active:
        person.is_active = False
        person.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=person, revoked_at__isnull=True).update(revoked_at=now)
    _end_sessions(person.pk)
    handed_back = tickets_hand_back(actor=actor, user_id=person.pk, now=now)
    audit(AuditKind.PERSON_DEACTIVATED, actor=actor, subject=person, tickets=handed_back)
    return person


def _end_sessions(user_id: int) -> None:
    """Delete every stored session of the person (the database session backend)."""
    doomed = [
        s.pk
        for s in Session.objects.filter(expire_date__gt=clock.now()).iterator()
        if str(s.get_decoded().get("_auth_user_id")) == str(user_id)
    ]
    Session.objects.filter(pk__in=doomed).delete()
