"""Console pages for an organisation's webhooks (a partner admin: their partner's; the
vendor's admin: the vendor's). Every read through `notify.access`, every write through
`notify.services`; another organisation's hook is the 404 page, another role 403."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tierdesk.core.errors import Conflict, InvalidInput, WrongState
from tierdesk.identity.forms_console import WebhookForm
from tierdesk.identity.views import _actor, _form_errors, pages
from tierdesk.notify import access, selectors, services
from tierdesk.notify.models import Delivery

RECENT_DELIVERIES = 25


def _last_deliveries(hook_ids: list[int]) -> dict[int, Delivery]:
    """The newest delivery of each hook, in one query."""
    newest = (
        Delivery.objects.filter(webhook_id__in=hook_ids)
        .values("webhook_id")
        .annotate(newest=Max("pk"))
        .values("newest")
    )
    rows = Delivery.objects.filter(pk__in=newest).select_related("outbox")
    return {delivery.webhook_id: delivery for delivery in rows}


@pages
@require_http_methods(["GET", "POST"])
def webhooks(request: HttpRequest) -> HttpResponse:
    """The organisation's hooks with their last delivery; a form for a new one, whose
    secret is shown on the answer page only."""
    actor = _actor(request)
    hooks = list(access.visible_webhooks(actor).order_by("pk"))
    form = WebhookForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            hook, secret = services.webhook_create(actor=actor, **form.cleaned_data)
        except InvalidInput as exc:
            _form_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            form = WebhookForm()
            hooks.append(hook)
    last = _last_deliveries([hook.pk for hook in hooks])
    rows = [(hook, last.get(hook.pk)) for hook in hooks]
    context = {"form": form, "rows": rows, "secret": secret}
    return render(request, "identity/webhooks.html", context, status=422 if form.errors else 200)


@pages
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest, webhook_id: int) -> HttpResponse:
    """One hook: edit it, pause or resume it, rotate its secret, delete it; its recent
    deliveries, a failed one redelivered."""
    actor = _actor(request)
    hook = access.get_webhook(actor, webhook_id)
    action = request.POST.get("action", "save")
    initial = {"url": hook.url, "description": hook.description, "events": hook.events}
    data = request.POST if request.method == "POST" and action == "save" else None
    form = WebhookForm(data, initial=initial)
    secret = None
    if request.method == "POST" and action in ("pause", "resume"):
        services.webhook_update(actor=actor, webhook_id=hook.pk, active=action == "resume")
        text = _("The webhook is paused.") if action == "pause" else _("The webhook is active.")
        messages.success(request, text)
        return redirect("identity:webhook", webhook_id=hook.pk)
    if request.method == "POST" and action == "delete":
        services.webhook_delete(actor=actor, webhook_id=hook.pk)
        messages.success(request, _("The webhook is deleted."))
        return redirect("identity:webhooks")
    if request.method == "POST" and action == "rotate":
        hook, secret = services.webhook_rotate_secret(actor=actor, webhook_id=hook.pk)
    if data is not None and form.is_valid():
        events = form.cleaned_data["events"]
        try:
            services.webhook_update(
                actor=actor,
                webhook_id=hook.pk,
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                events=events,
            )
        except InvalidInput as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("identity:webhook", webhook_id=hook.pk)
    deliveries, _next = selectors.deliveries_page(hook, limit=RECENT_DELIVERIES)
    context = {"hook": hook, "form": form, "secret": secret, "deliveries": deliveries}
    return render(request, "identity/webhook.html", context, status=422 if form.errors else 200)


@pages
@require_POST
def webhook_redeliver(request: HttpRequest, webhook_id: int, delivery_id: str) -> HttpResponse:
    actor = _actor(request)
    try:
        services.delivery_redeliver(actor=actor, webhook_id=webhook_id, delivery_id=delivery_id)
    except (Conflict, WrongState) as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The delivery is on its way again."))
    return redirect("identity:webhook", webhook_id=webhook_id)
