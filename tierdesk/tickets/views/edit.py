"""The L1 ticket form (create and edit) with its live handover checklist."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tierdesk.core.actor import Actor
from tierdesk.core.errors import DomainError, InvalidInput, TransitionRefused
from tierdesk.core.htmx import redirect, trigger
from tierdesk.directory.platform import PlatformUrlError, parse_platform_url
from tierdesk.tickets import selectors, services, workflow
from tierdesk.tickets.forms import TicketForm
from tierdesk.tickets.forms.ticket import EDIT_FIELDS
from tierdesk.tickets.models import Ticket
from tierdesk.tickets.views.actions import upload_files
from tierdesk.tickets.views.common import actor_or_403, refuse, ticket_or_404

PAGE = "tickets/ticket_form.html"


def _form(actor: Actor, data=None, files=None, *, ticket: Ticket | None = None) -> TicketForm:
    creating = ticket is None
    customers = selectors.partner_customers(actor.org_id) if creating and actor.org_id else None
    initial = {} if creating else {f: getattr(ticket, f) for f in EDIT_FIELDS}
    if not creating:
        initial["is_blocker"] = {True: "yes", False: "no"}.get(ticket.is_blocker, "")
    return TicketForm(
        data,
        files,
        initial=initial,
        customers=customers if not actor.is_customer else None,
        staff=not actor.is_customer,
        creating=creating,
    )


def _page(request, actor, form, ticket=None, *, status=200, refusal=None) -> HttpResponse:
    draft_ticket = ticket or Ticket(partner_id=actor.org_id)
    form.is_bound and form.is_valid()
    overrides = _overrides(form)
    context = {
        "form": form,
        "ticket": ticket,
        "checklist": selectors.handover_check(draft_ticket, overrides, typist=actor),
        "items": workflow.HANDOVER_ITEMS,
        "may_hand_over": _may_hand_over(actor, ticket),
        "refusal": refusal,
        "missing": getattr(refusal, "missing", []),
    }
    return render(request, PAGE, context, status=status)


def _may_hand_over(actor: Actor, ticket: Ticket | None) -> bool:
    if ticket is None:
        return workflow.may("create", actor, None) and actor.is_partner_staff
    return workflow.may("hand_over", actor, ticket) or (
        workflow.may("take", actor, ticket) and ticket.level == 1
    )


def _overrides(form: TicketForm) -> dict[str, Any]:
    values = form.overrides() if form.is_bound else {}
    url = (form.data.get("platform_url") or "").strip() if form.is_bound else ""
    if url:
        try:
            ref = parse_platform_url(url)
        except PlatformUrlError:
            pass
        else:
            values.update(contract_id=ref.contract_id, workspace_id=ref.workspace_id)
            values.update(flow_id=ref.flow_id)
    for key in ("contract_id", "workspace_id", "flow_id"):
        if isinstance(values.get(key), str):
            values[key] = values[key].strip().lower()
    return values


def _hand_over(actor: Actor, ticket: Ticket) -> None:
    """Take it first when it is still new at L1, then hand it over."""
    if workflow.may("take", actor, ticket) and ticket.level == 1:
        ticket = services.ticket_take(actor=actor, ticket_id=ticket.pk, version=ticket.version)
    services.ticket_hand_over(actor=actor, ticket_id=ticket.pk, version=ticket.version)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_new(request: HttpRequest) -> HttpResponse:
    actor = actor_or_403(request)
    if not workflow.may("create", actor, None):
        raise PermissionDenied(_("Your role does not open tickets."))
    if request.method == "GET":
        return _page(request, actor, _form(actor))
    form = _form(actor, request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, actor, form, status=422)
    try:
        ticket = services.ticket_create(
            actor=actor,
            data=form.changes(),
            customer=form.cleaned_data.get("customer") or None,
        )
    except InvalidInput as exc:
        form.show_refusal(exc)
        return _page(request, actor, form, status=exc.status)
    except DomainError as exc:
        refuse(exc)
        return _page(request, actor, form, status=exc.status, refusal=exc)
    upload_files(actor, ticket.pk, form, internal=None if actor.is_customer else True)
    messages.success(request, _("Ticket %(ref)s is open.") % {"ref": ticket.reference})
    return _after_save(request, actor, ticket, form)


@login_required
@require_http_methods(["GET", "POST"])
def ticket_edit(request: HttpRequest, number: int) -> HttpResponse:
    actor = actor_or_403(request)
    ticket = ticket_or_404(actor, number)
    if not services.may_edit(actor, ticket):
        raise PermissionDenied(_("You may not edit this ticket now."))
    if request.method == "GET":
        return _page(request, actor, _form(actor, ticket=ticket), ticket)
    form = _form(actor, request.POST, request.FILES, ticket=ticket)
    if not form.is_valid():
        return _page(request, actor, form, ticket, status=422)
    try:
        ticket = services.ticket_update(
            actor=actor,
            ticket_id=ticket.pk,
            changes=form.changes(),
            version=_int(request.POST.get("version")),
        )
    except InvalidInput as exc:
        form.show_refusal(exc)
        return _page(request, actor, form, ticket, status=exc.status)
    except DomainError as exc:
        refuse(exc)
        fresh = ticket_or_404(actor, number)
        return _page(request, actor, form, fresh, status=exc.status, refusal=exc)
    upload_files(actor, ticket.pk, form, internal=None if actor.is_customer else True)
    messages.success(request, _("Saved."))
    return _after_save(request, actor, ticket, form)


def _after_save(request, actor: Actor, ticket: Ticket, form: TicketForm) -> HttpResponse:
    ticket = ticket_or_404(actor, ticket.number)
    if form.errors:  # a file was refused: show it beside the field, on the saved ticket
        return _page(request, actor, form, ticket, status=422)
    if request.POST.get("then") == "hand_over":
        try:
            _hand_over(actor, ticket)
        except TransitionRefused as exc:
            fresh = ticket_or_404(actor, ticket.number)
            return _page(request, actor, _form(actor, ticket=fresh), fresh, status=422, refusal=exc)
        except DomainError as exc:
            refuse(exc)
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Handed over to L2."))
    return redirect(request, reverse("ticket-detail", args=[ticket.number]))


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def checklist(request: HttpRequest, number: int | None = None) -> HttpResponse:
    """The handover checklist for the form as typed (htmx partial): the same gate the
    hand-over service applies."""
    actor = actor_or_403(request)
    ticket = ticket_or_404(actor, number) if number else None
    form = _form(actor, request.POST, ticket=ticket)
    form.is_valid()
    draft_ticket = ticket or Ticket(partner_id=actor.org_id)
    context = {
        "checklist": selectors.handover_check(draft_ticket, _overrides(form), typist=actor),
        "items": workflow.HANDOVER_ITEMS,
        "may_hand_over": _may_hand_over(actor, ticket),
        "ticket": ticket,
        "button_form": "ticket-form",
    }
    return render(request, "tickets/_checklist.html", context)


@login_required
@require_POST
def platform_ids(request: HttpRequest) -> HttpResponse:
    """Parse a pasted platform URL and answer the ID fields filled in (htmx partial)."""
    actor = actor_or_403(request)
    data = request.POST.copy()
    error = ""
    url = (data.get("platform_url") or "").strip()
    if url:
        try:
            ref = parse_platform_url(url)
        except PlatformUrlError as exc:
            error = str(exc)
        else:
            data["contract_id"], data["workspace_id"] = ref.contract_id, ref.workspace_id
            data["flow_id"], data["flow_version"] = ref.flow_id, ref.flow_version
    form = _form(actor, data)
    response = render(request, "tickets/_platform_ids.html", {"form": form, "url_error": error})
    return trigger(response, "checklist-refresh")
