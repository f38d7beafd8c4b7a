"""Minimal HTML views until the web-UI issue: parse → call a selector → render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tierdesk.core.actor import Actor, actor_for
from tierdesk.core.errors import Forbidden, NotFound
from tierdesk.tickets import access, workflow


def _actor(request: HttpRequest) -> Actor:
    """The signed-in person's actor; 403 for an account without a role (not a 500)."""
    try:
        return actor_for(request.user)
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    tickets = access.visible_tickets(actor).select_related("partner").order_by("-created_at")[:50]
    return render(request, "tickets/home.html", {"actor": actor, "tickets": tickets})


@login_required
@require_GET
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    actor = _actor(request)
    try:
        ticket = access.get_ticket_by_number(actor, number)
    except NotFound:
        raise Http404("Ticket not found.") from None
    return render(
        request,
        "tickets/ticket_detail.html",
        {
            "actor": actor,
            "ticket": ticket,
            "messages_list": access.visible_messages(actor, ticket).select_related("author"),
            "attachments": access.visible_attachments(actor, ticket),
            "events": access.visible_events(actor, ticket).select_related("actor"),
            "actions": workflow.allowed_actions(actor, ticket),
        },
    )


@login_required
@require_GET
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """Always a download, never rendered inline from our origin."""
    actor = _actor(request)
    try:
        attachment = access.get_attachment(actor, attachment_id)
    except NotFound:
        raise Http404("Attachment not found.") from None
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
