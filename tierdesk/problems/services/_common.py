"""What every problem service shares: the roles, the audit row, the problem lock."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from tierdesk.accounts.models import Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import Forbidden, StaleVersion
from tierdesk.problems.models import Problem, ProblemEvent, ProblemEventKind, ProblemStatus

# Who writes problems: vendor support staff. L3 works on them; L2 opens and links them.
WORKERS = frozenset({Role.L2_AGENT, Role.SUPPORT_LEAD, Role.L3_ENGINEER, Role.ADMIN})
ENGINEERS = frozenset({Role.L3_ENGINEER, Role.SUPPORT_LEAD, Role.ADMIN})


def require_role(actor: Actor, roles: frozenset[str], what: str) -> None:
    if not (actor.is_system or actor.role in roles):
        raise Forbidden(f"Your role may not {what}.")


def check_version(problem: Problem, version: int | None) -> None:
    if version is not None and version != problem.version:
        raise StaleVersion(
            f"The problem changed since you loaded it (your version {version}, "
            f"current {problem.version}). Reload and try again."
        )


# Which trail rows are announced to webhooks (`problem.*`, through the notify outbox).
WEBHOOK_OF_KIND = {
    ProblemEventKind.TICKET_LINKED: "problem.ticket_linked",
    ProblemEventKind.UPDATED: "problem.updated",
    ProblemEventKind.WORKAROUND_SET: "problem.updated",
    ProblemEventKind.FIX_DELIVERED: "problem.fix_delivered",
    ProblemEventKind.RELEASED: "problem.released",
    ProblemEventKind.CLOSED: "problem.closed",
}


def public_summary(problem: Problem) -> dict[str, Any]:
    """The problem as a partner may read it: what a webhook carries. No analysis, no
    internal workaround, no tracker."""
    return {
        "id": problem.pk,
        "reference": problem.reference,
        "title": problem.title,
        "status": problem.status,
        "public_summary": problem.public_summary,
        "workaround": problem.workaround if problem.workaround_public else None,
    }


def announce(problem: Problem, kind: str, now, data: dict[str, Any]) -> None:
    """`problem.*` outbox rows, one per linked ticket (a partner's hooks hear only the
    problems of their own tickets), in the caller's transaction."""
    from tierdesk.core.actor import SYSTEM
    from tierdesk.notify import outbox
    from tierdesk.tickets.access import visible_tickets

    name = WEBHOOK_OF_KIND.get(kind)
    if name is None:
        return
    tickets = visible_tickets(SYSTEM).filter(problem_link__problem=problem)
    if kind == ProblemEventKind.TICKET_LINKED:
        tickets = tickets.filter(pk=data.get("ticket_id"))
    body = {"problem": public_summary(problem)}
    rows = [(name, ticket, body) for ticket in tickets.select_related("partner")]
    if rows:
        outbox.emit_many(rows, now)


def tell_tracker(problem: Problem, from_status: str) -> None:
    """A status change, posted to the problem's issue after commit (unless the tracker
    itself caused it)."""
    from tierdesk.problems.models import TrackerCallAction
    from tierdesk.problems.services.tracker import from_tracker
    from tierdesk.problems.services.tracker_calls import tracker_call_add

    if not (problem.tracker_id and problem.tracker_key) or from_tracker():
        return
    text = (
        f"Tierdesk {problem.reference}: {ProblemStatus(from_status).label} → "
        f"{ProblemStatus(problem.status).label}."
    )
    tracker_call_add(problem, TrackerCallAction.COMMENT, text)


def record(
    problem: Problem,
    actor: Actor,
    kind: ProblemEventKind,
    now,
    *,
    from_status: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> ProblemEvent:
    event = ProblemEvent.objects.create(
        problem=problem,
        actor=actor.user,
        actor_role=actor.role,
        kind=kind,
        from_status=from_status,
        to_status=problem.status,
        note=note,
        data=data or {},
        created_at=now,
    )
    announce(problem, kind, now, data or {})
    if from_status and from_status != problem.status:
        tell_tracker(problem, from_status)
    return event


def with_customer_message(service: Callable[..., Any], customer_message: str) -> dict[str, str]:
    """`customer_message=…` for a ticket service that takes one (the text the customer
    reads), nothing for one that does not."""
    if customer_message and "customer_message" in inspect.signature(service).parameters:
        return {"customer_message": customer_message}
    return {}
