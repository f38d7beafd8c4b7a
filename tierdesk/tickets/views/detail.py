"""The ticket page and its attachments."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from tierdesk.accounts.models import Role
from tierdesk.core.actor import Actor
from tierdesk.core.errors import NotFound
from tierdesk.directory.selectors import directory_names
from tierdesk.tickets import access, assignees, sections, selectors, workflow
from tierdesk.tickets.downloads import attachment_response
from tierdesk.tickets.forms import MessageForm, ReproductionForm, UploadForm, action_form
from tierdesk.tickets.forms.assign import AssignForm
from tierdesk.tickets.models import Attachment, Ticket
from tierdesk.tickets.services import may_edit
from tierdesk.tickets.sniff import sniff_content_type
from tierdesk.tickets.views.common import actor_or_403, ticket_or_404

PREVIEW_LINES = 60
PREVIEW_BYTES = 64 * 1024
# Only raster images are ever sent as images; SVG can carry script, so it is download-only.
INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def log_preview(attachment: Attachment) -> str:
    """The first lines of a text attachment (escaped by the template)."""
    try:
        with attachment.file.open("rb") as handle:
            head = handle.read(PREVIEW_BYTES)
    except OSError:
        return ""
    lines = head.decode("utf-8", errors="replace").splitlines()
    return "\n".join(lines[:PREVIEW_LINES])


def ticket_context(
    request: HttpRequest,
    actor: Actor,
    ticket: Ticket,
    *,
    bound: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the ticket page shows. `bound` holds forms that were posted and
    refused, to show again with their errors in place of the empty ones."""
    bound = bound or {}
    page = selectors.ticket_page(actor, ticket)
    actions = workflow.allowed_actions(actor, ticket)
    forms = {a: bound.get(a) or action_form(a, lead=actor.is_lead) for a in actions}
    for form in forms.values():
        if not form.is_bound:
            form.initial["version"] = ticket.version
    for attachment in page["attachments"]:
        attachment.preview = log_preview(attachment) if attachment.is_text else ""
        attachment.inline_image = attachment.content_type in INLINE_IMAGES
    checklist = None
    if "hand_over" in actions:
        checklist = selectors.handover_check(ticket)
    reproduction_form = None
    if not actor.is_customer and (ticket.level, ticket.status) == (2, "in_progress"):
        if actor.level == 2:
            reproduction_form = bound.get("reproduction") or ReproductionForm(
                attachments=page["attachments"], initial=_reproduction_initial(ticket, page)
            )
    work_first = working_here(actor, ticket)
    context = {
        "ticket": ticket,
        "staff": not actor.is_customer,
        # The level working the ticket reads the conversation first; what is done (the
        # report once handed over, the handover, the reproduction) folds into summaries.
        "work_first": work_first,
        "report_open": not work_first or ticket.level == 1,
        "names": directory_names(
            contract_id=ticket.contract_id,
            workspace_id=ticket.workspace_id,
            flow_id=ticket.flow_id,
        ),
        "actions": actions,
        "action_forms": forms,
        "checklist": checklist,
        "message_form": bound.get("message") or MessageForm(customer=actor.is_customer),
        "upload_form": bound.get("upload") or UploadForm(),
        "reproduction_form": reproduction_form,
        "can_edit": may_edit(actor, ticket),
        "can_write": ticket.status != "closed",
        "assign_form": assign_form(actor, ticket, bound.get("assign")),
        # Blocks outer apps add (the SLA clocks, …): `tickets.sections`.
        **sections.page_values(actor, ticket),
        **page,
    }
    return context


def working_here(actor: Actor, ticket: Ticket) -> bool:
    """Whether the viewer works the ticket now: staff of its level (an admin at any), on a
    ticket that is not closed."""
    if actor.is_customer or ticket.status == "closed":
        return False
    return actor.level == ticket.level or actor.role == Role.ADMIN


def assign_form(actor: Actor, ticket: Ticket, bound: AssignForm | None) -> AssignForm | None:
    """The assign control for those who may assign (a select of eligible people) or hand
    their own ticket back (a button); None for everyone else."""
    if actor.is_customer or not assignees.may_hand_back(actor, ticket):
        return None
    if bound is not None:
        return bound
    may = assignees.may_assign(actor, ticket)
    people = list(assignees.eligible_assignees(ticket)) if may else []
    form = AssignForm(
        people=people, initial={"assignee": ticket.assignee_id, "version": ticket.version}
    )
    form.may_assign = may
    return form


def _reproduction_initial(ticket: Ticket, page: dict[str, Any]) -> dict[str, Any]:
    record = page["reproduction"]
    if record is not None:
        return {
            "reproduced": record.reproduced,
            "steps": record.steps,
            "environment": record.environment,
            "observed": record.observed,
            "analysis": record.analysis,
            "evidence": [a.pk for a in record.evidence.all()],
            "evidence_log_lines": record.evidence_log_lines,
        }
    ids = [
        f"contract {ticket.contract_id}" if ticket.contract_id else "",
        f"workspace {ticket.workspace_id}" if ticket.workspace_id else "",
        f"flow {ticket.flow_id}" if ticket.flow_id else "",
        f"version {ticket.flow_version}" if ticket.flow_version else "",
    ]
    return {"environment": ", ".join(i for i in ids if i), "steps": ticket.steps_to_reproduce}


@login_required
@require_GET
def ticket_detail(request: HttpRequest, number: int) -> HttpResponse:
    actor = actor_or_403(request)
    ticket = ticket_or_404(actor, number)
    return render(request, "tickets/ticket_detail.html", ticket_context(request, actor, ticket))


def _attachment(request: HttpRequest, attachment_id: int) -> Attachment:
    actor = actor_or_403(request)
    try:
        return access.get_attachment(actor, attachment_id)
    except NotFound:
        raise Http404("Attachment not found.") from None


def _locked_down(response: HttpResponse) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """Always a download, never rendered inline from our origin."""
    return attachment_response(_attachment(request, attachment_id))


@login_required
@require_GET
def attachment_image(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """A screenshot as an image (thumbnails): only bytes that sniff as PNG, JPEG, GIF or
    WebP; anything else is 404 here and download-only."""
    attachment = _attachment(request, attachment_id)
    with attachment.file.open("rb") as handle:
        content = handle.read()
    content_type = sniff_content_type(content[:8192])
    if content_type not in INLINE_IMAGES or attachment.content_type not in INLINE_IMAGES:
        raise Http404("Not an image.")
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = "inline"
    return _locked_down(response)
