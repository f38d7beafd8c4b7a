"""The search page of the console and of the portal: parse → selector → render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tierdesk.core.errors import InvalidInput
from tierdesk.portal.views import Portal, _page, customer_view
from tierdesk.search import selectors
from tierdesk.tickets.views.common import actor_or_403


def _results(request: HttpRequest, actor) -> tuple[selectors.Results | None, str, int]:
    q = request.GET.get("q", "").strip()
    if not q:
        return None, "", 200
    try:
        return selectors.search(actor, q, cursor=request.GET.get("cursor") or None), "", 200
    except InvalidInput as exc:
        return None, "; ".join(exc.fields.values()) if exc.fields else exc.message, 422


@login_required
@require_GET
def search_page(request: HttpRequest) -> HttpResponse:
    actor = actor_or_403(request)
    results, problem, status = _results(request, actor)
    context = {"results": results, "q": request.GET.get("q", ""), "problem": problem}
    return render(request, "search/search.html", context, status=status)


@require_GET
@customer_view
def portal_search(request: HttpRequest, portal: Portal) -> HttpResponse:
    results, problem, status = _results(request, portal.actor)
    context = {"results": results, "q": request.GET.get("q", ""), "problem": problem}
    return _page(request, portal, "search/portal_search.html", context, status=status)
