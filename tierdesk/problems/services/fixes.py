"""The engineering loop on a problem: fix delivered to every waiting ticket, verification
one by one or all together, the workaround now and the fix later, release and close.

Every ticket move is a ticket service (`tickets.services`): the workflow table, its gates,
events, SLA clocks, webhooks and the branded customer mail all come with it. A problem
service only chooses which tickets move and passes on what the customer reads.
"""

from __future__ import annotations

from django.db import transaction

from tierdesk.core import clock
from tierdesk.core.actor import SYSTEM, Actor
from tierdesk.core.errors import Conflict, InvalidInput, WrongState
from tierdesk.problems.access import get_problem, ticket_problem_link
from tierdesk.problems.models import (
    Problem,
    ProblemEventKind,
    ProblemStatus,
)
from tierdesk.problems.services._common import (
    ENGINEERS,
    WORKERS,
    check_version,
    record,
    require_role,
    with_customer_message,
)
from tierdesk.tickets import services as tickets
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.models import ResolutionCause, Status, Ticket

FIX_SHIPPED_DEFAULT = (
    "The fix for the problem behind your ticket has shipped. If you still see the problem, "
    "reply to this message and we reopen your ticket to verify the fix with you."
)


def _linked(actor: Actor, problem: Problem):
    """The problem's tickets the actor may work, oldest link first."""
    return (
        visible_tickets(actor)
        .filter(problem_link__problem=problem)
        .order_by("problem_link__created_at", "pk")
    )


def _set_status(problem: Problem, status: str) -> str:
    before = problem.status
    problem.status = status
    problem.version += 1
    problem.save()
    return before


@transaction.atomic
def problem_start_fix(*, actor: Actor, problem_id: int, version: int | None = None) -> Problem:
    """L3 takes the problem: investigating → fix in progress, the actor its owner."""
    require_role(actor, ENGINEERS, "work on problems")
    problem = get_problem(actor, problem_id, for_update=True)
    check_version(problem, version)
    if problem.status not in (ProblemStatus.INVESTIGATING, ProblemStatus.FIX_IN_PROGRESS):
        raise WrongState("The problem is past the fix.")
    problem.owner = actor.user or problem.owner
    before = _set_status(problem, ProblemStatus.FIX_IN_PROGRESS)
    record(problem, actor, ProblemEventKind.UPDATED, clock.now(), from_status=before)
    return problem


@transaction.atomic
def problem_deliver_fix(
    *,
    actor: Actor,
    problem_id: int,
    reference: str,
    release: str = "",
    notes: str = "",
    customer_message: str = "",
    version: int | None = None,
) -> list[Ticket]:
    """Deliver a fix on the problem: every linked ticket waiting at L3 (new or in
    progress) moves to verifying at L2 through `ticket_deliver_fix` (a new one is taken
    first), each with its event and notifications. Returns the moved tickets. Refused
    (WrongState) on a closed or released problem; a blank reference is refused by the
    ticket gate and nothing moves. `customer_message` is kept for the verification: it
    is what each customer reads when their ticket passes (unless the verification gives
    its own), so a customer gets one mail, not one per step."""
    require_role(actor, ENGINEERS, "deliver fixes")
    problem = get_problem(actor, problem_id, for_update=True)
    check_version(problem, version)
    if problem.status in (ProblemStatus.RELEASED, ProblemStatus.CLOSED):
        raise WrongState("The problem is already released or closed.")
    if not isinstance(reference, str) or not reference.strip():
        raise InvalidInput({"reference": "Give the fix reference."})
    moved = _deliver_waiting(actor, problem, reference=reference, release=release, notes=notes)
    problem.fix_reference = reference.strip()
    problem.fix_release = release.strip()
    before = _set_status(problem, ProblemStatus.FIX_DELIVERED)
    record(
        problem,
        actor,
        ProblemEventKind.FIX_DELIVERED,
        clock.now(),
        from_status=before,
        note=notes,
        data={
            "reference": problem.fix_reference,
            "tickets": [t.pk for t in moved],
            "customer_message": customer_message.strip(),
        },
    )
    return moved


