"""The triage panel on the ticket page and the L1 checks' suggestions in the ticket form:
`tickets/` templates include them with `{% load triage_ui %}`, so the core knows no triage."""

from __future__ import annotations

from django import template

from tierdesk.core.web import request_actor
from tierdesk.triage import selectors
from tierdesk.triage.models import RESOLUTION_CAUSE, Cause

register = template.Library()


@register.inclusion_tag("triage/_panel.html", takes_context=True)
def triage_panel(context) -> dict:
    request = context.get("request")
    ticket = context.get("ticket")
    actor = request_actor(request) if request is not None else None
    if actor is None or ticket is None or actor.is_customer:
        return {"show": False}
    actions = context.get("actions") or []
    findings = selectors.ticket_findings(actor, ticket)
    for finding in findings:
        finding["resolution_cause"] = RESOLUTION_CAUSE[Cause(finding["cause"])]
    return {
        "show": True,
        "ticket": ticket,
        "findings": findings,
        "probes": selectors.ticket_probes(ticket),
        "can_act": ticket.status != "closed",
        "can_resolve": "resolve" in actions and ticket.level == 1,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("triage/_l1_checks.html", takes_context=True)
def triage_l1_checks(context) -> dict:
    request = context.get("request")
    ticket = context.get("ticket")
    actor = request_actor(request) if request is not None else None
    if actor is None or ticket is None or actor.is_customer:
        return {"suggestions": {}, "findings": []}
    findings = selectors.ticket_findings(actor, ticket)
    return {
        "suggestions": selectors.l1_check_suggestions(actor, ticket, findings),
        "findings": findings,
    }
