"""Writes around mail that people ask for: processing held mail again, turning a triaged
mail into a ticket by registering its sender, and opt-outs. Intake itself is
`inbound.intake`; notifications are written by `notifications`."""

from __future__ import annotations

from django.db import transaction

from tierdesk.accounts.models import Organisation, Role, User
from tierdesk.accounts.services import user_create
from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tierdesk.mail.inbound import IntakeResult, intake
from tierdesk.mail.models import HeldMail, HeldReason, MailKind, MailOptOut

MAY_HANDLE_HELD = (Role.ADMIN, Role.SUPPORT_LEAD)


def _check(actor: Actor) -> None:
    if not (actor.is_system or actor.role in MAY_HANDLE_HELD):
        raise Forbidden("Only admins and support leads handle held mail.")


def _held(held_id: int) -> HeldMail:
    try:
        return HeldMail.objects.get(pk=held_id)
    except (HeldMail.DoesNotExist, ValueError, TypeError):
        raise NotFound("Held mail not found.") from None


def held_reprocess(*, actor: Actor, held_id: int) -> IntakeResult:
    """Run a held mail through intake again (after a fix, or once its sender is
    registered). Marks it resolved when it went through, or records the new reason.
    Raises Forbidden, NotFound, Conflict (resolved already); TemporaryFailure."""
    _check(actor)
    held = _held(held_id)
    if held.resolved_at is not None:
        raise Conflict(f"Held mail {held.pk} was processed already: {held.resolution}")
    return intake(bytes(held.raw), source=held.source, organisation=held.organisation, held=held)


def held_accept_sender(*, actor: Actor, held_id: int) -> IntakeResult:
    """Review: a person vouches that a mail held as *unverified* really comes from its
    sender (they checked another way), and it is processed as if authenticated. Staff
    mail still needs its signed reply address to become a note.
    Raises Forbidden, NotFound, Conflict (not an open unverified mail); TemporaryFailure."""
    _check(actor)
    held = _held(held_id)
    if held.reason != HeldReason.UNVERIFIED or held.resolved_at is not None:
        raise Conflict("Only an open held mail whose sender was not authenticated is accepted.")
    return _reprocess_accepted(held.pk)


def held_register_sender(
    *, actor: Actor, held_id: int, organisation: Organisation | None = None, full_name: str = ""
) -> IntakeResult:
    """Triage: register the unknown sender of a held mail as a customer of the
    organisation whose mailbox it came through (or the one given) and process the mail
    again, which opens the ticket and sends its number. Registering them for this mail is
    vouching for it: it is processed as accepted by that person even when its sender was
    not authenticated. No password is set: the person uses mail, or is invited to the
    portal later."""
    _check(actor)
    with transaction.atomic():
        held = _held(held_id)
        if held.reason != HeldReason.UNKNOWN_SENDER or held.resolved_at is not None:
            raise Conflict("Only an open triage mail (unknown sender) can be turned into a ticket.")
        org = organisation or held.organisation
        if org is None:
            raise InvalidInput({"organisation": "say whose customer the sender is"})
        if not held.from_email:
            raise InvalidInput({"from_email": "the mail has no sender address"})
        if not User.objects.filter(email__iexact=held.from_email).exists():
            user_create(
                email=held.from_email, organisation=org, role=Role.CUSTOMER, full_name=full_name
            )
    return _reprocess_accepted(held_id)


def _reprocess_accepted(held_id: int) -> IntakeResult:
    held = _held(held_id)
    if held.resolved_at is not None:
        raise Conflict(f"Held mail {held.pk} was processed already: {held.resolution}")
    return intake(
        bytes(held.raw),
        source=held.source,
        organisation=held.organisation,
        held=held,
        trusted=True,
    )


def held_discard(*, actor: Actor, held_id: int, reason: str) -> HeldMail:
    """Close a held mail without a ticket (spam, a mail nobody needs), with the reason."""
    _check(actor)
    if not reason.strip():
        raise InvalidInput({"reason": "say why the mail is discarded"})
    with transaction.atomic():
        held = HeldMail.objects.select_for_update().filter(pk=held_id).first()
        if held is None:
            raise NotFound("Held mail not found.")
        held.resolved_at = clock.now()
        held.resolution = f"discarded: {reason.strip()}"[:300]
        held.save(update_fields=["resolved_at", "resolution", "updated_at"])
    return held


def optout_set(*, email: str, kind: str = "", opted_out: bool = True) -> None:
    """Stop (or restart) a kind of mail to an address; an empty kind means every
    notification. Idempotent."""
    email = (email or "").strip().lower()
    if "@" not in email:
        raise InvalidInput({"email": "is not an email address"})
    if kind and kind not in MailKind.values:
        raise InvalidInput({"kind": "must be one of " + ", ".join(MailKind.values)})
    if opted_out:
        MailOptOut.objects.get_or_create(email=email, kind=kind)
    else:
        MailOptOut.objects.filter(email=email, kind=kind).delete()
