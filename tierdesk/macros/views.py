"""The macros pages of the console (behind the console's door, `urls.py`), the reply
box's search and the apply post. Thin: parse, call a service or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tierdesk.core.actor import Actor
from tierdesk.core.errors import DomainError, InvalidInput
from tierdesk.macros import access, placeholders, selectors, services
from tierdesk.macros.forms import MacroForm, SignatureForm
from tierdesk.macros.models import Macro, Scope
from tierdesk.tickets.forms import MessageForm
from tierdesk.tickets.views.common import actor_or_403, refuse, render_refusal, ticket_or_404
from tierdesk.tickets.views.detail import ticket_context

LIST, FORM = "macros/list.html", "macros/form.html"


def _staff(request: HttpRequest) -> Actor:
    actor = actor_or_403(request)
    if not access.is_staff(actor):
        raise PermissionDenied("Macros are for support staff.")
    return actor


def _scopes(actor: Actor) -> list[str]:
    scopes = [Scope.PERSONAL]
    if access.manages_organisation_macros(actor):
        scopes.append(Scope.ORGANISATION)
    return scopes


def _draft(form: MacroForm) -> services.MacroDraft:
    data = form.cleaned_data
    return services.MacroDraft(
        name=data["name"],
        body=data.get("body") or "",
        set_priority=data.get("set_priority") or "",
        action=data.get("action") or "",
        resolution=data.get("resolution") or "",
        cause=data.get("cause") or "",
    )


def _form_page(request, actor, form, macro: Macro | None, status: int = 200) -> HttpResponse:
    context = {
        "form": form,
        "macro": macro,
        "placeholders": placeholders.PLACEHOLDERS,
        "kb_help": placeholders.KB_HELP,
    }
    return render(request, FORM, context, status=status)


def _show_invalid(form: MacroForm, exc: InvalidInput) -> None:
    for name, reason in exc.fields.items():
        form.add_error(name if name in form.fields else None, reason)


@login_required
@require_GET
def macro_list(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    query = request.GET.get("q", "")[:100]
    rows = list(selectors.macro_list(actor, query=query))
    for macro in rows:
        macro.may_manage = access.may_manage(actor, macro)
    context = {
        "macros": rows,
        "query": query,
        "signature_form": SignatureForm(initial={"signature": selectors.signature_of(actor)}),
        "manages_organisation": access.manages_organisation_macros(actor),
    }
    return render(request, LIST, context)


@login_required
@require_http_methods(["GET", "POST"])
def macro_new(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    if request.method == "GET":
        return _form_page(request, actor, MacroForm(scopes=_scopes(actor)), None)
    form = MacroForm(request.POST, scopes=_scopes(actor))
    if form.is_valid():
        try:
            macro = services.macro_create(
                actor=actor, scope=form.cleaned_data["scope"], draft=_draft(form)
            )
        except InvalidInput as exc:
            _show_invalid(form, exc)
        except DomainError as exc:
            refuse(exc)
            raise
        else:
            messages.success(request, _("Macro “%(name)s” saved.") % {"name": macro.name})
            return redirect("macro-list")
    return _form_page(request, actor, form, None, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def macro_edit(request: HttpRequest, macro_id: int) -> HttpResponse:
    actor = _staff(request)
    try:
        macro = access.get_macro(actor, macro_id)
        if not access.may_manage(actor, macro):
            raise PermissionDenied("Your organisation's macros are managed by its administrators.")
    except DomainError as exc:
        refuse(exc)
        raise
    if request.method == "GET":
        initial = {
            f: getattr(macro, f)
            for f in ("name", "body", "set_priority", "action", "resolution", "cause", "version")
        }
        form = MacroForm(initial={**initial, "scope": macro.scope}, scopes=[macro.scope])
        return _form_page(request, actor, form, macro)
    form = MacroForm(request.POST, scopes=[macro.scope])
    if form.is_valid():
        try:
            services.macro_update(
                actor=actor,
                macro_id=macro.pk,
                draft=_draft(form),
                version=form.cleaned_data.get("version"),
            )
        except InvalidInput as exc:
            _show_invalid(form, exc)
        except DomainError as exc:
            refuse(exc)
            form.add_error(None, exc.message)
            return _form_page(request, actor, form, macro, status=exc.status)
        else:
            messages.success(
                request, _("Macro “%(name)s” saved.") % {"name": form.cleaned_data["name"]}
            )
            return redirect("macro-list")
    return _form_page(request, actor, form, macro, status=422)


@login_required
@require_POST
def macro_delete(request: HttpRequest, macro_id: int) -> HttpResponse:
    actor = _staff(request)
    try:
        services.macro_delete(actor=actor, macro_id=macro_id)
    except DomainError as exc:
        refuse(exc)
        raise
    messages.success(request, _("Macro deleted."))
    return redirect("macro-list")


@login_required
@require_POST
def signature_post(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    form = SignatureForm(request.POST)
    if form.is_valid():
        try:
            services.signature_set(actor=actor, body=form.cleaned_data["signature"])
        except InvalidInput as exc:
            form.add_error("signature", exc.fields.get("signature", exc.message))
        else:
            messages.success(request, _("Your signature is saved."))
            return redirect("macro-list")
    context = {"macros": [], "signature_form": form, "query": ""}
    return render(request, LIST, context, status=422)


@login_required
@require_GET
def macro_search(request: HttpRequest, number: int) -> HttpResponse:
    """The reply box's search (htmx): macros matching `q`, rendered for the ticket."""
    actor = _staff(request)
    ticket = ticket_or_404(actor, number)
    query = request.GET.get("macro_q", "")[:100]
    context = {"picks": selectors.picks(actor, ticket, query), "ticket": ticket, "query": query}
    return render(request, "macros/_results.html", context)


@login_required
@require_POST
def macro_apply(request: HttpRequest, macro_id: int, number: int) -> HttpResponse:
    """The reply box sent with a macro: its reply as edited, its fields and action."""
    actor = _staff(request)
    ticket = ticket_or_404(actor, number)
    raw_version = request.POST.get("macro_version", "")
    version = int(raw_version) if raw_version.isascii() and raw_version.isdigit() else None
    body = request.POST.get("body")
    try:
        services.macro_apply(
            actor=actor,
            macro_id=macro_id,
            ticket_id=ticket.pk,
            version=version,
            body=body,
            sign=request.POST.get("sign") == "1",
        )
    except DomainError as exc:
        form = MessageForm(request.POST)
        form.is_valid()
        context = ticket_context(request, actor, ticket, bound={"message": form})
        return render_refusal(request, "tickets/ticket_detail.html", context, exc)
    messages.success(request, _("The macro is applied."))
    return redirect(reverse("ticket-detail", args=[number]) + "#conversation")