def _delivered_message(problem: Problem) -> str:
    event = problem.events.filter(kind=ProblemEventKind.FIX_DELIVERED).order_by("-pk").first()
    return str((event.data or {}).get("customer_message", "")) if event else ""


def _deliver_waiting(actor: Actor, problem: Problem, *, reference: str, release: str, notes: str):
    moved: list[Ticket] = []
    if actor.is_system:  # ticket moves at L3 need an engineer (see services.tracker)
        return moved
    waiting = _linked(actor, problem).filter(level=3, status__in=(Status.NEW, Status.IN_PROGRESS))
    for ticket_id, status in waiting.values_list("pk", "status"):
        if status == Status.NEW:
            tickets.ticket_take(actor=actor, ticket_id=ticket_id)
        moved.append(
            tickets.ticket_deliver_fix(
                actor=actor, ticket_id=ticket_id, reference=reference, release=release, notes=notes
            )
        )
    return moved


@transaction.atomic
def problem_verify_fix(
    *,
    actor: Actor,
    problem_id: int,
    passed: bool,
    notes: str = "",
    ticket_ids: list[int] | None = None,
    customer_message: str = "",
    version: int | None = None,
) -> list[Ticket]:
    """L2 verifies the delivered fix on one, some (`ticket_ids`) or all of the problem's
    tickets in verifying, each through `ticket_verify_fix`: passed resolves it (its
    customer is mailed in their partner's brand), failed sends only that ticket back to
    L3 and the problem back to fix in progress. Naming a ticket that is not the problem's
    or not verifying is refused with nothing written."""
    require_role(actor, WORKERS, "verify fixes")
    problem = get_problem(actor, problem_id, for_update=True)
    check_version(problem, version)
    verifying = _linked(actor, problem).filter(level=2, status=Status.VERIFYING)
    ids = list(verifying.values_list("pk", flat=True))
    if ticket_ids is not None:
        wrong = sorted(set(ticket_ids) - set(ids))
        if wrong or not ticket_ids:
            raise InvalidInput(
                {"ticket_ids": "must name tickets of this problem waiting for verification"}
            )
        ids = [i for i in ids if i in set(ticket_ids)]
    if not ids:
        raise WrongState("No ticket of this problem waits for verification.")
    # The customer is told only when the fix passed (a failed one goes back to L3 unseen).
    told = (customer_message.strip() or _delivered_message(problem)) if passed else ""
    extra = with_customer_message(tickets.ticket_verify_fix, told)
    done = [
        tickets.ticket_verify_fix(
            actor=actor, ticket_id=ticket_id, passed=passed, notes=notes, **extra
        )
        for ticket_id in ids
    ]
    if not passed and problem.status == ProblemStatus.FIX_DELIVERED:
        before = _set_status(problem, ProblemStatus.FIX_IN_PROGRESS)
        record(
            problem,
            actor,
            ProblemEventKind.UPDATED,
            clock.now(),
            from_status=before,
            note=notes,
            data={"failed_tickets": ids},
        )
    return done


@transaction.atomic
def problem_apply_workaround(
    *,
    actor: Actor,
    problem_id: int,
    ticket_id: int,
    customer_message: str = "",
    version: int | None = None,
) -> Ticket:
    """Resolve one linked ticket with the problem's workaround while the problem stays
    open (`ticket_resolve`, cause platform defect). The ticket stays linked and its
    customer is told when the fix ships. `customer_message` is what the customer reads;
    without it, the workaround when it is public. An internal workaround needs one."""
    require_role(actor, WORKERS, "resolve tickets with a workaround")
    problem = get_problem(actor, problem_id, for_update=True)
    check_version(problem, version)
    if not problem.is_open:
        raise WrongState("The problem is no longer open.")
    ticket = _linked(actor, problem).filter(pk=ticket_id).first()
    link = ticket_problem_link(ticket) if ticket is not None else None
    if link is None or link.problem_id != problem.pk:
        raise InvalidInput({"ticket_id": "is not a ticket of this problem"})
    if not problem.workaround.strip():
        raise InvalidInput({"workaround": "The problem has no workaround yet."})
    told = customer_message.strip() or (problem.workaround if problem.workaround_public else "")
    if not told:
        raise InvalidInput(
            {"customer_message": "The workaround is internal: write what the customer reads."}
        )
    extra = with_customer_message(tickets.ticket_resolve, told)
    # Until the ticket service takes a separate customer text, the resolution is what the
    # customer reads, so it must be the customer's text and nothing internal.
    resolution = f"Workaround ({problem.reference}): {told}" if extra else told
    ticket = tickets.ticket_resolve(
        actor=actor,
        ticket_id=ticket_id,
        resolution=resolution,
        cause=ResolutionCause.PLATFORM_DEFECT,
        **extra,
    )
    now = clock.now()
    link.workaround_at = now
    link.save(update_fields=["workaround_at"])
    record(problem, actor, ProblemEventKind.WORKAROUND_APPLIED, now, data={"ticket_id": ticket_id})
    return ticket


