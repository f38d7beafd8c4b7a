"""What every ticket view shares: the actor, the ticket, and turning a domain refusal
into a page with the right status (never a stack trace)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tierdesk.core.actor import Actor, actor_for
from tierdesk.core.errors import DomainError, Forbidden, NotFound, StaleVersion
from tierdesk.core.web import request_actor
from tierdesk.tickets import selectors
from tierdesk.tickets.changes import changes_since
from tierdesk.tickets.models import Ticket


def actor_or_403(request: HttpRequest) -> Actor:
    """The signed-in person's actor; 403 for an account without a role (not a 500)."""
    actor = request_actor(request)
    if actor is None:
        try:
            actor = actor_for(request.user)
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from None
    return actor


def ticket_or_404(actor: Actor, number: int) -> Ticket:
    try:
        return selectors.ticket_for_page(actor, number)
    except NotFound:
        raise Http404("Ticket not found.") from None


def refuse(exc: DomainError) -> None:
    """The refusals that have pages of their own: 404 (missing and not yours alike) and
    403 (the role may not)."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from None
    if isinstance(exc, Forbidden):
        raise PermissionDenied(exc.message) from None


def render_refusal(
    request: HttpRequest, template: str, context: dict[str, Any], exc: DomainError
) -> HttpResponse:
    """The page again, with the refusal on it and its status code (409, 413, 422…)."""
    refuse(exc)
    context = {**context, "refusal": exc, "missing": getattr(exc, "missing", [])}
    if isinstance(exc, StaleVersion) and context.get("ticket") is not None:
        actor = request_actor(request)
        if actor is not None:
            context["changes"] = changes_since(actor, context["ticket"], exc.seen)
    return render(request, template, context, status=exc.status)
