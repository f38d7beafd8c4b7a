"""The per-organisation rule "minutes required", and the listener that applies it.

`on_worked` listens to `tickets.bus.Worked` (a staff member's reply, note or move made
while the console, the API or bulk work asked for minutes) inside the change's
transaction: given minutes are logged with the work; none, when the person's
organisation requires them, refuses the work with 422 naming `minutes` (the exception
rolls the reply or move back). Taking and closing a ticket are bookkeeping, not work:
they never need minutes.
"""

from __future__ import annotations

from django.db import transaction

from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, InvalidInput
from tierdesk.timelog.models import TimeEntry, TimePolicy

EXEMPT_ACTIONS = frozenset({"take", "close"})
MAX_MINUTES = 1440
REQUIRED = "is required: your organisation logs the minutes spent on every reply, note and action"


def minutes_required(organisation_id: int | None) -> bool:
    if organisation_id is None:
        return False
    return TimePolicy.objects.filter(
        organisation_id=organisation_id, minutes_required=True
    ).exists()


def check_minutes(minutes) -> None:
    """422 naming `minutes` unless a whole number from 1 to 1440."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise InvalidInput({"minutes": "must be a whole number of minutes"})
    if not 1 <= minutes <= MAX_MINUTES:
        raise InvalidInput({"minutes": f"must be between 1 and {MAX_MINUTES}"})


def on_worked(worked) -> None:
    actor = worked.actor
    if worked.minutes is None:
        if worked.action in EXEMPT_ACTIONS or not minutes_required(actor.org_id):
            return
        raise InvalidInput({"minutes": REQUIRED})
    check_minutes(worked.minutes)
    TimeEntry.objects.create(
        ticket=worked.ticket,
        user=actor.user,
        level=actor.level or worked.ticket.level,
        minutes=worked.minutes,
        kind=worked.kind,
        note=worked.action.replace("_", " ")[:200],
        created_at=worked.now,
    )


def may_set_policy(actor: Actor) -> bool:
    return actor.role in ("admin", "partner_admin")


@transaction.atomic
def time_policy_set(*, actor: Actor, minutes_required: bool) -> TimePolicy:
    """Set the rule of the actor's own organisation (admins and partner admins)."""
    if not may_set_policy(actor) or actor.org_id is None:
        raise Forbidden("Only an administrator of the organisation sets this.")
    if not isinstance(minutes_required, bool):
        raise InvalidInput({"minutes_required": "must be true or false"})
    policy, _created = TimePolicy.objects.update_or_create(
        organisation_id=actor.org_id,
        defaults={
            "minutes_required": minutes_required,
            "updated_by": actor.user,
            "updated_at": clock.now(),
        },
    )
    return policy
