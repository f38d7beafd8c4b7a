"""The saved views a person sees, each with its ticket count: two queries however many
views (the views, then one aggregate over `visible_tickets` with a count per view)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.http import QueryDict
from django.urls import reverse

from tierdesk.core.actor import Actor
from tierdesk.core.errors import NotFound
from tierdesk.savedviews.access import may_manage, visible_views
from tierdesk.savedviews.models import SavedView
from tierdesk.tickets import selectors as tickets
from tierdesk.tickets.access import visible_tickets
from tierdesk.tickets.forms import QueueFilterForm


def view_condition(actor: Actor, view: SavedView, partners: list) -> Q | None:
    """The view's tickets as a condition on the actor's visible tickets; None when the
    view's queue or filters do not apply to this actor (a queue of another role)."""
    form = QueueFilterForm(QueryDict(urlencode(view.filters)), partners=partners)
    if not form.is_valid():
        return None
    try:
        return tickets.queue_condition(actor, view.queue, form.filters())
    except NotFound:
        return None


def view_url(view: SavedView) -> str:
    query = urlencode({**view.filters, "view": view.pk})
    return f"{reverse('queue', args=[view.queue])}?{query}"


def sidebar(actor: Actor) -> list[dict[str, Any]]:
    """Each view the actor sees: name, link, shared, whether they manage it, and its count
    (None when it does not apply to them)."""
    views = list(visible_views(actor).select_related("owner"))
    if not views:
        return []
    partners = tickets.partner_choices(actor) if any("partner" in v.filters for v in views) else []
    conditions = {v.pk: view_condition(actor, v, partners) for v in views}
    counted = {f"v{pk}": Count("pk", filter=q) for pk, q in conditions.items() if q is not None}
    counts = visible_tickets(actor).aggregate(**counted) if counted else {}
    return [
        {
            "view": v,
            "url": view_url(v),
            "count": counts.get(f"v{v.pk}"),
            "manage": may_manage(actor, v),
        }
        for v in views
    ]
