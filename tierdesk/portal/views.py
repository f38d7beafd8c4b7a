"""The customer portal: parse → call a portal selector or a ticket service → render.

Only customers use it. Anonymous visitors are sent to sign in (and come back); staff are
sent to the agent console (the same ticket when they followed a portal ticket link); an
account without a role is refused (403). A ticket that is missing and one that is not the
customer's answer alike: 404, in the customer's brand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.core.actor import Actor
from tierdesk.core.errors import DomainError, InvalidInput, NotFound, TransitionRefused
from tierdesk.core.web import request_actor
from tierdesk.portal import selectors
from tierdesk.portal import services as portal_services
from tierdesk.portal.forms import CloseForm, ReopenForm, ReplyForm, ReportForm
from tierdesk.satisfaction import selectors as satisfaction
from tierdesk.satisfaction import services as rating_services
from tierdesk.tickets import access, services, workflow
from tierdesk.tickets.downloads import attachment_response
from tierdesk.tickets.models import Status, Ticket
from tierdesk.updates import services as updates

PAGE_SIZE = 25
# Shown inline as <img>: raster images only (an SVG could script; a BMP is just large).
INLINE_IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@dataclass(frozen=True)
class Portal:
    actor: Actor
    brand: dict[str, Any]

    def reference(self, number: int) -> str:
        return selectors.reference(self.brand, number)


def _console_url(kwargs: dict) -> str:
    try:
        if "number" in kwargs:
            return reverse("ticket-detail", args=[kwargs["number"]])
        return reverse("home")
    except NoReverseMatch:
        return "/"


def customer_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed-in customers only (times and language are the person's own, set by
    core.middleware); a NotFound from the domain becomes the portal's own 404 page, in the
    customer's brand rather than the console's."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        actor = request_actor(request)
        if actor is None:
            raise PermissionDenied("This account has no role in any organisation.")
        if not actor.is_customer:
            return redirect(_console_url(kwargs))
        portal = Portal(actor=actor, brand=selectors.brand_for(actor))
        try:
            return view(request, portal, *args, **kwargs)
        except NotFound:
            return _page(request, portal, "portal/not_found.html", {}, status=404)

    return wrapped


def _page(request, portal: Portal, template: str, context: dict, status: int = 200):
    return render(
        request,
        template,
        {"portal": portal, "brand": portal.brand, "actor": portal.actor, **context},
        status=status,
    )


def _field_errors(form, exc: DomainError) -> None:
    """Put a service's refusal beside the fields it names, the rest at the top."""
    if isinstance(exc, InvalidInput):
        problems = list(exc.fields.items())
    elif isinstance(exc, TransitionRefused):
        problems = [(missing.code, missing.message) for missing in exc.missing]
    else:
        problems = [("", exc.message)]
    for name, reason in problems:
        form.add_error(name if name in form.fields else None, reason)


# ---------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------
@require_GET
@customer_view
def ticket_list(request: HttpRequest, portal: Portal) -> HttpResponse:
    show = request.GET.get("show", selectors.SHOW_OPEN)
    if show not in selectors.SHOWS:
        show = selectors.SHOW_OPEN
    tickets = selectors.customer_tickets(portal.actor, show=show)
    page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(
        request,
        portal,
        "portal/ticket_list.html",
        {
            "page": page,
            "show": show,
            "shows": (
                (selectors.SHOW_OPEN, _("Open")),
                (selectors.SHOW_DONE, _("Resolved and closed")),
                (selectors.SHOW_ALL, _("All")),
            ),
            "waiting": selectors.waiting_count(portal.actor),
        },
    )


@require_http_methods(["GET", "POST"])
@customer_view
def ticket_new(request: HttpRequest, portal: Portal) -> HttpResponse:
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = portal_services.report_open(
                actor=portal.actor,
                data=form.ticket_data(),
                files={name: form.cleaned_data[name] for name in ("logs", "screenshots")},
            )
        except DomainError as exc:
            _field_errors(form, exc)
        else:
            messages.success(
                request,
                _("Thank you. We received your report as %(ref)s.")
                % {"ref": portal.reference(ticket.number)},
            )
            return redirect("portal:ticket", number=ticket.number)
    status = 422 if form.is_bound and form.errors else 200
    return _page(request, portal, "portal/ticket_new.html", {"form": form}, status=status)


