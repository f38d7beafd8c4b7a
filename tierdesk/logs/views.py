"""The whole log, paged and searchable: parse → selector → render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tierdesk.core.errors import NotFound
from tierdesk.logs import selectors
from tierdesk.tickets.views.common import actor_or_403


def _int(value: str | None, default: int | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except (TypeError, ValueError):
        return default


@login_required
@require_GET
def log_view(request: HttpRequest, attachment_id: int) -> HttpResponse:
    actor = actor_or_403(request)
    try:
        page = selectors.log_page(
            actor,
            attachment_id,
            page=_int(request.GET.get("page"), 1) or 1,
            line=_int(request.GET.get("line"), None),
            query=request.GET.get("q", ""),
        )
    except NotFound:
        raise Http404("Log not found.") from None
    context = {
        "page": page,
        "ticket": page.attachment.ticket,
        "highlight": _int(request.GET.get("line"), None),
        "staff": not actor.is_customer,
    }
    return render(request, "logs/log_view.html", context)
