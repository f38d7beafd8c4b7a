"""What every ticket view shares: the console's door (customers go to their portal), the
actor, the ticket, and turning a domain refusal into a page with the right status (never
a stack trace)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse

from tierdesk.core.actor import Actor, actor_for
from tierdesk.core.errors import DomainError, Forbidden, NotFound, StaleVersion
from tierdesk.core.htmx import is_htmx
from tierdesk.core.htmx import redirect as see_other
from tierdesk.core.web import request_actor
from tierdesk.tickets import selectors
from tierdesk.tickets.changes import changes_since
from tierdesk.tickets.models import Ticket


def portal_url(kwargs: dict[str, Any], *, image: bool = False) -> str:
    """The portal's page for what a console URL names: a ticket's page, a file, or the
    customer's ticket list. Raises Http404 when no portal is installed."""
    try:
        if "number" in kwargs:
            return reverse("portal:ticket", args=[kwargs["number"]])
        if "attachment_id" in kwargs:
            url = reverse("portal:file", args=[kwargs["attachment_id"]])
            return url + "?inline=1" if image else url
        return reverse("portal:tickets")
    except NoReverseMatch:
        raise Http404("Not found.") from None


def console_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The door of every console URL (tickets/urls.py wraps each view with it).

    A signed-in customer never reaches the console: before the view runs — nothing is
    read, nothing is written — every request, whatever its method, is sent to the
    portal's page for the same thing (the ticket, the file, else the ticket list): 302
    for GET and HEAD, 303 See Other for any other method (so a browser follows with a
    GET and nothing is posted twice), and `HX-Redirect` for htmx requests (a full page
    load instead of a swapped partial). Anonymous visitors and staff pass through."""

    @wraps(view)
    def door(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        actor = request_actor(request)
        if actor is not None and actor.is_customer:
            url = portal_url(kwargs, image=request.path.rstrip("/").endswith("/image"))
            if is_htmx(request) or request.method not in ("GET", "HEAD"):
                return see_other(request, url)
            return HttpResponseRedirect(url)
        return view(request, *args, **kwargs)

    door.console_door = True  # type: ignore[attr-defined]
    return door


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


def console_path(route: str, view: Callable[..., HttpResponse], *, name: str) -> URLPattern:
    """A console URL: the view behind the console's door (`console_view`)."""
    return path(route, console_view(view), name=name)