@transaction.atomic
def problem_release(
    *,
    actor: Actor,
    problem_id: int,
    release: str = "",
    customer_message: str = "",
    version: int | None = None,
) -> Problem:
    """The fix shipped: tickets still waiting at L3 get it delivered (reference: the
    problem's fix reference, else the release), and the customer of every ticket resolved
    with the workaround is told once, with a public reply on their ticket (mailed in
    their partner's brand; a closed ticket is not written to)."""
    require_role(actor, ENGINEERS, "release fixes")
    problem = get_problem(actor, problem_id, for_update=True)
    check_version(problem, version)
    if problem.status in (ProblemStatus.RELEASED, ProblemStatus.CLOSED):
        raise WrongState("The problem is already released or closed.")
    release = (release or problem.fix_release).strip()
    reference = problem.fix_reference or release
    if not reference:
        raise InvalidInput({"release": "Name the release (no fix reference was given)."})
    moved = _deliver_waiting(actor, problem, reference=reference, release=release, notes="")
    told = _tell_workaround_customers(problem, customer_message.strip() or FIX_SHIPPED_DEFAULT)
    problem.fix_release = release
    before = _set_status(problem, ProblemStatus.RELEASED)
    record(
        problem,
        actor,
        ProblemEventKind.RELEASED,
        clock.now(),
        from_status=before,
        data={"release": release, "moved": [t.pk for t in moved], "told": told},
    )
    return problem


def _tell_workaround_customers(problem: Problem, text: str) -> list[int]:
    told = []
    now = clock.now()
    waiting = (
        _linked(SYSTEM, problem)
        .filter(problem_link__workaround_at__isnull=False, problem_link__fix_told_at__isnull=True)
        .exclude(status=Status.CLOSED)
        .select_related("problem_link")
    )
    for ticket in waiting:
        tickets.message_add(actor=SYSTEM, ticket_id=ticket.pk, body=text, internal=False)
        link = ticket.problem_link
        link.fix_told_at = now
        link.save(update_fields=["fix_told_at"])
        told.append(ticket.pk)
    return told


@transaction.atomic
def problem_close(*, actor: Actor, problem_id: int, version: int | None = None) -> Problem:
    """Close the problem. Refused while a linked ticket still waits at L3 or in
    verification (Conflict): they would be orphaned."""
    require_role(actor, ENGINEERS, "close problems")
    problem = get_problem(actor, problem_id, for_update=True)
    check_version(problem, version)
    if problem.status == ProblemStatus.CLOSED:
        raise WrongState("The problem is already closed.")
    waiting = (
        visible_tickets(SYSTEM)
        .filter(problem_link__problem=problem)
        .filter(level=3, status__in=(Status.NEW, Status.IN_PROGRESS))
        .exists()
        or visible_tickets(SYSTEM)
        .filter(problem_link__problem=problem, status=Status.VERIFYING)
        .exists()
    )
    if waiting:
        raise Conflict("Tickets of this problem still wait for the fix or its verification.")
    before = _set_status(problem, ProblemStatus.CLOSED)
    record(problem, actor, ProblemEventKind.CLOSED, clock.now(), from_status=before)
    return problem
