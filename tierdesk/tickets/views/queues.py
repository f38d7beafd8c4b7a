"""The queues: each role's work, nearest deadline first, filtered and paged."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from tierdesk.core.errors import NotFound
from tierdesk.core.htmx import render_page
from tierdesk.tickets import selectors
from tierdesk.tickets.forms import QueueFilterForm
from tierdesk.tickets.forms.bulk import BulkForm
from tierdesk.tickets.ordering import ordered_page
from tierdesk.tickets.services.bulk import BULK_MAX
from tierdesk.tickets.views.common import actor_or_403

PAGE_SIZE = 25


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Everything the person may see (their queues are one click away in the nav)."""
    return _queue(request, "all")


@login_required
@require_GET
def queue(request: HttpRequest, key: str) -> HttpResponse:
    return _queue(request, key)


def _queue(request: HttpRequest, key: str) -> HttpResponse:
    actor = actor_or_403(request)
    partners = selectors.partner_choices(actor)
    form = QueueFilterForm(request.GET or None, partners=partners)
    filters = form.filters() if form.is_valid() else selectors.QueueFilters()
    try:
        tickets = selectors.queue_tickets(actor, key, filters)
    except NotFound:
        raise Http404("No such queue.") from None
    rows, next_cursor = ordered_page(
        tickets, order=filters.order, cursor=request.GET.get("after", ""), limit=PAGE_SIZE
    )
    query = request.GET.copy()
    query.pop("after", None)
    context = {
        "queue": selectors.QUEUES[key],
        "current_queue": key,
        "tickets": rows,
        "next_cursor": next_cursor,
        "is_later_page": bool(request.GET.get("after")),
        "filter_query": query.urlencode(),
        "form": form,
        "filtered": form.is_valid() and any(form.cleaned_data.values()),
        "show_partner": bool(partners),
        "bulk_form": BulkForm(actor=actor, initial={"next": request.get_full_path()}),
        "bulk_max": BULK_MAX,
        "poll_seconds": settings.TIERDESK_QUEUE_POLL_SECONDS,
    }
    return render_page(request, "tickets/queue.html", "tickets/_queue_results.html", context)
