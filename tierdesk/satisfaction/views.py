"""The rating page behind the resolved mail's link: no sign-in, in the partner's brand."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tierdesk.core.actor import actor_for
from tierdesk.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from tierdesk.core.web import request_actor
from tierdesk.portal.selectors import brand_for
from tierdesk.satisfaction import services
from tierdesk.tickets import access


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    try:
        target = services.check_link(token)
    except DomainError as exc:
        return render(request, "satisfaction/rate.html", {"refused": str(exc)}, status=410)
    context = {
        "brand": brand_for(actor_for(target.customer)),
        "ticket": target.ticket,
        "scores": range(1, 6),
        "errors": {},
    }
    if request.method == "POST":
        try:
            services.rating_from_link(
                token=token,
                score=request.POST.get("score"),
                comment=request.POST.get("comment", ""),
            )
        except InvalidInput as exc:
            context["errors"] = exc.fields
            return render(request, "satisfaction/rate.html", context, status=422)
        except DomainError as exc:
            return render(request, "satisfaction/rate.html", {"refused": str(exc)}, status=410)
        return render(request, "satisfaction/rate.html", {**context, "thanks": True})
    return render(request, "satisfaction/rate.html", context)


@login_required
@require_POST
def reopen(request: HttpRequest, number: int) -> HttpResponse:
    """Staff reopen the conversation after a low rating (the ticket page's button)."""
    actor = request_actor(request)
    if actor is None or actor.is_customer:
        raise PermissionDenied("Staff reopen the conversation.")
    try:
        ticket = access.get_ticket_by_number(actor, number)
    except NotFound:
        raise Http404("Ticket not found.") from None
    try:
        services.reopen_after_rating(actor=actor, ticket_id=ticket.pk)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        from tierdesk.tickets.views.common import render_refusal
        from tierdesk.tickets.views.detail import ticket_context

        context = ticket_context(request, actor, ticket)
        return render_refusal(request, "tickets/ticket_detail.html", context, exc)
    messages.success(request, _("Reopened: the ticket is back in progress."))
    return redirect(reverse("ticket-detail", args=[number]))
