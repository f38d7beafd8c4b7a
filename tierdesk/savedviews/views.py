"""The console's saved views: save the queue as it is filtered, rename, share, delete."""

from __future__ import annotations

from urllib.parse import parse_qsl

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tierdesk.core.htmx import redirect
from tierdesk.savedviews import selectors, services
from tierdesk.savedviews.services import FILTER_KEYS
from tierdesk.tickets.views.common import actor_or_403


def _staff(request: HttpRequest):
    actor = actor_or_403(request)
    if actor.is_customer:
        raise PermissionDenied("Saved views are for support staff.")
    return actor


@login_required
@require_http_methods(["GET", "POST"])
def view_list(request: HttpRequest) -> HttpResponse:
    """GET: the views one sees, to rename, share or delete. POST: save the queue as it is
    filtered (`queue`, `query`: the queue page's query string, `name`, `shared`)."""
    actor = _staff(request)
    if request.method == "GET":
        return render(request, "savedviews/list.html", {"views": selectors.sidebar(actor)})
    query = dict(parse_qsl(request.POST.get("query", "")))
    filters = {k: v for k, v in query.items() if k in FILTER_KEYS}
    queue = request.POST.get("queue", "")
    try:
        view = services.view_create(
            actor=actor,
            name=request.POST.get("name", ""),
            queue=queue,
            filters=filters,
            shared=bool(request.POST.get("shared")),
        )
    except (InvalidInput, Conflict, Forbidden) as exc:
        reasons = getattr(exc, "fields", None) or {"": exc.message}
        for name, reason in reasons.items():
            messages.error(request, f"{name}: {reason}" if name else reason)
        back = reverse("queue", args=[queue]) if queue.replace("_", "").isalnum() else "/"
        return redirect(request, f"{back}?{request.POST.get('query', '')}")
    messages.success(request, _("View saved: %(name)s.") % {"name": view.name})
    return redirect(request, selectors.view_url(view))


@login_required
@require_GET
def view_nav(request: HttpRequest) -> HttpResponse:
    """The sidebar's saved views with their counts (two queries however many views)."""
    actor = _staff(request)
    context = {"views": selectors.sidebar(actor), "current_view": request.GET.get("view", "")}
    return render(request, "savedviews/_nav.html", context)


@login_required
@require_POST
def view_change(request: HttpRequest, view_id: int) -> HttpResponse:
    """Rename or (un)share a view; with `delete`, delete it."""
    actor = _staff(request)
    try:
        if request.POST.get("delete"):
            services.view_delete(actor=actor, view_id=view_id)
            messages.success(request, _("View deleted."))
        else:
            changes = {
                "name": request.POST.get("name", ""),
                "shared": bool(request.POST.get("shared")),
            }
            services.view_update(actor=actor, view_id=view_id, changes=changes)
            messages.success(request, _("View saved."))
    except NotFound:
        raise Http404("Saved view not found.") from None
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None
    except InvalidInput as exc:
        for name, reason in exc.fields.items():
            messages.error(request, f"{name}: {reason}")
    return redirect(request, reverse("saved-views"))
