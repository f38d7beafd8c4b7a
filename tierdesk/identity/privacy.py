"""Everything held about a person, as one zip: `person.json` (the person, their
membership and contracts, tokens without secrets, the tickets they are the customer of or
opened, every message they wrote, the events they caused, the mails sent to them, the
audit entries about them) and `attachments/<id>-<filename>` (the files they uploaded).
Reads go through the access choke points (`tickets/access.py` as the system)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q

from tierdesk.accounts.models import ApiToken, User
from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM, Actor
from tierdesk.identity import access
from tierdesk.identity.audit import audit
from tierdesk.identity.models import AuditEntry, AuditKind
from tierdesk.tickets import access as ticket_access

TICKET_FIELDS = [
    "number",
    "title",
    "status",
    "level",
    "priority",
    "description",
    "expected_behaviour",
    "actual_behaviour",
    "steps_to_reproduce",
    "context",
    "created_at",
    "updated_at",
]


def _ticket(ticket) -> dict[str, Any]:
    return {name: getattr(ticket, name) for name in TICKET_FIELDS}


def person_data(person: User) -> dict[str, Any]:
    membership = person.membership
    tickets = ticket_access.visible_tickets(SYSTEM)
    theirs = tickets.filter(Q(customer=person) | Q(created_by=person)).order_by("pk")
    messages = []
    events = []
    attachments = []
    for ticket in tickets.filter(
        Q(messages__author=person) | Q(events__actor=person) | Q(attachments__uploaded_by=person)
    ).distinct():
        for m in ticket_access.visible_messages(SYSTEM, ticket).filter(author=person):
            messages.append({"ticket": ticket.number, "at": m.created_at, "body": m.body})
        for e in ticket_access.visible_events(SYSTEM, ticket).filter(actor=person):
            events.append(
                {"ticket": ticket.number, "at": e.created_at, "kind": e.kind, "reason": e.reason}
            )
        for a in ticket_access.visible_attachments(SYSTEM, ticket).filter(uploaded_by=person):
            attachments.append(a)
    from tierdesk.mail.models import OutboundMail

    mails = OutboundMail.objects.filter(Q(recipient=person) | Q(to_email__iexact=person.email))
    return {
        "person": {
            "id": person.pk,
            "email": person.email,
            "name": person.full_name,
            "time_zone": person.time_zone,
            "language": person.language,
            "active": person.is_active,
            "joined": person.date_joined,
            "last_sign_in": person.last_login,
        },
        "membership": {
            "organisation": membership.organisation.name,
            "role": membership.role,
            "contracts": list(membership.contracts.values_list("platform_id", flat=True)),
        },
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "scopes": t.scopes,
                "created_at": t.created_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in ApiToken.objects.filter(user=person)
        ],
        "tickets": [_ticket(t) for t in theirs],
        "messages": messages,
        "events": events,
        "attachments": [
            {"id": a.pk, "filename": a.filename, "size": a.size, "at": a.created_at}
            for a in attachments
        ],
        "mails": [
            {"at": m.created_at, "subject": m.subject, "text": m.text_body, "status": m.status}
            for m in mails
        ],
        "audit": [
            {"at": e.at, "kind": e.kind, "detail": e.detail}
            for e in AuditEntry.objects.filter(subject=person)
        ],
        "_attachments": attachments,
    }


@transaction.atomic
def person_export(*, actor: Actor, user_id: int) -> tuple[str, bytes]:
    """The zip of everything held about a person (the actor themselves, or a person they
    administer: 404 otherwise). Audited. Returns a file name and the bytes."""
    person = access.get_person(actor, user_id)
    data = person_data(person)
    files = data.pop("_attachments")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "person.json", json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)
        )
        for attachment in files:
            with attachment.file.open("rb") as handle:
                archive.writestr(
                    f"attachments/{attachment.pk}-{attachment.filename}", handle.read()
                )
    audit(AuditKind.PERSON_EXPORTED, actor=actor, subject=person, attachments=len(files))
    stamp = datetime.strftime(clock.now(), "%Y%m%d")
    return f"tierdesk-person-{person.pk}-{stamp}.zip", buffer.getvalue()
