"""The rota page: one's own availability; for leads and partner admins their team's and
the queue rules. Thin: parse, call a service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tierdesk.core.errors import DomainError, Forbidden, InvalidInput, NotFound
from tierdesk.core.web import request_actor
from tierdesk.rota import selectors, services
from tierdesk.rota.forms import AvailabilityForm, QueueRuleForm

PAGE = "rota/rota.html"


def _staff(request: HttpRequest):
    actor = request_actor(request)
    if actor is None or actor.is_customer:
        raise PermissionDenied("The rota is for support staff.")
    return actor


def _context(actor, *, refusal=None) -> dict:
    people = list(selectors.team(actor))
    return {
        "people": people,
        "rules": selectors.rules(actor),
        "manages_team": actor.is_lead or actor.role == "partner_admin",
        "refusal": refusal,
    }


@login_required
@require_http_methods(["GET"])
def rota(request: HttpRequest) -> HttpResponse:
    return render(request, PAGE, _context(_staff(request)))


@login_required
@require_POST
def availability_post(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    form = AvailabilityForm(request.POST)
    if not form.is_valid():
        return _refused(request, actor, InvalidInput({"user": "is missing"}))
    try:
        services.availability_set(
            actor=actor,
            user_id=form.cleaned_data["user"],
            available=form.cleaned_data["available"],
            out_of_office=form.cleaned_data["out_of_office"],
        )
    except NotFound:
        raise Http404("Person not found.") from None
    except DomainError as exc:
        return _refused(request, actor, exc)
    messages.success(request, _("Availability saved."))
    return redirect("rota")


@login_required
@require_POST
def rule_post(request: HttpRequest) -> HttpResponse:
    actor = _staff(request)
    form = QueueRuleForm(request.POST)
    if not form.is_valid():
        fields = {k: " ".join(v) for k, v in form.errors.items()}
        return _refused(request, actor, InvalidInput(fields))
    try:
        services.queue_rule_set(
            actor=actor,
            level=form.cleaned_data["level"],
            organisation_id=form.cleaned_data["organisation"],
            auto_assign=form.cleaned_data["auto_assign"],
            cap=form.cleaned_data["cap"],
        )
    except Forbidden as exc:
        raise PermissionDenied(exc.message) from None
    except DomainError as exc:
        return _refused(request, actor, exc)
    messages.success(request, _("Queue rule saved."))
    return redirect("rota")


def _refused(request: HttpRequest, actor, exc: DomainError) -> HttpResponse:
    return render(request, PAGE, _context(actor, refusal=exc), status=exc.status)
