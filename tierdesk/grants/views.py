"""The customer's side of support access, in the portal: record a grant, record its
revocation. Parse → service → back to the ticket (the portal's one 404 for the rest)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tierdesk.core.errors import DomainError, NotFound
from tierdesk.grants import services
from tierdesk.grants.forms import GrantForm
from tierdesk.portal.views import Portal, customer_view
from tierdesk.tickets import access


def _ticket(portal: Portal, number: int):
    try:
        return access.get_ticket_by_number(portal.actor, number)
    except NotFound:
        raise Http404("Ticket not found.") from None


@require_POST
@customer_view
def grant(request: HttpRequest, portal: Portal, number: int) -> HttpResponse:
    ticket = _ticket(portal, number)
    form = GrantForm(request.POST)
    back = redirect("portal:ticket", number)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {' '.join(errors)}")
        return back
    try:
        services.grant_record(
            actor=portal.actor,
            ticket_id=ticket.pk,
            workspace_id=form.cleaned_data["workspace_id"],
            until=form.cleaned_data["until"],
        )
    except DomainError as exc:
        fields = getattr(exc, "fields", None) or {}
        for name, reason in fields.items():
            label = form.fields[name].label if name in form.fields else name
            messages.error(request, f"{label}: {reason}")
        if not fields:
            messages.error(request, exc.message)
        return back
    messages.success(request, _("Thank you: support knows it may look into the workspace."))
    return back


@require_POST
@customer_view
def revoke(request: HttpRequest, portal: Portal, number: int, grant_id: int) -> HttpResponse:
    ticket = _ticket(portal, number)
    try:
        services.grant_revoke(actor=portal.actor, ticket_id=ticket.pk, grant_id=grant_id)
    except NotFound:
        raise Http404("Grant not found.") from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Noted: support no longer looks into the workspace."))
    return redirect("portal:ticket", number)
