"""Writes from the ticket page: every action of the workflow table through one view,
messages, uploads and the reproduction record. Each calls a service; a refusal shows the
page again with the reasons beside the fields and the status the service gave."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tierdesk.core.errors import DomainError, InvalidInput, StaleVersion, TransitionRefused
from tierdesk.core.htmx import redirect
from tierdesk.tickets import access, sections, services, ui_text, workflow, worklog
from tierdesk.tickets.forms import (
    ACTION_FORMS,
    MessageForm,
    ReproductionForm,
    UploadForm,
    action_form,
    guess_kind,
)
from tierdesk.tickets.views.common import actor_or_403, render_refusal, ticket_or_404
from tierdesk.tickets.views.detail import ticket_context

PAGE = "tickets/ticket_detail.html"


def _back(request: HttpRequest, number: int, anchor: str = "") -> HttpResponse:
    url = reverse("ticket-detail", args=[number])
    return redirect(request, f"{url}#{anchor}" if anchor else url)


@login_required
@require_POST
def ticket_action(request: HttpRequest, number: int, action: str) -> HttpResponse:
    """Run one action of the workflow table with the ticket's version as the form saw
    it: a ticket changed since then is not overwritten (409, the page shows why)."""
    if action not in ACTION_FORMS:
        raise Http404("No such action.")
    actor = actor_or_403(request)
    ticket = ticket_or_404(actor, number)
    form = action_form(action, lead=actor.is_lead, data=request.POST)
    if form.is_valid():
        try:
            with worklog.reporting(form.cleaned_data.get("minutes")):
                services.ticket_act(
                    actor=actor,
                    ticket_id=ticket.pk,
                    action=action,
                    payload=form.payload(),
                    version=form.cleaned_data.get("version"),
                )
        except DomainError as exc:
            return _refused(request, actor, number, action, exc)
        messages.success(
            request, _("Done: %(action)s.") % {"action": ui_text.label("action", action)}
        )
        return _back(request, number)
    exc = InvalidInput({k: " ".join(v) for k, v in form.errors.items()})
    return _refused(request, actor, number, action, exc)


def _refused(request, actor, number: int, action: str, exc: DomainError) -> HttpResponse:
    ticket = ticket_or_404(actor, number)  # as it is now, after whatever changed it
    data = request.POST.copy()
    if isinstance(exc, StaleVersion):
        # Keep what they typed, on the current version: they see the change, then decide.
        data[f"{action}-version"] = str(ticket.version)
    form = action_form(action, lead=actor.is_lead, data=data)
    form.is_valid()
    if isinstance(exc, TransitionRefused | InvalidInput):
        form.show_refusal(exc)
    context = ticket_context(request, actor, ticket, bound={action: form})
    context["open_action"] = action
    return render_refusal(request, PAGE, context, exc)


@login_required
@require_POST
def message_post(request: HttpRequest, number: int) -> HttpResponse:
    actor = actor_or_403(request)
    ticket = ticket_or_404(actor, number)
    form = MessageForm(request.POST, customer=actor.is_customer)
    if form.is_valid():
        body, internal = form.cleaned_data["body"], form.cleaned_data.get("internal", False)
        if not actor.is_customer and not internal:
            # What outer apps add to a public reply from the console (the signature).
            body = sections.finish_reply(actor, ticket, body, request.POST)
        try:
            with worklog.reporting(form.cleaned_data.get("minutes")):
                services.message_add(
                    actor=actor, ticket_id=ticket.pk, body=body, internal=internal
                )
        except InvalidInput as exc:
            for name, reason in (exc.fields or {"body": exc.message}).items():
                form.add_error(name if name in form.fields else "body", reason)
        except DomainError as exc:
            return render_refusal(
                request, PAGE, ticket_context(request, actor, ticket, bound={"message": form}), exc
            )
        else:
            messages.success(request, _("Your message is added."))
            return _back(request, number, "conversation")
    context = ticket_context(request, actor, ticket, bound={"message": form})
    return render(request, PAGE, context, status=422)


@login_required
@require_POST
def attachment_upload(request: HttpRequest, number: int) -> HttpResponse:
    """Each file through `attachment_add`; a refused one is named beside the field, the
    others are kept."""
    actor = actor_or_403(request)
    ticket = ticket_or_404(actor, number)
    form = UploadForm(request.POST, request.FILES)
    added = 0
    if form.is_valid():
        internal = None if actor.is_customer else form.cleaned_data.get("internal", True)
        added = upload_files(actor, ticket.pk, form, internal=internal)
    if form.is_valid() and added and not form.errors:
        messages.success(request, _("Files added: %(n)s.") % {"n": added})
        return _back(request, number, "attachments")
    if form.is_valid() and not form.cleaned_data.get("files"):
        form.add_error("files", _("Choose at least one file."))
    context = ticket_context(request, actor, ticket, bound={"upload": form})
    return render(request, PAGE, context, status=422)


def upload_files(actor, ticket_id: int, form, *, internal: bool | None) -> int:
    """Store the form's files; refusals become errors on its `files` field."""
    added = 0
    for upload in form.cleaned_data.get("files") or []:
        kind = form.cleaned_data.get("kind") or "auto"
        if kind == "auto":
            kind = guess_kind(upload.read(8192))
            upload.seek(0)
        try:
            services.attachment_add(
                actor=actor,
                ticket_id=ticket_id,
                file=upload,
                filename=upload.name,
                kind=kind,
                internal=internal,
            )
        except InvalidInput as exc:
            reasons = "; ".join(exc.fields.values())
            form.add_error("files", f"{upload.name}: {reasons}")
        except DomainError as exc:
            form.add_error("files", f"{upload.name}: {exc.message}")
        else:
            added += 1
    return added


@login_required
@require_POST
def reproduction_post(request: HttpRequest, number: int) -> HttpResponse:
    actor = actor_or_403(request)
    ticket = ticket_or_404(actor, number)
    attachments = access.visible_attachments(actor, ticket)
    form = ReproductionForm(request.POST, attachments=attachments)
    if form.is_valid():
        try:
            services.reproduction_record(actor=actor, ticket_id=ticket.pk, **form.service_kwargs())
        except InvalidInput as exc:
            for name, reason in exc.fields.items():
                field = "evidence" if name == "evidence_attachment_ids" else name
                form.add_error(field if field in form.fields else None, reason)
        except DomainError as exc:
            context = ticket_context(request, actor, ticket, bound={"reproduction": form})
            return render_refusal(request, PAGE, context, exc)
        else:
            messages.success(request, _("The reproduction is recorded."))
            return _back(request, number, "reproduction")
    context = ticket_context(request, actor, ticket, bound={"reproduction": form})
    return render(request, PAGE, context, status=422)


@login_required
@require_POST
def reproduction_check(request: HttpRequest, number: int) -> HttpResponse:
    """The escalation gate for the reproduction as typed (htmx, live)."""
    actor = actor_or_403(request)
    ticket = ticket_or_404(actor, number)
    attachments = access.visible_attachments(actor, ticket)
    form = ReproductionForm(request.POST, attachments=attachments)
    form.is_valid()
    data = form.cleaned_data
    draft = workflow.ReproductionDraft(
        reproduced=bool(data.get("reproduced")),
        steps=data.get("steps", ""),
        environment=data.get("environment", ""),
        observed=data.get("observed", ""),
        analysis=data.get("analysis", ""),
        evidence_count=len(data.get("evidence") or []),
        evidence_log_lines=data.get("evidence_log_lines", ""),
    )
    missing = workflow.reproduction_missing(draft)
    return render(request, "tickets/_escalation_gate.html", {"missing": missing, "live": True})
