"""Erasing a person: their personal data is replaced wherever it is held, while the
tickets, their states and their events stay (so counts and reports do not change), the
person kept as a pseudonym (`erased-<id>`).

1. The person: email `erased-<id>@erased.invalid`, name `erased-<id>`, no password, not
   active; their tokens, second factor, sessions, invitations, sign-in and throttle
   records are deleted.
2. The tickets they are the customer of: every text field, the handover snapshots, the
   reproductions, every message and note on them, and their webhook payloads are replaced
   by `[erased]`; every attachment on them is deleted (rows and files).
3. Anywhere else: the messages they wrote and the files they uploaded likewise; the mails
   to them or about their tickets lose address, subject and body.
4. Last, a sweep over every text column of every table replaces any remaining copy of
   their email address or name by the pseudonym (event reasons, audit details, mail
   headers…).

The request and the completion are audit entries (about the pseudonymised person)."""

from __future__ import annotations

from django.apps import apps
from django.contrib.sessions.models import Session
from django.db import connection, models, transaction
from django.db.models import Q

from tierdesk.accounts.models import ApiToken, SignedInSession, ThrottleHit, User
from tierdesk.core.actor import SYSTEM, Actor
from tierdesk.core.crypto import EncryptedTextField
from tierdesk.core.errors import Conflict, Forbidden
from tierdesk.identity import access
from tierdesk.identity.audit import audit
from tierdesk.identity.models import AuditKind, Invitation, RecoveryDevice, TotpDevice
from tierdesk.tickets import access as ticket_access
from tierdesk.tickets import services as ticket_services
from tierdesk.tickets.services.erase import ERASED

__all__ = ["ERASED", "person_erase", "ticket_erase"]

def ticket_erase(ticket_id: int) -> None:
    """Erase a ticket's texts and files (`tickets.services.ticket_erase`) and, here, its
    webhook payloads; its states and events stay."""
    from tierdesk.notify.models import OutboxEvent

    ticket_services.ticket_erase(ticket_id=ticket_id)
    OutboxEvent.objects.filter(ticket_id=ticket_id).update(payload={"erased": True})


def _text_columns():
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                continue
            if isinstance(field, models.CharField | models.TextField | models.JSONField):
                yield model._meta.db_table, field.column, isinstance(field, models.JSONField)


def _refresh_search(ticket_ids: set[int]) -> None:
    """The search documents of the tickets touched are rebuilt from what they now hold,
    so no erased word stays findable (or in a snippet)."""
    if not apps.is_installed("tierdesk.search"):
        return
    from tierdesk.search.services import document_refresh

    for ticket_id in sorted(ticket_ids):
        document_refresh(ticket_id=ticket_id)


def _sweep(needle: str, replacement: str) -> None:
    """Replace `needle` by `replacement` in every text column of every table."""
    if len(needle) < 3:
        return
    quote = connection.ops.quote_name
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with connection.cursor() as cursor:
        for table, column, is_json in _text_columns():
            col = quote(column)
            if is_json and connection.vendor == "postgresql":
                value, back = f"CAST({col} AS TEXT)", "::jsonb"
            else:
                value, back = col, ""
            # Table and column names come from the model registry; values are parameters.
            statement = (
                f"UPDATE {quote(table)} SET {col} = REPLACE({value}, %s, %s){back} "  # noqa: S608
                f"WHERE {value} LIKE %s ESCAPE '\\'"
            )
            cursor.execute(statement, [needle, replacement, pattern])


@transaction.atomic
def person_erase(*, actor: Actor, user_id: int) -> User:
    """Erase a person the actor administers (404 for anyone else); nobody erases
    themselves. Irreversible."""
    if not access.may_administer(actor):
        raise Forbidden("Only an admin or a partner admin erases people.")
    person = access.get_person(actor, user_id)
    if person.pk == actor.user_id:
        raise Conflict("You cannot erase yourself.", code="conflict")
    audit(AuditKind.PERSON_ERASURE_REQUESTED, actor=actor, subject=person)
    pseudonym = f"erased-{person.pk}"
    needles = [person.email, person.full_name, person.first_name, person.last_name]

    tickets = ticket_access.visible_tickets(SYSTEM)
    theirs = list(tickets.filter(customer=person).values_list("pk", flat=True))
    for ticket_id in theirs:
        ticket_erase(ticket_id)
    involved = list(
        tickets.filter(Q(messages__author=person) | Q(attachments__uploaded_by=person))
        .values_list("pk", flat=True)
        .distinct()
    )
    for ticket_id in involved:
        ticket_services.ticket_erase_by(ticket_id=ticket_id, person_id=person.pk)

    from tierdesk.mail.models import HeldMail, InboundMessage, MailOptOut, OutboundMail
    from tierdesk.notify.models import OutboxEvent

    OutboundMail.objects.filter(
        Q(recipient=person) | Q(to_email__iexact=person.email) | Q(ticket_id__in=theirs)
    ).update(subject=ERASED, text_body=ERASED, html_body=ERASED)
    OutboundMail.objects.filter(Q(recipient=person) | Q(to_email__iexact=person.email)).update(
        to_email=f"{pseudonym}@erased.invalid"
    )
    InboundMessage.objects.filter(from_email__iexact=person.email).update(
        from_email="", subject=ERASED
    )
    HeldMail.objects.filter(from_email__iexact=person.email).delete()
    MailOptOut.objects.filter(email__iexact=person.email).delete()
    OutboxEvent.objects.filter(ticket_id__in=theirs).update(payload={"erased": True})

    ApiToken.objects.filter(user=person).delete()
    TotpDevice.objects.filter(user=person).delete()
    RecoveryDevice.objects.filter(user=person).delete()
    Invitation.objects.filter(email__iexact=person.email).delete()
    ThrottleHit.objects.filter(key__iexact=person.email).delete()
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.filter(username__iexact=person.email).delete()
    doomed = [
        s.pk
        for s in Session.objects.all().iterator()
        if str(s.get_decoded().get("_auth_user_id")) == str(person.pk)
    ]
    Session.objects.filter(pk__in=doomed).delete()
    SignedInSession.objects.filter(user=person).delete()  # gone with the rows; to be sure

    for needle in needles:
        _sweep(needle or "", pseudonym)
    person.email = f"{pseudonym}@erased.invalid"
    person.full_name, person.first_name, person.last_name = pseudonym, "", ""
    person.is_active = False
    person.set_unusable_password()
    person.save()
    person.membership.contracts.clear()
    _refresh_search(set(theirs) | set(involved))
    audit(AuditKind.PERSON_ERASED, actor=actor, subject=person, tickets=len(theirs))
    return person
