"""The customer's own sessions in the portal, in their brand (accounts/session_views.py
lists and ends them for the console alike)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET, require_POST

from tierdesk.accounts import session_views
from tierdesk.portal.views import Portal, _page, customer_view


@require_GET
@customer_view
def session_list(request: HttpRequest, portal: Portal) -> HttpResponse:
    context = session_views.sessions_context(
        request, end_url="portal:session-end", end_others_url="portal:sessions-end-others"
    )
    return _page(request, portal, "portal/sessions.html", context)


@require_POST
@customer_view
def session_end(request: HttpRequest, portal: Portal, session_id: int) -> HttpResponse:
    return session_views.end_one(request, session_id, back="portal:sessions")


@require_POST
@customer_view
def sessions_end_others(request: HttpRequest, portal: Portal) -> HttpResponse:
    return session_views.end_others(request, back="portal:sessions")
