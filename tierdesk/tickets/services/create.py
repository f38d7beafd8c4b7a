"""Creating and editing tickets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from tierdesk.accounts.models import Membership, Organisation, Role, User
from tierdesk.core import clock
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, InvalidInput, WrongState
from tierdesk.core.models import next_in_sequence
from tierdesk.core.redaction import redact_fields
from tierdesk.directory.selectors import directory_owners
from tierdesk.tickets import bus, events, selectors, workflow
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.fields import (
    CHECK_FIELDS,
    ID_FIELDS,
    clean_ticket_fields,
    staff_only_errors,
)
from tierdesk.tickets.models import Channel, EventKind, Handover, Status, Ticket
from tierdesk.tickets.services._moves import check_version, context, move

FIRST_TICKET_NUMBER = 10001


def _customer_for(actor: Actor, partner: Organisation, customer: Any) -> User | None:
    if actor.is_customer:
        return actor.user  # naming anyone else was refused by _customer_refusals
    if customer in (None, ""):
        return None
    if isinstance(customer, User):
        user = customer
    else:
        user = User.objects.filter(email__iexact=str(customer).strip()).first()
    ok = (
        user is not None
        and Membership.objects.filter(user=user, organisation=partner, role=Role.CUSTOMER).exists()
    )
    if not ok:
        raise InvalidInput({"customer": f"is not a customer of {partner.brand_name}"})
    return user


def _names_self(actor: Actor, customer: Any) -> bool:
    if isinstance(customer, User):
        return customer.pk == actor.user_id
    email = actor.user.email if actor.user else ""
    return str(customer).strip().lower() == email.lower()


def _customer_refusals(
    actor: Actor, data: Mapping[str, Any], *, customer: Any, hand_over: bool
) -> dict[str, str]:
    """What a customer may not set when reporting: the staff-only fields, another
    customer, a handover straight to L2."""
    if not actor.is_customer:
        return {}
    errors = staff_only_errors(data)
    if customer not in (None, "") and not _names_self(actor, customer):
        errors["customer"] = "is set by support: a customer reports for themselves"
    if hand_over:
        errors["hand_over"] = "is for support staff: a customer's report starts at L1"
    return errors


def _checks_by(actor: Actor, values: Mapping[str, Any]) -> User | None:
    """Who the L1 checks count as noted by: the actor when an L1 agent (or partner
    admin) wrote them, nobody otherwise — the handover's `l1_checks` item only counts
    an L1 agent's notes."""
    if actor.level == 1 and any(str(values.get(k) or "").strip() for k in CHECK_FIELDS):
        return actor.user
    return None


_WHAT = {"contract_id": "contract", "workspace_id": "workspace", "flow_id": "flow"}


def check_directory(
    actor: Actor, *, partner_id: int, values: Mapping[str, Any], given: Mapping[str, Any]
) -> None:
    """The directory is a tenancy boundary: a contract, workspace or flow the directory
    knows must belong to the ticket's partner — and, for a customer tied to contracts, to
    one of their contracts. IDs the directory does not know pass (the directory may lag).
    Raises InvalidInput naming the field (`platform_url` when the IDs came from a pasted
    URL), worded so that it never says whose the ID is."""
    ids = {key: values[key] for key in ID_FIELDS if values.get(key)}
    if not ids:
        return
    errors: dict[str, str] = {}
    tied = actor.contract_ids if actor.is_customer else frozenset()
    for key, (owner_id, contract_pk) in directory_owners(**ids).items():
        what = _WHAT[key]
        if owner_id != partner_id:
            reason = (
                f"a {what} of your organisation"
                if actor.is_customer
                else f"a {what} of this ticket's partner"
            )
        elif tied and contract_pk not in tied:
            reason = "one of your contracts" if what == "contract" else "in one of your contracts"
        else:
            continue
        if key not in given and given.get("platform_url"):
            errors.setdefault("platform_url", f"names a {what} that is not {reason}")
        else:
            errors[key] = f"is not {reason}"
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def ticket_create(
    *,
    actor: Actor,
    data: Mapping[str, Any],
    customer: Any = None,
    hand_over: bool = False,
    channel: str = Channel.WEB,
) -> Ticket:
    """Open a ticket for the actor's organisation: new@L1, or — `hand_over` — straight
    at new@L2 through the handover gate (a partner handing over from its own tool).

    Raises InvalidInput naming each malformed field — and each staff-only field a
    customer sent (priority, incident, the L1 checks, another customer, `hand_over`) and
    each directory ID of another partner —, Forbidden for a role that may not open
    tickets, TransitionRefused listing the missing handover items. Writes nothing unless
    everything passes."""
    now = clock.now()
    action = "create_handed_over" if hand_over else "create"
    cleaned, errors = clean_ticket_fields(data, now=now, creating=True)
    errors.update(_customer_refusals(actor, data, customer=customer, hand_over=hand_over))
    cleaned = redact_fields(cleaned)  # secrets masked before anything is stored
    if errors:
        raise InvalidInput(errors)
    if actor.org_id is None:
        raise Forbidden("Only people of an organisation open tickets.")
    partner = Organisation.objects.get(pk=actor.org_id)
    ticket = Ticket(partner=partner, created_by=actor.user, **cleaned)
    ticket.l1_checks_by = _checks_by(actor, cleaned)
    handover = None
    if hand_over:
        handover = selectors.handover_draft(ticket)
    ctx = context(actor=actor, ticket=None, now=now, handover=handover)
    transition = workflow.require(action, ctx)
    # Only once the role may create at all: naming a customer or a directory ID must not
    # be answered first.
    check_directory(actor, partner_id=partner.pk, values=cleaned, given=data)
    ticket.customer = _customer_for(actor, partner, customer)
    ticket.number = next_in_sequence("ticket", start=FIRST_TICKET_NUMBER)
    if hand_over:
        ticket.handed_over_by = actor.user
    move(ticket, transition, ctx, data={"channel": channel})
    if hand_over:
        Handover.objects.create(
            ticket=ticket,
            attempt=1,
            handed_over_by=actor.user,
            checklist=_checklist_snapshot(ticket, handover, now),
        )
    return ticket