def _detail(
    request: HttpRequest,
    portal: Portal,
    ticket: Ticket,
    *,
    reply_form: ReplyForm | None = None,
    reopen_form: ReopenForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    conversation, loose_files = selectors.conversation(portal.actor, ticket)
    window = selectors.reopen_window(ticket)
    waiting_on_us = ticket.status in (Status.NEW, Status.IN_PROGRESS, Status.VERIFYING)
    can_reopen = window.open and workflow.may("reopen", portal.actor, ticket)
    return _page(
        request,
        portal,
        "portal/ticket_detail.html",
        {
            "ticket": ticket,
            "reference": portal.reference(ticket.number),
            "conversation": conversation,
            "files": loose_files,
            "reopen_window": window,
            "can_reopen": can_reopen,
            "can_close": workflow.may("close", portal.actor, ticket),
            "can_reply": ticket.status not in (Status.RESOLVED, Status.CLOSED),
            "reply_form": reply_form or ReplyForm(),
            "reopen_form": reopen_form or ReopenForm(initial={"version": ticket.version}),
            "close_form": CloseForm(initial={"version": ticket.version}),
            "answer_by": updates.customer_answer_at(ticket) if waiting_on_us else None,
            "rating": satisfaction.rating_of(ticket),
            "names": selectors.directory_names(ticket),
            "can_rate": ticket.status in (Status.RESOLVED, Status.CLOSED)
            and ticket.resolved_at is not None
            and ticket.customer_id == portal.actor.user_id,
            "optional_updates": updates.wants_optional(portal.actor.user),
            **_grants(ticket),
            "error": error,
        },
        status=status,
    )


def _grants(ticket: Ticket) -> dict[str, Any]:
    """The support access the customer recorded on the ticket, and the form for more."""
    if not apps.is_installed("tierdesk.grants"):
        return {}
    from tierdesk.grants.forms import GrantForm
    from tierdesk.grants.selectors import ticket_grants

    return {
        "grants": ticket_grants(ticket),
        "grant_form": GrantForm(initial={"workspace_id": ticket.workspace_id}),
    }


@require_GET
@customer_view
def ticket_detail(request: HttpRequest, portal: Portal, number: int) -> HttpResponse:
    ticket = access.get_ticket_by_number(portal.actor, number)
    return _detail(request, portal, ticket)


@require_POST
@customer_view
def ticket_reply(request: HttpRequest, portal: Portal, number: int) -> HttpResponse:
    ticket = access.get_ticket_by_number(portal.actor, number)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        was_waiting = ticket.status == Status.WAITING_ON_CUSTOMER
        try:
            portal_services.reply_send(
                actor=portal.actor,
                ticket_id=ticket.pk,
                body=form.cleaned_data["body"],
                files={name: form.cleaned_data[name] for name in ("logs", "screenshots")},
            )
        except DomainError as exc:
            _field_errors(form, exc)
        else:
            note = (
                _("Thank you for your answer; support carries on with your ticket.")
                if was_waiting
                else _("Your reply was sent.")
            )
            messages.success(request, note)
            return redirect(reverse("portal:ticket", args=[number]) + "#conversation")
    ticket = access.get_ticket_by_number(portal.actor, number)
    return _detail(request, portal, ticket, reply_form=form, status=422)


@require_POST
@customer_view
def ticket_reopen(request: HttpRequest, portal: Portal, number: int) -> HttpResponse:
    ticket = access.get_ticket_by_number(portal.actor, number)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            services.ticket_act(
                actor=portal.actor,
                ticket_id=ticket.pk,
                action="reopen",
                payload={"reason": form.cleaned_data["reason"]},
                version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            _field_errors(form, exc)
        else:
            messages.success(request, _("Your ticket is open again; support is on it."))
            return redirect("portal:ticket", number=number)
    ticket = access.get_ticket_by_number(portal.actor, number)
    return _detail(request, portal, ticket, reopen_form=form, status=422)


@require_POST
@customer_view
def ticket_close(request: HttpRequest, portal: Portal, number: int) -> HttpResponse:
    ticket = access.get_ticket_by_number(portal.actor, number)
    form = CloseForm(request.POST)
    version = form.cleaned_data["version"] if form.is_valid() else None
    try:
        services.ticket_act(
            actor=portal.actor,
            ticket_id=ticket.pk,
            action="close",
            payload={"confirmed": True},
            version=version,
        )
    except DomainError as exc:
        ticket = access.get_ticket_by_number(portal.actor, number)
        return _detail(request, portal, ticket, error=exc.message, status=exc.status)
    messages.success(request, _("Thank you for confirming. The ticket is closed."))
    return redirect("portal:ticket", number=number)


@require_GET
@customer_view
def attachment_file(request: HttpRequest, portal: Portal, attachment_id: int) -> FileResponse:
    """A public file of one of the customer's tickets. A download, except raster
    screenshots asked for `?inline=1` (thumbnails); never an SVG or text rendered from
    our origin."""
    attachment = access.get_attachment(portal.actor, attachment_id)
    inline = request.GET.get("inline") == "1" and attachment.content_type in INLINE_IMAGE_TYPES
    return attachment_response(attachment, inline=inline)


@require_POST
@customer_view
def updates_preference(request: HttpRequest, portal: Portal) -> HttpResponse:
    """The customer turns the optional updates (hand-over, escalation, delivered fix) on
    or off; the resolution is always mailed."""
    wanted = request.POST.get("optional_updates") == "on"
    updates.update_preference_set(actor=portal.actor, optional_updates=wanted)
    messages.success(
        request,
        _("You will get a mail at every step of your tickets.")
        if wanted
        else _("You will get a mail only when your ticket is resolved."),
    )
    back = request.POST.get("next", "")
    if not back.startswith("/portal/") or back.startswith("//"):
        back = reverse("portal:tickets")
    return redirect(back)


@require_POST
@customer_view
def ticket_rate(request: HttpRequest, portal: Portal, number: int) -> HttpResponse:
    """The customer rates the help on their resolved ticket (1-5, a comment)."""
    ticket = access.get_ticket_by_number(portal.actor, number)
    try:
        rating_services.rating_submit(
            actor=portal.actor,
            ticket_id=ticket.pk,
            score=request.POST.get("score"),
            comment=request.POST.get("comment", ""),
        )
    except DomainError as exc:
        return _detail(request, portal, ticket, error=str(exc), status=422)
    messages.success(request, _("Thank you for your rating."))
    return redirect(reverse("portal:ticket", args=[number]))
