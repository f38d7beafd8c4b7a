"""The presence beat: the ticket page posts it every few seconds (htmx) and swaps in the
answer, the list of the others here."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from tierdesk.core.errors import Forbidden, NotFound
from tierdesk.core.web import request_actor
from tierdesk.presence import services
from tierdesk.tickets import access


@login_required
@require_POST
def beat(request: HttpRequest, number: int) -> HttpResponse:
    actor = request_actor(request)
    if actor is None or actor.is_customer:
        raise PermissionDenied("Presence is for support staff.")
    try:
        ticket = access.get_ticket_by_number(actor, number)
        ticket, others = services.presence_beat(
            actor=actor, ticket_id=ticket.pk, writing=bool(request.POST.get("body", "").strip())
        )
    except NotFound:
        raise Http404("Ticket not found.") from None
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None
    block = {"others": others, "beat_seconds": settings.TIERDESK_PRESENCE_BEAT_SECONDS}
    return render(request, "presence/_presence.html", {"ticket": ticket, "block": block})
