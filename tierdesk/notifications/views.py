"""The bell, the notifications page, read marks, preferences and following a ticket.
Thin: parse, call a service or a selector, render. Staff only; customers get 403."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.core.errors import NotFound
from tierdesk.core.htmx import redirect as htmx_redirect
from tierdesk.core.web import request_actor
from tierdesk.notifications import selectors, services
from tierdesk.notifications.models import NotificationKind
from tierdesk.tickets import access


def _staff(request: HttpRequest):
    actor = request_actor(request)
    if actor is None or actor.is_customer:
        raise PermissionDenied("Notifications are for support staff.")
    return actor


def poll_seconds() -> int:
    return settings.TIERDESK_BELL_POLL_SECONDS


@login_required
@require_GET
def bell(request: HttpRequest) -> HttpResponse:
    """The bell with its unread count: the partial the page polls."""
    actor = _staff(request)
    context = {"unread": selectors.unread_count(actor), "poll_seconds": poll_seconds()}
    return render(request, "notifications/_bell.html", context)


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    unread_only = request.GET.get("unread") == "1"
    rows = selectors.latest(actor, unread_only=unread_only)
    context = {"rows": rows, "unread_only": unread_only, "poll_seconds": poll_seconds()}
    return render(request, "notifications/list.html", context)


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    actor = _staff(request)
    try:
        row = services.notification_read(actor=actor, notification_id=notification_id)
    except NotFound:
        raise Http404("Notification not found.") from None
    if request.POST.get("open"):
        return redirect("ticket-detail", row.ticket.number)
    return htmx_redirect(request, reverse("notifications"))


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    count = services.notifications_read_all(actor=actor)
    messages.success(request, _("%(n)d marked read.") % {"n": count})
    return htmx_redirect(request, reverse("notifications"))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    if request.method == "POST":
        choices = {
            kind: (
                request.POST.get(f"{kind}-app") == "on",
                request.POST.get(f"{kind}-mail") == "on",
            )
            for kind in NotificationKind.values
        }
        services.preferences_set(actor=actor, choices=choices)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notification-preferences")
    context = {"rows": selectors.preferences(actor)}
    return render(request, "notifications/preferences.html", context)


@login_required
@require_POST
def follow(request: HttpRequest, number: int) -> HttpResponse:
    actor = _staff(request)
    try:
        ticket = access.get_ticket_by_number(actor, number)
        services.follow_set(
            actor=actor, ticket_id=ticket.pk, following=request.POST.get("follow") == "1"
        )
    except NotFound:
        raise Http404("Ticket not found.") from None
    return redirect("ticket-detail", number)
