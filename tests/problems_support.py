"""Builders for the problem tests: tickets of both partners escalated onto one problem,
through the real services."""

from __future__ import annotations

from tests.factories import World, record_reproduction, ticket_at
from tierdesk.accounts.models import Organisation
from tierdesk.problems import services
from tierdesk.problems.models import Problem


def brand_partners(world: World) -> None:
    """Each partner mails as itself, so a mail's brand is readable from its sender."""
    Organisation.objects.filter(pk=world.acme.pk).update(
        sender_name="Acme Support", sender_email="support@acme.example", ticket_tag="ACME"
    )
    Organisation.objects.filter(pk=world.globex.pk).update(
        sender_name="Globex Help", sender_email="help@globex.example", ticket_tag="GLX"
    )


def escalated(world: World, partner: str, problem: Problem | None = None):
    """A ticket of `partner` reproduced at L2 and escalated onto `problem` (or a new one).
    Returns (ticket id, problem)."""
    ticket = ticket_at(world, "in_progress@L2", partner)
    record_reproduction(world, ticket.pk)
    problem = services.problem_escalate(
        actor=world.actor("l2"),
        ticket_id=ticket.pk,
        problem_id=problem.pk if problem else None,
        fields=None
        if problem
        else {
            # L2 names the problem (a new one's default title is neutral)
            "title": "Orders sync fails with 401 after the token refresh",
            "public_summary": "Salesforce sessions expire mid-run; we are fixing it.",
            "internal_analysis": "Refresh token not persisted after rotation (token.js:88).",
        },
    )
    return ticket.pk, problem


def three_tickets_two_partners(world: World) -> tuple[Problem, list[int]]:
    first, problem = escalated(world, "acme")
    second, _ = escalated(world, "acme", problem)
    third, _ = escalated(world, "globex", problem)
    return problem, [first, second, third]