def _checklist_snapshot(ticket: Ticket, draft: workflow.HandoverDraft, now) -> dict:
    missing = {m.code for m in workflow.handover_missing(draft, now)}
    return {
        "items": [
            {"code": item.code, "title": item.title, "ok": item.code not in missing}
            for item in workflow.HANDOVER_ITEMS
        ],
        "recommendations": [m.as_dict() for m in workflow.handover_recommendations(draft)],
        "fields": {
            name: (value.isoformat() if hasattr(value, "isoformat") else value)
            for name in selectors._DRAFT_FIELDS
            if (value := getattr(ticket, name)) not in (None, "")
        },
        "text_logs": draft.text_logs,
        "screenshots": draft.screenshots,
    }


def may_edit(actor: Actor, ticket: Ticket) -> bool:
    """Who may change a ticket's fields: the agents working its level (and leads), the
    system (automations), the customer while it is still at L1; nobody once it is
    resolved or closed."""
    if ticket.status in (Status.RESOLVED, Status.CLOSED):
        return False
    if actor.is_customer:
        return ticket.level == 1
    if actor.is_system:  # an automation's rule (its own checks chose the ticket)
        return True
    if actor.role in (Role.SUPPORT_LEAD, Role.ADMIN):
        return True
    return actor.level == ticket.level


@transaction.atomic
def ticket_update(
    *, actor: Actor, ticket_id: int, changes: Mapping[str, Any], version: int | None
) -> Ticket:
    """Change fields of a ticket. Locks it; refuses a stale `version` (409) so nothing
    another person wrote is overwritten; records which fields changed. Refuses (422,
    naming the field) a staff-only field sent by a customer and a directory ID that is
    not the ticket's partner's. Changing the L1 checks records who noted them (only an
    L1 agent's notes satisfy the handover's `l1_checks` item)."""
    now = clock.now()
    ticket = get_ticket(actor, ticket_id, for_update=True)
    check_version(ticket, version)
    if not may_edit(actor, ticket):
        if ticket.status in (Status.RESOLVED, Status.CLOSED):
            raise WrongState("A resolved or closed ticket cannot be edited; reopen it first.")
        raise Forbidden("You may not edit this ticket at its level.")
    cleaned, errors = clean_ticket_fields(changes, now=now, creating=False)
    cleaned = redact_fields(cleaned)  # secrets masked before anything is stored
    if actor.is_customer:
        errors.update(staff_only_errors(changes))
    if errors:
        raise InvalidInput(errors)
    changed = {k: v for k, v in cleaned.items() if getattr(ticket, k) != v}
    if not changed:
        return ticket
    check_directory(actor, partner_id=ticket.partner_id, values=changed, given=changes)
    if any(k in changed for k in CHECK_FIELDS):
        checks = {**{k: getattr(ticket, k) for k in CHECK_FIELDS}, **changed}
        ticket.l1_checks_by = _checks_by(actor, checks)
    before = {key: getattr(ticket, key) for key in changed}
    for key, value in changed.items():
        setattr(ticket, key, value)
    start, end = ticket.occurred_at, ticket.occurred_until
    if end and not start:
        raise InvalidInput({"occurred_until": "needs occurred_at, the start of the window"})
    if start and end and end < start:
        raise InvalidInput({"occurred_until": "is before occurred_at"})
    ticket.version += 1
    ticket.save()
    # A new incident flag, priority, contract or needed_by re-plans the SLA clocks.
    bus.publish(bus.Changed(ticket=ticket, fields=frozenset(changed), now=now))
    events.record(
        ticket=ticket,
        actor=actor,
        kind=EventKind.UPDATED,
        now=now,
        from_state=(ticket.level, ticket.status),
        data={"fields": sorted(changed), "changes": _before_after(before, changed)},
    )
    return ticket


# Fields whose values the history shows ("priority: normal → high"); the long texts of
# the report are named only ("description changed").
SHOWN_CHANGES = frozenset({
    "title", "priority", "incident", "is_blocker", "needed_by", "occurred_at",
    "occurred_until", "contract_id", "workspace_id", "flow_id", "flow_version",
    "reproducibility",
})  # fmt: skip


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _before_after(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields of SHOWN_CHANGES (JSON values)."""
    return {
        key: [_plain(before[key]), _plain(after[key])]
        for key in sorted(after)
        if key in SHOWN_CHANGES
    }
