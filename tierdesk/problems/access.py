"""Who sees which problem, and how much of it — the problems' one door, built on the
tickets' (`tickets.access.visible_tickets`).

| role | sees problems | of a problem |
|---|---|---|
| L2, lead, admin, L3 | all | everything, every linked ticket |
| L1, partner admin | all (that it exists) | public parts, their organisation's tickets |
| customer | those linked to their tickets | public parts |

The public parts are the title, status, public summary and a public workaround.

`get_problem` raises NotFound for "missing" and "not yours" alike. A ticket's links show
only the tickets at their other end that the actor may see.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from tierdesk.accounts.models import Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import NotFound
from tierdesk.problems.models import Problem, ProblemTicket, TicketLink
from tierdesk.tickets.access import get_ticket, visible_tickets
from tierdesk.tickets.models import Ticket


def sees_internals(actor: Actor) -> bool:
    """Vendor support staff read a problem's analysis, internal workaround and tracker."""
    return actor.sees_all_partners or actor.role == Role.L3_ENGINEER


def visible_problems(actor: Actor) -> QuerySet[Problem]:
    problems = Problem.objects.all()
    if sees_internals(actor) or actor.is_partner_staff:
        return problems
    if actor.is_customer:
        mine = ProblemTicket.objects.filter(ticket__in=visible_tickets(actor))
        return problems.filter(pk__in=mine.values("problem_id"))
    return problems.none()


def get_problem(actor: Actor, problem_id: int, *, for_update: bool = False) -> Problem:
    problems = visible_problems(actor)
    if for_update:
        problems = problems.select_for_update(of=("self",))
    try:
        return problems.get(pk=problem_id)
    except (Problem.DoesNotExist, ValueError, TypeError):
        raise NotFound("Problem not found.") from None


def problem_tickets(actor: Actor, problem: Problem) -> QuerySet[Ticket]:
    """The problem's tickets this actor may see (a customer's own, a partner's own)."""
    return visible_tickets(actor).filter(problem_link__problem=problem)


def ticket_problem_link(ticket: Ticket, *, for_update: bool = False) -> ProblemTicket | None:
    """The link of a ticket already obtained through `tickets.access` (`get_ticket`,
    `visible_tickets`) to its problem, with the problem; None when it has none. The one
    read of a ticket's `ProblemTicket` (a ticket belongs to one problem at most)."""
    links = ProblemTicket.objects.filter(ticket=ticket).select_related("problem")
    if for_update:
        links = links.select_for_update(of=("self",))
    return links.first()


def ticket_problem(actor: Actor, ticket_id: int) -> Problem | None:
    """The problem of a ticket the actor may see (NotFound if they may not see it)."""
    link = ticket_problem_link(get_ticket(actor, ticket_id))
    return link.problem if link else None


def ticket_links(actor: Actor, ticket: Ticket) -> QuerySet[TicketLink]:
    """Links of a ticket already obtained through `get_ticket`, whose other end the actor
    may see too. Customers get none (a merge is told to them in the conversation)."""
    if actor.is_customer:
        return TicketLink.objects.none()
    seen = visible_tickets(actor)
    return (
        TicketLink.objects.filter(
            Q(source=ticket, target__in=seen) | Q(target=ticket, source__in=seen)
        )
        .select_related("source", "target")
        .order_by("created_at", "pk")
    )
