"""The queue's bulk form: one action on the selected tickets, each through its own
service; the queue again with one notice per refused ticket ("#1234: refused — why")
beside the count of those done."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tierdesk.core.errors import InvalidInput
from tierdesk.core.htmx import redirect
from tierdesk.tickets import services
from tierdesk.tickets.forms.bulk import ACTION_LABELS, BulkForm
from tierdesk.tickets.views.common import actor_or_403


def _next(request: HttpRequest, url: str) -> str:
    safe = url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else reverse("home")


@login_required
@require_POST
def bulk_post(request: HttpRequest) -> HttpResponse:
    actor = actor_or_403(request)
    form = BulkForm(request.POST, actor=actor)
    back = _next(request, request.POST.get("next", ""))
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(request, back)
    data = form.cleaned_data
    try:
        outcomes = services.tickets_bulk(
            actor=actor,
            action=data["action"],
            items=data["tickets"],
            assignee_id=form.assignee_id() if "assignee" in form.fields else None,
            priority=data.get("priority") or "",
            body=data.get("body") or "",
            reason=data.get("reason") or "",
            minutes=data.get("minutes"),
        )
    except InvalidInput as exc:
        for name, reason in exc.fields.items():
            messages.error(request, f"{name}: {reason}")
        return redirect(request, back)
    done = [o for o in outcomes if o.ok]
    if done:
        messages.success(
            request,
            _("%(action)s: done for %(n)s ticket(s) (%(numbers)s).")
            % {
                "action": ACTION_LABELS[data["action"]],
                "n": len(done),
                "numbers": ", ".join(f"#{o.number}" for o in done),
            },
        )
    for o in outcomes:
        if not o.ok:
            who = f"#{o.number}" if o.number else _("Ticket id %(id)s") % {"id": o.ticket_id}
            messages.error(
                request, _("%(who)s: refused — %(why)s") % {"who": who, "why": o.reason}
            )
    return redirect(request, back)
