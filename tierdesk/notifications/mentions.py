"""`@name` in an internal note: who a note on a ticket may mention, and whom it does.

A person is mentioned by the part of their email before the `@` (`@anna`), or by their
whole email when two people share it (`@anna@acme.example`). Only staff who may see the
ticket can be mentioned: `mentionable()` states the access rules from the ticket's side
(a test holds it equal to `tickets.access.visible_tickets` for every role), and the
listener checks each recipient through `access` again before writing anything.
"""

from __future__ import annotations

import re

from django.db.models import Q, QuerySet

from tierdesk.accounts.models import Role, User
from tierdesk.tickets.models import Ticket

# An @ that starts a word (not the middle of an address), then a handle or an address.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.+-]+(?:@[\w-]+(?:\.[\w-]+)+)?)")
SEE_ALL = (Role.L2_AGENT, Role.SUPPORT_LEAD, Role.ADMIN)
PARTNER_STAFF = (Role.L1_AGENT, Role.PARTNER_ADMIN)


def handles(text: str) -> list[str]:
    """The handles mentioned in `text`, lower-cased, in order, without repeats."""
    found: list[str] = []
    for match in MENTION.finditer(text or ""):
        handle = match.group(1).rstrip(".").lower()
        if handle and handle not in found:
            found.append(handle)
    return found


def handle_of(user: User) -> str:
    return user.email.split("@", 1)[0].lower()


def mentionable(ticket: Ticket) -> QuerySet[User]:
    """The active staff who may see `ticket`, in name order."""
    sees = Q(membership__role__in=SEE_ALL) | Q(
        membership__role__in=PARTNER_STAFF, membership__organisation_id=ticket.partner_id
    )
    if ticket.escalated_at is not None:
        sees |= Q(membership__role=Role.L3_ENGINEER)
    return User.objects.filter(sees, is_active=True).order_by("full_name", "email")


def mentioned(ticket: Ticket, text: str) -> list[User]:
    """The people `text` mentions among those who may see `ticket`."""
    wanted = handles(text)
    if not wanted:
        return []
    match = Q()
    for handle in wanted:
        match |= Q(email__iexact=handle) if "@" in handle else Q(email__istartswith=f"{handle}@")
    return list(mentionable(ticket).filter(match))
