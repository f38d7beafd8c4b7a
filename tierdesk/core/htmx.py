"""Helpers for pages that htmx also asks for in parts (STYLE.md: a page view returns its
partial for htmx requests)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request that is not a history restore (which wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    page: str,
    partial: str,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    """The whole page, or only its partial when htmx asks."""
    template = partial if is_htmx(request) else page
    return render(request, template, context, status=status)


def trigger(response: HttpResponse, event: str, detail: Any = None) -> HttpResponse:
    """Ask the page to fire `event` (HX-Trigger) once the response is swapped in."""
    existing = json.loads(response.headers.get("HX-Trigger", "{}") or "{}")
    existing[event] = detail
    response["HX-Trigger"] = json.dumps(existing)
    return response


def redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect htmx follows as a full page load (HX-Redirect), or a plain 303."""
    if is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    response = HttpResponse(status=303)
    response["Location"] = url
    return response
