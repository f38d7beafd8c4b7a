"""A rule acting on one ticket: every action through the ticket services (as the system,
so the workflow's gates decide), and one `RuleRun` recording it, in one transaction.
A refusal by a gate rolls the actions back and is recorded as a refused run."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from tierdesk.accounts.models import Role, User
from tierdesk.automation.engine import Planned
from tierdesk.automation.models import RuleRun, TicketTag
from tierdesk.core.actor import SYSTEM
from tierdesk.core.errors import DomainError
from tierdesk.tickets import services as tickets
from tierdesk.tickets.access import get_ticket
from tierdesk.tickets.models import Ticket

log = logging.getLogger(__name__)


def _recipients(ticket: Ticket, to: str) -> list[User]:
    if to == "assignee":
        return [ticket.assignee] if ticket.assignee_id else []
    if to == "partner_admins":
        people = User.objects.filter(
            membership__organisation_id=ticket.partner_id, membership__role=Role.PARTNER_ADMIN
        )
    else:  # the support leads
        people = User.objects.filter(membership__role=Role.SUPPORT_LEAD)
    return list(people.filter(is_active=True).order_by("pk"))


def _notify(ticket: Ticket, action: dict[str, Any], p: Planned, now: datetime) -> None:
    if not apps.is_installed("tierdesk.notifications"):
        return
    from tierdesk.notifications.services import notification_send

    def text(user: User) -> str:
        with translation.override(user.language or "en"):
            if p.builtin == "at_risk_unassigned":
                return _("%(ref)s is at risk and nobody has it") % {"ref": ticket.reference}
            return _("%(ref)s: automation “%(rule)s”") % {
                "ref": ticket.reference,
                "rule": p.rule_name,
            }

    notification_send(recipients=_recipients(ticket, action["to"]), ticket=ticket, text=text,
                      now=now)  # fmt: skip


def _resolve_no_reply(ticket: Ticket, p: Planned) -> None:
    from tierdesk.updates.models import Step
    from tierdesk.updates.services import update_text

    reminders = p.params.get("after_reminders", 0)
    tickets.ticket_resolve(
        actor=SYSTEM,
        ticket_id=ticket.pk,
        resolution=f"No reply from the customer after {reminders} reminder(s) "
        f"(automation “{p.rule_name}”).",
        cause="no_reply",
        customer_message=update_text(ticket=ticket, step=Step.NO_REPLY, user=ticket.customer),
    )


def _act(ticket: Ticket, action: dict[str, Any], p: Planned, now: datetime) -> None:
    kind = action["type"]
    reason = f"Automation “{p.rule_name}”"
    if kind == "notify":
        _notify(ticket, action, p, now)
    elif kind == "set_priority":
        if ticket.priority != action["priority"]:
            tickets.ticket_update(
                actor=SYSTEM,
                ticket_id=ticket.pk,
                changes={"priority": action["priority"]},
                version=None,
            )
    elif kind == "assign":
        if ticket.assignee_id != action["assignee_id"]:
            tickets.ticket_assign(
                actor=SYSTEM, ticket_id=ticket.pk, assignee_id=action["assignee_id"], reason=reason
            )
    elif kind == "add_tag":
        TicketTag.objects.get_or_create(
            ticket=ticket, name=action["tag"], defaults={"created_at": now}
        )
    elif kind == "send_template":
        from tierdesk.updates.services import customer_update_send

        customer_update_send(ticket=ticket, step=action["step"], key=f"{p.rule_id}:{p.key}",
                             now=now)  # fmt: skip
    elif kind == "run_action":
        if action["action"] == "close":
            tickets.ticket_close(actor=SYSTEM, ticket_id=ticket.pk)
        elif action["action"] == "resolve_no_reply":
            _resolve_no_reply(ticket, p)


def _record(p: Planned, *, key: str, outcome: str, detail: str, now: datetime) -> None:
    RuleRun.objects.create(
        rule_id=p.rule_id,
        rule_name=p.rule_name,
        builtin=p.builtin,
        ticket_id=p.ticket_id,
        key=key,
        actions=list(p.actions),
        outcome=outcome,
        detail=detail[:300],
        created_at=now,
    )


def apply(p: Planned, *, now: datetime) -> bool:
    """Run one planned rule on its ticket; True when it changed the ticket. The ticket
    is locked first; any refusal (a gate, a state that moved meanwhile) undoes every
    action of the run and leaves a refused run on record."""
    try:
        with transaction.atomic():
            ticket = get_ticket(SYSTEM, p.ticket_id, for_update=True)
            for action in p.actions:
                _act(ticket, action, p, now)
                ticket.refresh_from_db()
            _record(p, key=p.key, outcome="done", detail=p.why, now=now)
        return True
    except IntegrityError:  # another worker ran it first
        return False
    except DomainError as exc:
        log.info("automation %s refused on ticket %s: %s", p.rule_name, p.number, exc)
        try:
            with transaction.atomic():
                _record(p, key=f"refused:{p.key}", outcome="refused", detail=str(exc), now=now)
        except IntegrityError:
            pass
        return False
