"""The triage actions of the ticket page: probe an endpoint, send an article as the
reply, resolve at L1 with a cause. Each posts, calls a service and returns to the page
with the outcome as a message (a refusal names its reason)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tierdesk.core.errors import DomainError, InvalidInput
from tierdesk.tickets.views.common import actor_or_403, refuse, ticket_or_404
from tierdesk.triage import selectors, services

LIVE_FIELDS = ("title", "description", "actual_behaviour")


def _back(number: int) -> HttpResponse:
    return redirect(reverse("ticket-detail", args=[number]) + "#triage")


def _refused(request: HttpRequest, exc: DomainError) -> None:
    refuse(exc)  # 404 and 403 have pages of their own
    if isinstance(exc, InvalidInput):
        reasons = "; ".join(f"{name}: {reason}" for name, reason in exc.fields.items())
        messages.error(request, reasons)
    else:
        messages.error(request, exc.message)


def _int(value: str | None, name: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise InvalidInput({name: "is missing"}) from None


@login_required
@require_POST
def probe(request: HttpRequest, number: int) -> HttpResponse:
    actor = actor_or_403(request)
    ticket = ticket_or_404(actor, number)
    if actor.is_customer:
        raise Http404("Not found.")
    try:
        result = services.probe_run(
            actor=actor, ticket_id=ticket.pk, url=request.POST.get("url", "")
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        if result.ok:
            messages.success(request, _("The endpoint is reachable: %(s)s") % {"s": result.summary})
        else:
            messages.warning(request, _("The probe failed: %(s)s") % {"s": result.summary})
    return _back(number)


@login_required
@require_POST
def send_article(request: HttpRequest, number: int) -> HttpResponse:
    actor = actor_or_403(request)
    ticket = ticket_or_404(actor, number)
    try:
        services.article_send(
            actor=actor,
            ticket_id=ticket.pk,
            article_id=_int(request.POST.get("article"), "article"),
            base_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("The article was sent to the customer as a reply."))
    return _back(number)


@login_required
@require_POST
def resolve(request: HttpRequest, number: int) -> HttpResponse:
    actor = actor_or_403(request)
    ticket = ticket_or_404(actor, number)
    version = request.POST.get("version")
    try:
        services.ticket_resolve_with_cause(
            actor=actor,
            ticket_id=ticket.pk,
            cause=request.POST.get("cause", ""),
            resolution=request.POST.get("resolution", ""),
            version=int(version) if version and version.isdigit() else None,
        )
    except DomainError as exc:
        _refused(request, exc)
    else:
        messages.success(request, _("Resolved at L1 with the cause recorded."))
    return _back(number)


@login_required
@require_POST
def live(request: HttpRequest) -> HttpResponse:
    """The L1 form's aside (htmx): the obvious causes in what the agent has typed so far."""
    actor = actor_or_403(request)
    if actor.is_customer:
        raise Http404("Not found.")
    text = "\n".join(request.POST.get(f, "")[:20_000] for f in LIVE_FIELDS)
    log = request.POST.get("pasted_log", "")[:200_000]
    findings = selectors.diagnose_text(actor, text=text, log=log) if (text + log).strip() else []
    return render(request, "triage/_live.html", {"findings": findings, "typed": bool(text.strip())})
