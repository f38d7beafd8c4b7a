"""The ticket page's "log time" post."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tierdesk.core.errors import Forbidden, InvalidInput, NotFound
from tierdesk.core.web import request_actor
from tierdesk.tickets import access
from tierdesk.tickets.views.common import render_refusal
from tierdesk.tickets.views.detail import ticket_context
from tierdesk.timelog import services
from tierdesk.timelog.policy import may_set_policy, minutes_required, time_policy_set


@login_required
@require_POST
def time_post(request: HttpRequest, number: int) -> HttpResponse:
    actor = request_actor(request)
    if actor is None or actor.is_customer:
        raise PermissionDenied("Time is logged by support staff.")
    try:
        ticket = access.get_ticket_by_number(actor, number)
    except NotFound:
        raise Http404("Ticket not found.") from None
    try:
        raw = request.POST.get("minutes", "").strip()
        minutes = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 6 else -1
        services.time_log(
            actor=actor,
            ticket_id=ticket.pk,
            minutes=minutes,
            kind=request.POST.get("kind", ""),
            note=request.POST.get("note", ""),
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None
    except InvalidInput as exc:
        # The ticket page again, 422, the reasons beside the fields, what was typed kept.
        context = ticket_context(request, actor, ticket)
        context.update(time_errors=exc.fields, time_posted=request.POST)
        return render_refusal(request, "tickets/ticket_detail.html", context, exc)
    messages.success(request, _("Time logged."))
    return redirect(reverse("ticket-detail", args=[number]) + "#time")


@login_required
def time_settings(request: HttpRequest) -> HttpResponse:
    """An administrator's switch: does their organisation require minutes with every
    reply, note and action?"""
    actor = request_actor(request)
    if actor is None or not may_set_policy(actor):
        raise PermissionDenied("Only an administrator of the organisation sets this.")
    if request.method == "POST":
        try:
            required = bool(request.POST.get("minutes_required"))
            time_policy_set(actor=actor, minutes_required=required)
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from None
        messages.success(request, _("Saved."))
        return redirect(reverse("time-settings"))
    context = {"minutes_required": minutes_required(actor.org_id)}
    return render(request, "timelog/settings.html", context)
