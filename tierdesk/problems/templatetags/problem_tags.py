"""The ticket page's problem block: `{% load problem_tags %}{% ticket_problem ticket %}`.
Shows the ticket's problem as the reader may see it and, for staff, its links and the
link and merge forms."""

from __future__ import annotations

from django import template

from tierdesk.problems import forms, selectors
from tierdesk.problems.access import sees_internals, ticket_problem_link
from tierdesk.problems.models import ProblemStatus
from tierdesk.problems.services._common import WORKERS

register = template.Library()


@register.filter
def problem_status(value: str) -> str:
    """A problem status as people read it, in their language."""
    try:
        return str(ProblemStatus(value).label)
    except ValueError:
        return value


@register.inclusion_tag("problems/_ticket_block.html", takes_context=True)
def ticket_problem(context, ticket):
    actor = context.get("actor")
    if actor is None or ticket is None:
        return {"show": False}
    link = ticket_problem_link(ticket)
    staff = not actor.is_customer
    problem = selectors.problem_view(actor, link.problem, ticket_count=0) if link else None
    matches = []
    if staff and problem is None:
        text = f"{ticket.title} {ticket.actual_behaviour} {ticket.description}"
        matches = selectors.matching_open_problems(actor, text, limit=3)
    escalate_form = None
    if (
        link is None
        and actor.role in WORKERS
        and (ticket.level, ticket.status) == (2, "in_progress")
    ):
        from tierdesk.problems.views import open_problem_choices

        escalate_form = forms.EscalateForm(problems=open_problem_choices(actor))
    return {
        "actor": actor,
        "escalate_form": escalate_form,
        "matches": matches,
        "can_link": actor.role in WORKERS,
        "show": bool(problem) or staff,
        "problem": problem,
        "staff": staff,
        "internal": sees_internals(actor),
        "links": selectors.link_rows(actor, ticket) if staff else [],
        "ticket": ticket,
        "link_form": forms.TicketLinkForm(),
        "merge_form": forms.MergeForm(),
        "csrf_token": context.get("csrf_token"),
    }
