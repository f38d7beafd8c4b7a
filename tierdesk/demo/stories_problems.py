"""The demo's problem record: the Salesforce refresh-token defect behind three tickets of
Northwind's and Bluefin's customers and a direct customer of the vendor. Written through
the problem services after the stories played, so the tickets stay where the stories
left them."""

from __future__ import annotations

from tierdesk.core.actor import SYSTEM
from tierdesk.demo.story import Cast
from tierdesk.problems import services
from tierdesk.problems.access import ticket_problem
from tierdesk.tickets.access import visible_tickets

SF_SESSION_TITLES = (
    "Salesforce contacts sync: INVALID_SESSION_ID after a few hours",
    "Salesforce contacts sync fails every ~2 hours with INVALID_SESSION_ID",
    "Salesforce contacts sync: 401 every two hours",
)


def link_problems(cast: Cast) -> None:
    tickets = visible_tickets(SYSTEM).filter(title__in=SF_SESSION_TITLES).order_by("number")
    by_title = {t.title: t.pk for t in tickets}
    first, *others = [by_title[title] for title in SF_SESSION_TITLES if title in by_title]
    # Lena's escalation of the first ticket opened the problem; Jonas describes it.
    problem = ticket_problem(SYSTEM, first)
    fields = {
        "title": "OAuth2 credentials lose their rotated refresh token",
        "public_summary": "Salesforce (and other OAuth2) connections stop with "
        "INVALID_SESSION_ID about two hours after they were connected. We have found "
        "the cause and are working on a fix.",
        "internal_analysis": "secrets-service OAuth2Refresher.refresh() persists only "
        "access_token and expires_in; a rotated refresh_token in the token response is "
        "dropped, so the next refresh uses a revoked token (invalid_grant).",
        "components": ["secrets-service", "salesforce-component"],
        "workaround": "Reconnect the Salesforce credential in the platform; it works "
        "again for about two hours. A scheduled reconnect is not needed: the fix is "
        "on its way.",
        "workaround_public": True,
    }
    if problem is None:
        problem = services.problem_create(actor=cast.actor("jonas"), ticket_id=first, fields=fields)
    else:
        services.problem_update(actor=cast.actor("jonas"), problem_id=problem.pk, fields=fields)
    for ticket_id in others:
        services.problem_link_ticket(
            actor=cast.actor("lena"), problem_id=problem.pk, ticket_id=ticket_id
        )
    services.problem_start_fix(actor=cast.actor("jonas"), problem_id=problem.pk)
