"""The person's own sessions (ASVS 3.3.4): the list, ending one, ending all others. The
agent console shows them under /settings/sessions/, the customer portal under
/portal/sessions/ in the customer's brand (portal/account_views.py); both end them here."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from tierdesk.accounts import sessions
from tierdesk.core.errors import NotFound
from tierdesk.core.web import request_actor


def sessions_context(request: HttpRequest, *, end_url: str, end_others_url: str) -> dict:
    listed = sessions.own_sessions(request.user, current_key=request.session.session_key)
    return {
        "sessions": listed,
        "others": sum(1 for s in listed if not s.current),
        "end_url": end_url,
        "end_others_url": end_others_url,
    }


def end_one(request: HttpRequest, session_id: int, *, back: str) -> HttpResponse:
    """End one session of the signed-in person; their own current one signs them out.
    Another person's session is NotFound, like one that never existed (a 404)."""
    key = sessions.session_end(user=request.user, session_id=session_id)
    if key == request.session.session_key:
        logout(request)
        messages.success(request, _("You are signed out."))
        return redirect("login")
    messages.success(request, _("The session is ended: it is signed out."))
    return redirect(back)


def end_others(request: HttpRequest, *, back: str) -> HttpResponse:
    count = sessions.sessions_end_others(user=request.user, keep_key=request.session.session_key)
    messages.success(
        request,
        ngettext("%(count)d other session is ended.", "%(count)d other sessions are ended.", count)
        % {"count": count},
    )
    return redirect(back)


def _customer(request: HttpRequest) -> bool:
    actor = request_actor(request)
    return actor is not None and actor.is_customer


@login_required
@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    if _customer(request):
        return redirect("portal:sessions")  # customers see theirs in their brand
    context = sessions_context(request, end_url="session-end", end_others_url="sessions-end-others")
    return render(request, "accounts/sessions.html", context)


@login_required
@require_POST
def session_end(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        return end_one(request, session_id, back="sessions")
    except NotFound:
        raise Http404("No such session.") from None


@login_required
@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    return end_others(request, back="sessions")
