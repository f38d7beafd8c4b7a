"""The assign control's post: one call of `services.ticket_assign`; a refusal shows the
ticket page again with the reason beside the control and the service's status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tierdesk.core.errors import DomainError, InvalidInput, StaleVersion
from tierdesk.core.htmx import redirect
from tierdesk.tickets import assignees, services
from tierdesk.tickets.forms.assign import AssignForm
from tierdesk.tickets.views.common import actor_or_403, render_refusal, ticket_or_404
from tierdesk.tickets.views.detail import ticket_context

PAGE = "tickets/ticket_detail.html"


def _form(actor, ticket, data) -> AssignForm:
    may = assignees.may_assign(actor, ticket)
    people = list(assignees.eligible_assignees(ticket)) if may else []
    form = AssignForm(data, people=people)
    form.may_assign = may
    return form


@login_required
@require_POST
def ticket_assign(request: HttpRequest, number: int) -> HttpResponse:
    actor = actor_or_403(request)
    ticket = ticket_or_404(actor, number)
    form = _form(actor, ticket, request.POST)
    if not form.may_assign and (
        request.POST.get("assignee") or not assignees.may_hand_back(actor, ticket)
    ):
        raise PermissionDenied("You may not assign this ticket.")
    if not form.is_valid():
        exc: DomainError = InvalidInput({k: " ".join(v) for k, v in form.errors.items()})
        return _refused(request, actor, number, exc)
    try:
        services.ticket_assign(
            actor=actor,
            ticket_id=ticket.pk,
            assignee_id=form.cleaned_data["assignee"],
            reason=form.cleaned_data["reason"],
            version=form.cleaned_data.get("version"),
        )
    except DomainError as exc:
        return _refused(request, actor, number, exc)
    if form.cleaned_data["assignee"] is None:
        messages.success(request, _("The ticket is back in the queue."))
    else:
        messages.success(request, _("The ticket is assigned."))
    return redirect(request, reverse("ticket-detail", args=[number]))


def _refused(request: HttpRequest, actor, number: int, exc: DomainError) -> HttpResponse:
    ticket = ticket_or_404(actor, number)  # as it is now
    data = request.POST.copy()
    if isinstance(exc, StaleVersion):
        data["version"] = str(ticket.version)  # keep the choice, on the current version
    form = _form(actor, ticket, data)
    form.is_valid()
    if isinstance(exc, InvalidInput):
        for name, reason in exc.fields.items():
            if name in form.fields and name not in form.errors:
                form.add_error(name, reason)
    context = ticket_context(request, actor, ticket, bound={"assign": form})
    return render_refusal(request, PAGE, context, exc)
